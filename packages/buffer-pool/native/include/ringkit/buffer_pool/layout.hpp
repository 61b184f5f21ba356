// The buffer pool's shared-memory layout, defined once for C++: the control block, the queue
// entries, the records inside a buffer and the buffer id. LAYOUT.md draws it; src/layout.ts
// defines the same numbers for TypeScript, and test/layout.test.ts proves the two agree: every
// constant below comes from one list (ringkit/layout_list.hpp), and the addon's layout() hands
// those same lists to the test. Control-block words are little-endian i32 (JS reads them as an
// Int32Array) and its counters float64, so word constants are indices, not byte offsets.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "ringkit/layout_list.hpp"

namespace ringkit::buffer_pool::layout {

// The control block is whole lines: the pool line, kRolesPerLane role lines per lane, replenish's
// line, then the wake table. Lines are 128 bytes apart, as adjacent-line prefetch pairs 64-byte
// lines, so no two roles' writes share a pair. A role line's float64 counters start at byte
// kCountersOffset, after its words. "POOL" when the first four bytes are read as ASCII.
// kNoLowMark: a producer's low mark before it ever took a buffer (stats show it as null).
#define RINGKIT_POOL_CONTROL(X)                                        \
  X(layout, kLineBytes, "LINE_BYTES", std::size_t, 128)                \
  X(layout, kLineWords, "LINE_WORDS", std::size_t, kLineBytes / 4)     \
  X(layout, kCountersOffset, "COUNTERS_OFFSET", std::size_t, 32)       \
  X(layout, kCountersPerLine, "COUNTERS_PER_LINE", std::size_t,        \
    (kLineBytes - kCountersOffset) / 8)                                \
  X(layout, kRolesPerLane, "ROLES_PER_LANE", std::size_t, 3)           \
  X(layout, kQueuesPerLane, "QUEUES_PER_LANE", std::uint32_t, 5)       \
  X(layout, kControlMagic, "CONTROL_MAGIC", std::uint32_t, 0x4c4f4f50) \
  X(layout, kControlVersion, "CONTROL_VERSION", std::uint32_t, 1)      \
  X(layout, kNoLowMark, "NO_LOW_MARK", std::int32_t, 0x7fffffff)
RINGKIT_POOL_CONTROL(RINGKIT_LAYOUT_DEFINE)

// Word indices in the pool line (line 0). kBlocks: blocks allocated so far; kBlockWanted: set by
// a participant that met an id of a block it never received, cleared by replenish as it resends.
#define RINGKIT_POOL_POOL_WORD(X)                                              \
  X(pool_word, kMagic, "PoolWord.MAGIC", std::size_t, 0)                       \
  X(pool_word, kVersion, "PoolWord.VERSION", std::size_t, 1)                   \
  X(pool_word, kLanes, "PoolWord.LANES", std::size_t, 2)                       \
  X(pool_word, kComplete, "PoolWord.COMPLETE", std::size_t, 3)                 \
  X(pool_word, kBlocks, "PoolWord.BLOCKS", std::size_t, 4)                     \
  X(pool_word, kBuffersPerBlock, "PoolWord.BUFFERS_PER_BLOCK", std::size_t, 5) \
  X(pool_word, kBlockWanted, "PoolWord.BLOCK_WANTED", std::size_t, 6)
namespace pool_word {
RINGKIT_POOL_POOL_WORD(RINGKIT_LAYOUT_DEFINE)
}  // namespace pool_word

// Word indices in a role line, which only its role writes (but kClaim, taken once by a
// compare-and-swap). kSequence is odd while the role moves a buffer between queues, so a
// snapshot can tell it saw a consistent picture; the marks are the producer's alone.
#define RINGKIT_POOL_ROLE_WORD(X)                               \
  X(role_word, kClaim, "RoleWord.CLAIM", std::size_t, 0)        \
  X(role_word, kSequence, "RoleWord.SEQUENCE", std::size_t, 1)  \
  X(role_word, kHeld, "RoleWord.HELD", std::size_t, 2)          \
  X(role_word, kExited, "RoleWord.EXITED", std::size_t, 3)      \
  X(role_word, kLowMark, "RoleWord.LOW_MARK", std::size_t, 4)   \
  X(role_word, kHighMark, "RoleWord.HIGH_MARK", std::size_t, 5) \
  X(role_word, kOwnerPid, "RoleWord.OWNER_PID", std::size_t, 6) \
  X(role_word, kOwnerThread, "RoleWord.OWNER_THREAD", std::size_t, 7)
namespace role_word {
RINGKIT_POOL_ROLE_WORD(RINGKIT_LAYOUT_DEFINE)
}  // namespace role_word

// Counter slots: float64 indices from kCountersOffset, one list per role. Each counter has one
// writer, its role, and an aligned 8-byte store is one instruction, so no reader sees half.
#define RINGKIT_POOL_PRODUCER_COUNTER(X)                                                   \
  X(counter::producer, kRecords, "Counter.producer.records", std::size_t, 0)               \
  X(counter::producer, kBytes, "Counter.producer.bytes", std::size_t, 1)                   \
  X(counter::producer, kDroppedRecords, "Counter.producer.droppedRecords", std::size_t, 2) \
  X(counter::producer, kDroppedBytes, "Counter.producer.droppedBytes", std::size_t, 3)     \
  X(counter::producer, kSubmitted, "Counter.producer.submitted", std::size_t, 4)           \
  X(counter::producer, kBlockedWaits, "Counter.producer.blockedWaits", std::size_t, 5)     \
  X(counter::producer, kRegistrations, "Counter.producer.registrations", std::size_t, 6)
namespace counter::producer {
RINGKIT_POOL_PRODUCER_COUNTER(RINGKIT_LAYOUT_DEFINE)
}  // namespace counter::producer

#define RINGKIT_POOL_DRAIN_COUNTER(X)                                    \
  X(counter::drain, kHandoffs, "Counter.drain.handoffs", std::size_t, 0) \
  X(counter::drain, kRefills, "Counter.drain.refills", std::size_t, 1)
namespace counter::drain {
RINGKIT_POOL_DRAIN_COUNTER(RINGKIT_LAYOUT_DEFINE)
}  // namespace counter::drain

#define RINGKIT_POOL_COLLECTOR_COUNTER(X)                                                  \
  X(counter::collector, kCollected, "Counter.collector.collected", std::size_t, 0)         \
  X(counter::collector, kBytes, "Counter.collector.bytes", std::size_t, 1)                 \
  X(counter::collector, kErrors, "Counter.collector.errors", std::size_t, 2)               \
  X(counter::collector, kRegistrations, "Counter.collector.registrations", std::size_t, 3) \
  X(counter::collector, kRecords, "Counter.collector.records", std::size_t, 4)             \
  X(counter::collector, kTakenRecords, "Counter.collector.takenRecords", std::size_t, 5)   \
  X(counter::collector, kMove, "Counter.collector.move", std::size_t, 6)                   \
  X(counter::collector, kMoveHeld, "Counter.collector.moveHeld", std::size_t, 7)           \
  X(counter::collector, kMoveTakenRecords, "Counter.collector.moveTakenRecords", std::size_t, 8)
namespace counter::collector {
RINGKIT_POOL_COLLECTOR_COUNTER(RINGKIT_LAYOUT_DEFINE)
}  // namespace counter::collector

#define RINGKIT_POOL_REPLENISH_COUNTER(X)                                                      \
  X(counter::replenish, kBlocksAllocated, "Counter.replenish.blocksAllocated", std::size_t, 0) \
  X(counter::replenish, kRouted, "Counter.replenish.routed", std::size_t, 1)                   \
  X(counter::replenish, kRebalanced, "Counter.replenish.rebalanced", std::size_t, 2)           \
  X(counter::replenish, kRegistrations, "Counter.replenish.registrations", std::size_t, 3)
namespace counter::replenish {
RINGKIT_POOL_REPLENISH_COUNTER(RINGKIT_LAYOUT_DEFINE)
}  // namespace counter::replenish

// Every role's line, whatever its kind: what a dead owner left behind, and the death it saw.
#define RINGKIT_POOL_ROLE_COUNTER(X)                                          \
  X(counter::role, kLostBuffers, "Counter.role.lostBuffers", std::size_t, 9)  \
  X(counter::role, kLostRecords, "Counter.role.lostRecords", std::size_t, 10) \
  X(counter::role, kReport, "Counter.role.report", std::size_t, 11)
namespace counter::role {
RINGKIT_POOL_ROLE_COUNTER(RINGKIT_LAYOUT_DEFINE)
}  // namespace counter::role

// A lane's role lines, in order: role r of lane q has line 1 + kRolesPerLane·q + r.
#define RINGKIT_POOL_LANE_ROLE(X)                                \
  X(lane_role, kProducer, "LaneRole.producer", std::uint32_t, 0) \
  X(lane_role, kDrain, "LaneRole.drain", std::uint32_t, 1)       \
  X(lane_role, kCollector, "LaneRole.collector", std::uint32_t, 2)
namespace lane_role {
RINGKIT_POOL_LANE_ROLE(RINGKIT_LAYOUT_DEFINE)
}  // namespace lane_role

// A lane's queues, in the order the wake table's codes count them (queue_code).
#define RINGKIT_POOL_LANE_QUEUE(X)                               \
  X(lane_queue, kFree, "LaneQueue.free", std::uint32_t, 0)       \
  X(lane_queue, kReady, "LaneQueue.ready", std::uint32_t, 1)     \
  X(lane_queue, kCollect, "LaneQueue.collect", std::uint32_t, 2) \
  X(lane_queue, kDone, "LaneQueue.done", std::uint32_t, 3)       \
  X(lane_queue, kRecycled, "LaneQueue.recycled", std::uint32_t, 4)
namespace lane_queue {
RINGKIT_POOL_LANE_QUEUE(RINGKIT_LAYOUT_DEFINE)
}  // namespace lane_queue

// One queue entry, a fixed-size record of its spsc-ring: [u32 buffer id][u32 bytes used].
#define RINGKIT_POOL_ENTRY(X)                       \
  X(entry, kId, "Entry.ID", std::size_t, 0)         \
  X(entry, kLength, "Entry.LENGTH", std::size_t, 4) \
  X(entry, kBytes, "Entry.BYTES", std::size_t, 8)
namespace entry {
RINGKIT_POOL_ENTRY(RINGKIT_LAYOUT_DEFINE)
}  // namespace entry

// Inside a buffer: [u32 payload length][u32 type][payload], each record 8-byte aligned.
#define RINGKIT_POOL_RECORD(X)                                   \
  X(record, kLength, "Record.LENGTH", std::size_t, 0)            \
  X(record, kType, "Record.TYPE", std::size_t, 4)                \
  X(record, kHeaderBytes, "Record.HEADER_BYTES", std::size_t, 8) \
  X(record, kAlignment, "Record.ALIGNMENT", std::size_t, 8)
namespace record {
RINGKIT_POOL_RECORD(RINGKIT_LAYOUT_DEFINE)
}  // namespace record

// A buffer id is block << kBlockShift | index: resolving one is two shifts and a table lookup.
#define RINGKIT_POOL_BUFFER_ID(X)                                      \
  X(buffer_id, kBlockShift, "BufferId.BLOCK_SHIFT", std::uint32_t, 16) \
  X(buffer_id, kIndexMask, "BufferId.INDEX_MASK", std::uint32_t, 0xffff)
namespace buffer_id {
RINGKIT_POOL_BUFFER_ID(RINGKIT_LAYOUT_DEFINE)
}  // namespace buffer_id

// Every list above, in order: what the addon's layout() exports for test/layout.test.ts.
#define RINGKIT_POOL_LAYOUT(X)      \
  RINGKIT_POOL_CONTROL(X)           \
  RINGKIT_POOL_POOL_WORD(X)         \
  RINGKIT_POOL_ROLE_WORD(X)         \
  RINGKIT_POOL_PRODUCER_COUNTER(X)  \
  RINGKIT_POOL_DRAIN_COUNTER(X)     \
  RINGKIT_POOL_COLLECTOR_COUNTER(X) \
  RINGKIT_POOL_REPLENISH_COUNTER(X) \
  RINGKIT_POOL_ROLE_COUNTER(X)      \
  RINGKIT_POOL_LANE_ROLE(X)         \
  RINGKIT_POOL_LANE_QUEUE(X)        \
  RINGKIT_POOL_ENTRY(X)             \
  RINGKIT_POOL_RECORD(X)            \
  RINGKIT_POOL_BUFFER_ID(X)

// Calls visit(typescript_name, value) for every constant of the layout.
template <typename Visit>
void for_each_constant(Visit&& visit) {
  RINGKIT_POOL_LAYOUT(RINGKIT_LAYOUT_VISIT)
}

// The roles, a lane's three at their places in it. Replenish has no place in a lane: it has one
// line for the whole pool, after every lane's.
enum class Role : std::uint32_t {
  kProducer = lane_role::kProducer,
  kDrain = lane_role::kDrain,
  kCollector = lane_role::kCollector,
  kReplenish,
};

// The queues of a lane, at their places in it.
enum class Queue : std::uint32_t {
  kFree = lane_queue::kFree,
  kReady = lane_queue::kReady,
  kCollect = lane_queue::kCollect,
  kDone = lane_queue::kDone,
  kRecycled = lane_queue::kRecycled,
};

// The pool line, kRolesPerLane lines per lane, and replenish's.
constexpr std::size_t role_lines(std::size_t lanes) {
  return 2 + kRolesPerLane * lanes;
}

// The line index of a role; replenish has one line for the whole pool.
constexpr std::size_t role_line(Role role, std::size_t lane, std::size_t lanes) {
  return role == Role::kReplenish ? 1 + kRolesPerLane * lanes
                                  : 1 + kRolesPerLane * lane + static_cast<std::size_t>(role);
}

// The wake table follows the role lines: for each line, the code of the queue its role's thread
// sleeps on (0: the role's own input). Read-mostly, so a knock costs one shared load.
constexpr std::size_t wake_table_word(std::size_t line, std::size_t lanes) {
  return role_lines(lanes) * kLineWords + line;
}

// The role lines, then the wake table rounded up to whole lines.
constexpr std::size_t control_byte_length(std::size_t lanes) {
  const std::size_t table_bytes =
      (role_lines(lanes) * 4 + kLineBytes - 1) / kLineBytes * kLineBytes;
  return role_lines(lanes) * kLineBytes + table_bytes;
}

// A queue's code in the wake table: 1 + lane · kQueuesPerLane + its place in the lane (0 means
// "own input").
constexpr std::uint32_t queue_code(std::uint32_t lane, Queue queue) {
  return 1 + lane * kQueuesPerLane + static_cast<std::uint32_t>(queue);
}

// The queue a role sleeps on when it has a thread to itself.
constexpr std::uint32_t input_code(Role role, std::uint32_t lane) {
  switch (role) {
    case Role::kProducer:
      return queue_code(lane, Queue::kFree);
    case Role::kDrain:
      return queue_code(lane, Queue::kReady);
    case Role::kCollector:
      return queue_code(lane, Queue::kCollect);
    case Role::kReplenish:
      break;
  }
  return queue_code(0, Queue::kDone);
}

constexpr std::size_t record_span(std::size_t payload_length) {
  return record::kHeaderBytes +
         ((payload_length + record::kAlignment - 1) & ~(record::kAlignment - 1));
}

constexpr std::uint32_t block_of(std::uint32_t id) {
  return id >> buffer_id::kBlockShift;
}
constexpr std::uint32_t index_of(std::uint32_t id) {
  return id & buffer_id::kIndexMask;
}

static_assert(std::endian::native == std::endian::little, "JS typed arrays here are little-endian");
static_assert(role_word::kHighMark * 4 + 4 <= kCountersOffset, "words end before the counters");
static_assert(pool_word::kBlockWanted * 4 + 4 <= kLineBytes, "the pool's words fit its line");
static_assert(kCountersOffset % 8 == 0, "float64 counters are 8-byte aligned");
static_assert(counter::producer::kRegistrations < kCountersPerLine);
static_assert(counter::collector::kRegistrations < kCountersPerLine);
static_assert(counter::replenish::kRegistrations < kCountersPerLine);
static_assert(lane_role::kCollector < kRolesPerLane, "a lane's roles fit its lines");
static_assert(lane_queue::kRecycled < kQueuesPerLane, "a lane's queues fit its codes");
static_assert(entry::kLength + 4 == entry::kBytes);
static_assert(record::kType + 4 == record::kHeaderBytes);
static_assert(buffer_id::kIndexMask == (1u << buffer_id::kBlockShift) - 1);
static_assert(record_span(0) == record::kHeaderBytes && record_span(1) == 16);
static_assert(control_byte_length(1) == 6 * kLineBytes, "5 role lines, one line of wake table");

}  // namespace ringkit::buffer_pool::layout
