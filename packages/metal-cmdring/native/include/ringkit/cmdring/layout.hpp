// The statistics block's layout, defined once for C++. LAYOUT.md draws it; src/layout.ts
// defines the same numbers for TypeScript, and test/layout.test.ts proves the two agree:
// every constant below comes from one list (ringkit/layout_list.hpp, from @ringkit/spsc-ring),
// and the addon's statisticsLayout() hands that same list to the test. The ring writes the
// block with atomic stores into memory the caller provides (a SharedArrayBuffer in Node), so
// JavaScript reads the figures with typed arrays and no native call.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "ringkit/layout_list.hpp"

namespace ringkit::cmdring::layout {

// The block as a whole: "CMDR" when the first four bytes are read as ASCII. One 128-byte line:
// every figure is written under the ring's lock, so splitting writers across lines would buy
// nothing. 8-aligned because the counters are f64. The fields end at kFieldsEnd; the rest of
// the line is reserved, so a field can be added without moving the others.
#define RINGKIT_CMDRING_BLOCK(X)                          \
  X(layout, kMagic, "MAGIC", std::uint32_t, 0x52444d43)   \
  X(layout, kVersion, "VERSION", std::uint32_t, 1)        \
  X(layout, kByteLength, "BYTE_LENGTH", std::size_t, 128) \
  X(layout, kAlignment, "ALIGNMENT", std::size_t, 8)      \
  X(layout, kFieldsEnd, "FIELDS_END", std::size_t, 80)
RINGKIT_CMDRING_BLOCK(RINGKIT_LAYOUT_DEFINE)

// u32 words, written once when the ring opens (magic last, with release).
#define RINGKIT_CMDRING_WORD(X)                        \
  X(word, kMagic, "Word.MAGIC", std::size_t, 0)        \
  X(word, kVersion, "Word.VERSION", std::size_t, 4)    \
  X(word, kRingSize, "Word.RING_SIZE", std::size_t, 8) \
  X(word, kFlags, "Word.FLAGS", std::size_t, 12)
namespace word {
RINGKIT_CMDRING_WORD(RINGKIT_LAYOUT_DEFINE)
}  // namespace word

// Bits of word::kFlags. Without kTrackStatistics only the fence counters move.
#define RINGKIT_CMDRING_FLAGS(X) \
  X(flags, kTrackStatistics, "Flags.TRACK_STATISTICS", std::uint32_t, 1)
namespace flags {
RINGKIT_CMDRING_FLAGS(RINGKIT_LAYOUT_DEFINE)
}  // namespace flags

// f64 counters: exact to 2^53 and read from a Float64Array without BigInt; an aligned 8-byte
// store is single-copy atomic, so a reader sees each one whole. Submitted and completed fences
// are state, kept even when the ring does not track statistics.
#define RINGKIT_CMDRING_COUNTER(X)                                              \
  X(counter, kTotalAcquisitions, "Counter.TOTAL_ACQUISITIONS", std::size_t, 16) \
  X(counter, kTotalReleases, "Counter.TOTAL_RELEASES", std::size_t, 24)         \
  X(counter, kWaitEvents, "Counter.WAIT_EVENTS", std::size_t, 32)               \
  X(counter, kTotalWaitMs, "Counter.TOTAL_WAIT_MS", std::size_t, 40)            \
  X(counter, kAcquireTimeouts, "Counter.ACQUIRE_TIMEOUTS", std::size_t, 48)     \
  X(counter, kCurrentIndex, "Counter.CURRENT_INDEX", std::size_t, 56)           \
  X(counter, kSubmittedFences, "Counter.SUBMITTED_FENCES", std::size_t, 64)     \
  X(counter, kCompletedFences, "Counter.COMPLETED_FENCES", std::size_t, 72)
namespace counter {
RINGKIT_CMDRING_COUNTER(RINGKIT_LAYOUT_DEFINE)
}  // namespace counter

// The completion ring: an @ringkit/spsc-ring fixed ring (wait domain os, drop when full) of
// completion records, one per fence the device reported, pushed by the ring as fences retire
// (fence order; with priority levels, fence order within each level: LAYOUT.md).
// CAPACITY records: room for many batches, so a reader that drains once per wake-up keeps up.
#define RINGKIT_CMDRING_COMPLETION(X)                                        \
  X(completion, kRecordBytes, "Completion.RECORD_BYTES", std::uint32_t, 40)  \
  X(completion, kCapacity, "Completion.CAPACITY", std::uint32_t, 256)        \
  X(completion, kFence, "Completion.Field.FENCE", std::size_t, 0)            \
  X(completion, kStartNs, "Completion.Field.START_NS", std::size_t, 8)       \
  X(completion, kEndNs, "Completion.Field.END_NS", std::size_t, 16)          \
  X(completion, kSlot, "Completion.Field.SLOT", std::size_t, 24)             \
  X(completion, kStatus, "Completion.Field.STATUS", std::size_t, 28)         \
  X(completion, kErrorCode, "Completion.Field.ERROR_CODE", std::size_t, 32)  \
  X(completion, kOpCount, "Completion.Field.OP_COUNT", std::size_t, 36)      \
  X(completion, kCompleted, "Completion.Status.COMPLETED", std::uint32_t, 0) \
  X(completion, kFailed, "Completion.Status.FAILED", std::uint32_t, 1)       \
  X(completion, kNoError, "Completion.ErrorCode.NONE", std::uint32_t, 0)     \
  X(completion, kCommandFailed, "Completion.ErrorCode.COMMAND_FAILED", std::uint32_t, 1)
namespace completion {
RINGKIT_CMDRING_COMPLETION(RINGKIT_LAYOUT_DEFINE)
}  // namespace completion

// Every list above, in order: what the addon's statisticsLayout() exports for
// test/layout.test.ts.
#define RINGKIT_CMDRING_LAYOUT(X) \
  RINGKIT_CMDRING_BLOCK(X)        \
  RINGKIT_CMDRING_WORD(X)         \
  RINGKIT_CMDRING_FLAGS(X)        \
  RINGKIT_CMDRING_COUNTER(X)      \
  RINGKIT_CMDRING_COMPLETION(X)

// Calls visit(typescript_name, value) for every constant of the layout.
template <typename Visit>
void for_each_constant(Visit&& visit) {
  RINGKIT_CMDRING_LAYOUT(RINGKIT_LAYOUT_VISIT)
}

// The offsets of the words and of the counters, in list order, for the checks below.
#define RINGKIT_CMDRING_OFFSET(ns, name, ts_name, type, value) ns::name,
inline constexpr std::size_t kWordOffsets[] = {RINGKIT_CMDRING_WORD(RINGKIT_CMDRING_OFFSET)};
inline constexpr std::size_t kCounterOffsets[] = {RINGKIT_CMDRING_COUNTER(RINGKIT_CMDRING_OFFSET)};
#undef RINGKIT_CMDRING_OFFSET

// True when `offsets` follow one another from `start`, `bytes` apart: no gap, no overlap, and
// each field aligned to its size when `start` is.
template <std::size_t N>
constexpr bool packed(const std::size_t (&offsets)[N], std::size_t start, std::size_t bytes) {
  for (std::size_t i = 0; i < N; ++i)
    if (offsets[i] != start + i * bytes) return false;
  return true;
}

static_assert(std::endian::native == std::endian::little, "JS typed arrays here are little-endian");
static_assert(packed(kWordOffsets, 0, 4), "the u32 words open the block, 4 bytes apart");
static_assert(packed(kCounterOffsets, std::size(kWordOffsets) * 4, 8),
              "the f64 counters follow the words, 8 bytes apart");
static_assert(kCounterOffsets[std::size(kCounterOffsets) - 1] + 8 == kFieldsEnd);
static_assert(kFieldsEnd <= kByteLength && kByteLength % kAlignment == 0);
static_assert(kCounterOffsets[0] % kAlignment == 0, "the counters are 8-aligned");
static_assert(completion::kOpCount + 4 == completion::kRecordBytes,
              "the completion record's fields fill it");
static_assert(completion::kRecordBytes % 8 == 0, "completion records keep their u64s 8-aligned");
static_assert(std::has_single_bit(completion::kCapacity), "spsc-ring capacities are powers of two");

}  // namespace ringkit::cmdring::layout
