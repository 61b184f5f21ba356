// 64-bit counters in shared memory, the twin of src/counter.ts: stored so a reader never
// pairs a low word with the wrong high word, read with a bounded number of retries, repaired
// or reported as corrupted, and taken over by an end at attach (LAYOUT.md, "A counter read
// ends").
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringkit/spsc_ring/header.hpp"

namespace ringkit {

// A 64-bit counter as one bounded read found it (LAYOUT.md, "A counter read ends"): its value,
// repaired when a writer stopped between its two high-word stores, or kCorrupted when the high
// words differ in a way no writer leaves them (the value is then high-after's reading).
struct CounterRead {
  std::uint64_t value = 0;
  std::uint32_t high_before = 0, high_after = 0;  // as last read
  RingStatus status = RingStatus::kOk;
  bool torn() const noexcept { return high_before != high_after; }
};

namespace detail {
// Reads of a counter whose high words differ before the reader decides what they mean. A live
// writer is between its two high-word stores for a store or a futex wake, unless preempted; one
// killed there, or a stray write, leaves them apart for good, and a reader that retried until
// they agreed hung (issue 18). The decision is right for the preempted writer too.
inline constexpr int kCounterReadAttempts = 256;
}  // namespace detail

// 64-bit counters (LAYOUT.md): one relaxed store per update; high-before, low,
// high-after when the high word changes, so a reader never pairs a low word
// with the wrong high word.
inline void Ring::store_counter(std::size_t offset, std::uint64_t value) const noexcept {
  const auto high = static_cast<std::uint32_t>(value >> 32);
  if (high != word(offset + layout::counter::kHighAfter).load(std::memory_order_relaxed)) {
    store_whole_counter(offset, offset + layout::counter::kLow, value);
  } else {
    word(offset + layout::counter::kLow)
        .store(static_cast<std::uint32_t>(value), std::memory_order_relaxed);
  }
}

// High-before, the low word (a fixed ring's position), high-after, each sequentially consistent:
// the order every reader relies on. For a writer whose high word changes, and for an owner making
// a counter whole again at attach (detail::take_over).
inline void Ring::store_whole_counter(std::size_t offset, std::size_t low,
                                      std::uint64_t value) const noexcept {
  const auto high = static_cast<std::uint32_t>(value >> 32);
  word(offset + layout::counter::kHighBefore).store(high, std::memory_order_seq_cst);
  word(low).store(static_cast<std::uint32_t>(value), std::memory_order_seq_cst);
  word(offset + layout::counter::kHighAfter).store(high, std::memory_order_seq_cst);
}

// A fixed ring's pushed or popped (LAYOUT.md): the position word is its low word, and the
// counter's high words change only when the position wraps, around the position's store.
// Mid-wrap, the other count picks the reading: pushed − popped is the fill, 0 … capacity, and
// the two readings are 2³² apart, so a whole partner keeps one at most. That tells a stray write
// to high-before (the fill unchanged) from a wrap the low word alone would claim. With the
// partner mid-wrap too, or a live writer moving on between the reads, the low word decides.
inline CounterRead Ring::load_position_counter(std::size_t offset,
                                               std::size_t position) const noexcept {
  CounterRead read = read_counter(offset, position);
  if (std::uint64_t{read.high_after} + 1 != read.high_before) return read;
  const bool pushed = offset == layout::producer::kPushed;
  const CounterRead partner =
      pushed ? read_counter(layout::consumer::kPopped, layout::consumer::kReadPosition)
             : read_counter(layout::producer::kPushed, layout::producer::kWritePosition);
  if (partner.torn()) return read;
  const auto low = static_cast<std::uint32_t>(read.value);
  for (const std::uint32_t high : {read.high_after, read.high_before}) {
    const std::uint64_t value = (std::uint64_t{high} << 32) | low;
    // Unsigned: a negative fill wraps far above any capacity.
    const std::uint64_t fill = pushed ? value - partner.value : partner.value - value;
    if (fill <= capacity()) {
      read.value = value;
      break;
    }
  }
  return read;
}

// Pushed or popped, whichever kind of ring.
inline CounterRead Ring::load_side_counter(std::size_t offset,
                                           std::size_t position) const noexcept {
  return config_.kind == layout::kind::kFixed ? load_position_counter(offset, position)
                                              : load_counter(offset);
}

inline CounterRead Ring::load_counter(std::size_t offset) const noexcept {
  return read_counter(offset, offset + layout::counter::kLow);
}

// High-after, the low word, high-before, retried (a bounded number of times) while the high words
// differ. Mid-wrap (high-before = high-after + 1) the writer had stored high-before and perhaps
// the low word; it moves the low word by at most 2³¹ per store (a batch, at most the capacity),
// so a low word below 2³¹ has wrapped (high-before's reading) and one from 2³¹ up has not
// (high-after's). Any other difference is no state a writer leaves: kCorrupted.
inline CounterRead Ring::read_counter(std::size_t offset, std::size_t low_offset) const noexcept {
  std::uint32_t high_after = 0, low = 0, high_before = 0;
  for (int attempt = 0; attempt < detail::kCounterReadAttempts; attempt++) {
    high_after = word(offset + layout::counter::kHighAfter).load(std::memory_order_seq_cst);
    low = word(low_offset).load(std::memory_order_seq_cst);
    high_before = word(offset + layout::counter::kHighBefore).load(std::memory_order_seq_cst);
    if (high_after == high_before) break;
  }
  CounterRead read{(std::uint64_t{high_after} << 32) | low, high_before, high_after};
  if (!read.torn()) return read;
  if (std::uint64_t{high_after} + 1 != high_before)
    read.status = RingStatus::kCorrupted;
  else if (low < (std::uint32_t{1} << 31))
    read.value = (std::uint64_t{high_before} << 32) | low;
  return read;
}

namespace detail {

// The count an end takes over at attach, as the counter's only writer from then on. One a writer
// left mid-wrap is stored whole again, so readers (who never write) need not repair it on every
// read; a corrupted one is left as it is for readers to report, `status` says so, and the end
// counts on from high-after's reading.
inline std::uint64_t take_over(const Ring& ring, const CounterRead& read, std::size_t offset,
                               std::size_t low, RingStatus& status) noexcept {
  if (read.status != RingStatus::kOk)
    status = read.status;
  else if (read.torn())
    ring.store_whole_counter(offset, low, read.value);
  return read.value;
}
inline std::uint64_t take_over_counter(const Ring& ring, std::size_t offset,
                                       RingStatus& status) noexcept {
  return take_over(ring, ring.load_counter(offset), offset, offset + layout::counter::kLow, status);
}
// Pushed or popped: a fixed ring's low word is the position.
inline std::uint64_t take_over_side_counter(const Ring& ring, std::size_t offset,
                                            std::size_t position, RingStatus& status) noexcept {
  const bool fixed = ring.config().kind == layout::kind::kFixed;
  return take_over(ring, ring.load_side_counter(offset, position), offset,
                   fixed ? position : offset + layout::counter::kLow, status);
}

}  // namespace detail

}  // namespace ringkit
