// The buffer pool's control block and buffer formats, defined once for C++.
// src/control.ts (with records.ts, queues.ts and blocks.ts) defines the same
// numbers for TypeScript; test/layout.test.ts proves the two agree.
//
//   line 0            pool line: magic, version, lanes, complete flag, blocks allocated
//   line 1 + 3q + 0   producer of lane q  ┐
//   line 1 + 3q + 1   drain of lane q     ├ role lines: written only by that role
//   line 1 + 3q + 2   collector of lane q ┘
//   line 1 + 3·lanes  replenish
//   then              the wake table: one i32 per role line, whole lines
//
//   role line:  0      4         8     12      16        20         32                    128
//               ┌──────┬─────────┬─────┬───────┬─────────┬──────────┬─────┬──────────────────┐
//               │claim │sequence │held │exited │low mark │high mark │ ... │ f64 counters × 12 │
//               └──────┴─────────┴─────┴───────┴─────────┴──────────┴─────┴──────────────────┘
//
// Words are little-endian i32 (JS reads them as an Int32Array), counters float64.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace ringkit::buffer_pool::layout {

// Role lines are 128 bytes apart: adjacent-line prefetch pairs 64-byte lines.
inline constexpr std::size_t kLineBytes = 128;
inline constexpr std::size_t kLineWords = kLineBytes / 4;
inline constexpr std::size_t kCountersOffset = 32;
inline constexpr std::size_t kCountersPerLine = (kLineBytes - kCountersOffset) / 8;

// "POOL" when the first four bytes are read as ASCII.
inline constexpr std::uint32_t kControlMagic = 0x4c4f4f50;
inline constexpr std::uint32_t kControlVersion = 1;

namespace pool_word {  // word indices in line 0
inline constexpr std::size_t kMagic = 0;
inline constexpr std::size_t kVersion = 1;
inline constexpr std::size_t kLanes = 2;
inline constexpr std::size_t kComplete = 3;
inline constexpr std::size_t kBlocks = 4;
inline constexpr std::size_t kBuffersPerBlock = 5;
inline constexpr std::size_t kBlockWanted = 6;
}  // namespace pool_word

namespace role_word {  // word indices in a role line
inline constexpr std::size_t kClaim = 0;
inline constexpr std::size_t kSequence = 1;
inline constexpr std::size_t kHeld = 2;
inline constexpr std::size_t kExited = 3;
inline constexpr std::size_t kLowMark = 4;
inline constexpr std::size_t kHighMark = 5;
}  // namespace role_word

// A producer's low mark before it ever took a buffer (stats show it as null).
inline constexpr std::int32_t kNoLowMark = 0x7fffffff;

// Counter slots (float64 indices from kCountersOffset), per role.
namespace counter::producer {
inline constexpr std::size_t kRecords = 0;
inline constexpr std::size_t kBytes = 1;
inline constexpr std::size_t kDroppedRecords = 2;
inline constexpr std::size_t kDroppedBytes = 3;
inline constexpr std::size_t kSubmitted = 4;
inline constexpr std::size_t kBlockedWaits = 5;
inline constexpr std::size_t kRegistrations = 6;
}  // namespace counter::producer
namespace counter::drain {
inline constexpr std::size_t kHandoffs = 0;
inline constexpr std::size_t kRefills = 1;
}  // namespace counter::drain
namespace counter::collector {
inline constexpr std::size_t kCollected = 0;
inline constexpr std::size_t kBytes = 1;
inline constexpr std::size_t kErrors = 2;
inline constexpr std::size_t kRegistrations = 3;
}  // namespace counter::collector
namespace counter::replenish {
inline constexpr std::size_t kBlocksAllocated = 0;
inline constexpr std::size_t kRouted = 1;
inline constexpr std::size_t kRebalanced = 2;
inline constexpr std::size_t kRegistrations = 3;
}  // namespace counter::replenish

enum class Role : std::uint32_t { kProducer = 0, kDrain = 1, kCollector = 2, kReplenish = 3 };

// The pool line, three lines per lane, and replenish's.
constexpr std::size_t role_lines(std::size_t lanes) {
  return 2 + 3 * lanes;
}

// The line index of a role; replenish has one line for the whole pool.
constexpr std::size_t role_line(Role role, std::size_t lane, std::size_t lanes) {
  return role == Role::kReplenish ? 1 + 3 * lanes : 1 + 3 * lane + static_cast<std::size_t>(role);
}

// The wake table follows the role lines: for each line, the code of the queue its role's thread
// sleeps on (0: the role's own input). Read-mostly, so a knock costs one shared load.
constexpr std::size_t wake_table_word(std::size_t line, std::size_t lanes) {
  return role_lines(lanes) * kLineWords + line;
}

constexpr std::size_t control_byte_length(std::size_t lanes) {
  const std::size_t table_bytes =
      (role_lines(lanes) * 4 + kLineBytes - 1) / kLineBytes * kLineBytes;
  return role_lines(lanes) * kLineBytes + table_bytes;
}

// The queues of a lane, in the order their codes count them.
enum class Queue : std::uint32_t { kFree = 0, kReady = 1, kCollect = 2, kDone = 3, kRecycled = 4 };
inline constexpr std::uint32_t kQueuesPerLane = 5;

// A queue's code in the wake table: 1 + lane · 5 + its place in the lane (0 means "own input").
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

namespace entry {  // one queue entry: [u32 buffer id][u32 bytes used]
inline constexpr std::size_t kId = 0;
inline constexpr std::size_t kLength = 4;
inline constexpr std::size_t kBytes = 8;
}  // namespace entry

namespace record {  // inside a buffer: [u32 payload length][u32 type][payload], 8-byte aligned
inline constexpr std::size_t kLength = 0;
inline constexpr std::size_t kType = 4;
inline constexpr std::size_t kHeaderBytes = 8;
inline constexpr std::size_t kAlignment = 8;
}  // namespace record

constexpr std::size_t record_span(std::size_t payload_length) {
  return record::kHeaderBytes +
         ((payload_length + record::kAlignment - 1) & ~(record::kAlignment - 1));
}

namespace buffer_id {  // id = block << 16 | index
inline constexpr std::uint32_t kBlockShift = 16;
inline constexpr std::uint32_t kIndexMask = 0xffff;
}  // namespace buffer_id

constexpr std::uint32_t block_of(std::uint32_t id) {
  return id >> buffer_id::kBlockShift;
}
constexpr std::uint32_t index_of(std::uint32_t id) {
  return id & buffer_id::kIndexMask;
}

static_assert(std::endian::native == std::endian::little, "JS typed arrays here are little-endian");
static_assert(role_word::kHighMark * 4 + 4 <= kCountersOffset, "words end before the counters");
static_assert(kCountersOffset % 8 == 0, "float64 counters are 8-byte aligned");
static_assert(counter::producer::kRegistrations < kCountersPerLine);
static_assert(record_span(0) == record::kHeaderBytes && record_span(1) == 16);
static_assert(control_byte_length(1) == 6 * kLineBytes, "5 role lines, one line of wake table");

}  // namespace ringkit::buffer_pool::layout
