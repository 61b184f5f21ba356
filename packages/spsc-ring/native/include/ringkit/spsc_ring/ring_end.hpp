// What both ends of both ring kinds share, the twin of src/ring-end.ts: where and how a side
// publishes its position (and its count), stats, and the producer's and consumer's common
// machinery — local positions, cached peer positions, closing, waiting for space or records.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ringkit/barrier.hpp"
#include "ringkit/spsc_ring/counter.hpp"
#include "ringkit/spsc_ring/header.hpp"
#include "ringkit/spsc_ring/liveness.hpp"
#include "ringkit/spsc_ring/wait.hpp"

namespace ringkit {

// Where one side publishes (LAYOUT.md): its position, its count, and the peer's sleep flag and
// the word the peer sleeps on, which every publish looks at.
struct PublishWords {
  std::size_t position, counter, peer_flag, peer_signal;
};
inline constexpr PublishWords kProducerPublishes{
    layout::producer::kWritePosition, layout::producer::kPushed,
    layout::notification::kConsumerWaiting, layout::notification::kDataSignal};
inline constexpr PublishWords kConsumerPublishes{
    layout::consumer::kReadPosition, layout::consumer::kPopped,
    layout::notification::kProducerWaiting, layout::notification::kSpaceSignal};

// Publishes `value` as the side's position and wakes its peer if the peer's flag is up.
// Light path (see barrier.hpp): a release store and a compiler-only barrier,
// the sleeper's membarrier standing in for the fence. Otherwise sequentially
// consistent (XCHG on x86).
inline void Ring::publish_and_wake(const PublishWords& words, std::uint32_t value,
                                   bool light) const noexcept {
  if (light) {
    word(words.position).store(value, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    wake_if_flag(words.peer_flag, words.peer_signal,
                 word(words.peer_flag).load(std::memory_order_relaxed));
    return;
  }
  word(words.position).store(value, std::memory_order_seq_cst);
  wake_if_waiting(words.peer_flag, words.peer_signal);
}

// Never writes (only a side's own end repairs its counters); kCorrupted if a counter is.
inline RingStatus Ring::stats(RingStats& out) const noexcept {
  const std::uint32_t write =
      word(layout::producer::kWritePosition).load(std::memory_order_acquire);
  const std::uint32_t read = word(layout::consumer::kReadPosition).load(std::memory_order_acquire);
  const CounterRead pushed =
      load_side_counter(layout::producer::kPushed, layout::producer::kWritePosition);
  const CounterRead popped =
      load_side_counter(layout::consumer::kPopped, layout::consumer::kReadPosition);
  const CounterRead dropped = load_counter(layout::producer::kDropped);
  for (const CounterRead* counter : {&pushed, &popped, &dropped})
    if (counter->status != RingStatus::kOk) return counter->status;
  const bool closed = word(layout::producer::kClosed).load(std::memory_order_acquire) != 0;
  const std::uint32_t fill_mark = word(layout::consumer::kFillMark).load(std::memory_order_relaxed);
  out = {capacity(), write - read, pushed.value, popped.value, dropped.value, closed, fill_mark};
  return RingStatus::kOk;
}

// The fill mark, reset to 0 so the next take sees the peak since this one (src/ring-end.ts's
// takeFillMark): for the one monitor that samples a ring.
inline std::uint32_t Ring::take_fill_mark() const noexcept {
  return word(layout::consumer::kFillMark).exchange(0, std::memory_order_relaxed);
}

namespace detail {

// A fixed ring's position wrapping past 2³²: the high words around it. Takes the Ring by value
// (see Ring::beat_at).
[[gnu::noinline, gnu::cold]] inline void publish_across_wrap(Ring ring, const PublishWords& words,
                                                             std::uint32_t position,
                                                             std::uint32_t high) noexcept {
  ring.word(words.counter + layout::counter::kHighBefore).store(high, std::memory_order_seq_cst);
  ring.publish_and_wake(words, position, false);
  ring.word(words.counter + layout::counter::kHighAfter).store(high, std::memory_order_seq_cst);
}

// Publishes a side's position and its count. Byte rings: the position, then the counter (one
// relaxed store). Fixed rings: the position is the count's low word, so only when it wraps past
// 2³² are the counter's high words stored around it (high-before, position, high-after: the
// order load_position_counter's retry relies on), all sequentially consistent.
// `high` is the writer's copy of the high word it last stored.
// Always inline, its rare paths out of line: a one-record push is a copy and this, and any call
// left in it makes the compiler spill the producer's state around it.
[[gnu::always_inline]] inline void publish_counted(const Ring& ring, const PublishWords& words,
                                                   std::uint32_t position, std::uint64_t count,
                                                   std::uint32_t& high, bool counted_by_position,
                                                   bool light) noexcept {
  if (!counted_by_position) {
    ring.publish_and_wake(words, position, light);
    ring.store_counter(words.counter, count);
    return;
  }
  if (static_cast<std::uint32_t>(count >> 32) == high) [[likely]] {
    ring.publish_and_wake(words, position, light);
    return;
  }
  high = static_cast<std::uint32_t>(count >> 32);
  publish_across_wrap(ring, words, position, high);
}

// A side beats every 1024 records in a fixed ring (its position just crossed a multiple of 1024),
// every 1024th publish in a byte ring (whose position counts bytes) — as the TypeScript ends do.
[[gnu::always_inline]] inline bool beat_due(std::uint32_t position, std::uint32_t records,
                                            std::uint32_t& publishes,
                                            bool counted_by_position) noexcept {
  return counted_by_position ? (position & 1023) < records : (++publishes & 1023) == 0;
}

// What both producers share: the local write position, the cached read
// position, publishing, counting, closing and waiting for space.
class ProducerBase {
 public:
  explicit ProducerBase(const Ring& ring)
      : ring_(ring),
        write_(ring.word(layout::producer::kWritePosition).load(std::memory_order_relaxed)),
        read_cache_(ring.word(layout::consumer::kReadPosition).load(std::memory_order_acquire)),
        pushed_(take_over_side_counter(ring, layout::producer::kPushed,
                                       layout::producer::kWritePosition, status_)),
        dropped_(take_over_counter(ring, layout::producer::kDropped, status_)),
        light_(light_publish_enabled()),
        counted_by_position_(ring.config().kind == layout::kind::kFixed) {
    ring_.announce(kProducerSide);
    // Before any publish: a sleeper that reads "fenced" here read it before this store, so the
    // flag it raised before that read is visible to every later publish (LAYOUT.md, step 5).
    ring_.word(layout::producer::kPublishMode)
        .store(light_ ? layout::publish_mode::kLight : layout::publish_mode::kFenced,
               std::memory_order_seq_cst);
  }

  std::uint64_t pushed() const noexcept { return pushed_; }
  std::uint64_t dropped() const noexcept { return dropped_; }
  // kCorrupted when a counter it took over at attach was (see take_over); the positions still work.
  RingStatus status() const noexcept { return status_; }
  const Ring& ring() const noexcept { return ring_; }

  // Ends the stream; the consumer drains what was published, then sees closed.
  void close() noexcept {
    ring_.word(layout::producer::kClosed).store(1, std::memory_order_seq_cst);
    ring_.wake_if_waiting(layout::notification::kConsumerWaiting,
                          layout::notification::kDataSignal);
  }

  // Blocks until `wanted` slots or bytes are free (block policy), the deadline, or stop.
  WaitOutcome wait_for_space(std::uint32_t wanted, double timeout_ms,
                             const std::atomic<bool>* stop = nullptr, double tick_ms = 100,
                             int spin = 1000) {
    return ring_.wait_until(
        [&]() -> const WaitOutcome* { return free_space(wanted) >= wanted ? &kReady : nullptr; },
        layout::notification::kProducerWaiting, layout::notification::kSpaceSignal, timeout_ms,
        stop, tick_ms, spin, &kProducerSide);
  }

 protected:
  // Free space; the consumer's position is re-read (acquire: it covers the
  // consumer's reads) only when fewer than `wanted` look free.
  std::uint32_t free_space(std::uint32_t wanted) noexcept {
    std::uint32_t free = ring_.capacity() - (write_ - read_cache_);
    if (free < wanted) {
      read_cache_ = ring_.word(layout::consumer::kReadPosition).load(std::memory_order_acquire);
      free = ring_.capacity() - (write_ - read_cache_);
    }
    return free;
  }

  // Release: the records' bytes are visible before the position that covers
  // them. Sequentially consistent so that the flag load below cannot be ordered
  // before it (the store-then-load half of the no-lost-wake-up argument).
  // A fixed ring's position is its pushed count (LAYOUT.md): one store per publish, where a
  // separate counter store made the consumer, spinning on this line, take it twice.
  [[gnu::always_inline]] void publish(std::uint32_t records) noexcept {
    pushed_ += records;
    publish_counted(ring_, kProducerPublishes, write_, pushed_, pushed_high_, counted_by_position_,
                    light_);
    if (beat_due(write_, records, publishes_, counted_by_position_)) [[unlikely]]
      ring_.beat(kProducerSide);
  }

  // Records that did not fit: counted on the producer's own line under drop.
  void refuse(std::uint64_t records) noexcept {
    if (ring_.config().block_when_full || records == 0) return;
    dropped_ += records;
    ring_.store_counter(layout::producer::kDropped, dropped_);
  }

  static constexpr WaitOutcome kReady = WaitOutcome::kReady;

  Ring ring_;
  std::uint32_t write_;
  std::uint32_t read_cache_;
  RingStatus status_ = RingStatus::kOk;  // before the counts: their initialisers set it
  std::uint64_t pushed_;
  std::uint64_t dropped_;
  bool light_;
  bool counted_by_position_;
  std::uint32_t pushed_high_ = static_cast<std::uint32_t>(pushed_ >> 32);
  std::uint32_t publishes_ = 0;
};

// What both consumers share: the local read position, the cached write position,
// publishing the read position, waiting for records.
class ConsumerBase {
 public:
  explicit ConsumerBase(const Ring& ring)
      : ring_(ring),
        read_(ring.word(layout::consumer::kReadPosition).load(std::memory_order_relaxed)),
        write_cache_(ring.word(layout::producer::kWritePosition).load(std::memory_order_acquire)),
        popped_(take_over_side_counter(ring, layout::consumer::kPopped,
                                       layout::consumer::kReadPosition, status_)),
        light_(light_publish_enabled()),
        counted_by_position_(ring.config().kind == layout::kind::kFixed) {
    ring_.announce(kConsumerSide);
    ring_.word(layout::consumer::kPublishMode)
        .store(light_ ? layout::publish_mode::kLight : layout::publish_mode::kFenced,
               std::memory_order_seq_cst);
  }

  std::uint64_t popped() const noexcept { return popped_; }
  // kCorrupted when the count it took over at attach was (see take_over); the positions still work.
  RingStatus status() const noexcept { return status_; }
  const Ring& ring() const noexcept { return ring_; }

  // Blocks until records arrive, the ring is closed and drained, the deadline, or stop.
  WaitOutcome wait(double timeout_ms, const std::atomic<bool>* stop = nullptr, double tick_ms = 100,
                   int spin = 1000) {
    return ring_.wait_until(
        [&]() { return ready_or_closed(); }, layout::notification::kConsumerWaiting,
        layout::notification::kDataSignal, timeout_ms, stop, tick_ms, spin, &kConsumerSide);
  }

  bool ended() noexcept {
    const WaitOutcome* outcome = ready_or_closed();
    return outcome != nullptr && *outcome == WaitOutcome::kClosed;
  }

 protected:
  const WaitOutcome* ready_or_closed() noexcept {
    if (available() > 0) return &kReady;
    // Closed is stored after the last publish: seeing it, then re-reading the position, misses
    // nothing.
    if (ring_.word(layout::producer::kClosed).load(std::memory_order_seq_cst) == 0) return nullptr;
    return available() > 0 ? &kReady : &kClosed;
  }

  // Published and unread; the producer's position is re-read (acquire: it covers
  // the records' bytes) only when the ring looks empty.
  std::uint32_t available() noexcept {
    std::uint32_t available = write_cache_ - read_;
    if (available == 0) {
      write_cache_ = ring_.word(layout::producer::kWritePosition).load(std::memory_order_acquire);
      available = write_cache_ - read_;
    }
    return available;
  }

  // Raises the fill mark to what a drain found waiting: a load and a compare on this side's own
  // line, a store only for a new peak (src/ring-end.ts's noteFill).
  void note_fill(std::uint32_t fill) noexcept {
    auto mark = ring_.word(layout::consumer::kFillMark);
    if (fill > mark.load(std::memory_order_relaxed)) mark.store(fill, std::memory_order_relaxed);
  }

  // Release: the producer may reuse everything before this position.
  [[gnu::always_inline]] void publish_read(std::uint32_t records) noexcept {
    popped_ += records;
    publish_counted(ring_, kConsumerPublishes, read_, popped_, popped_high_, counted_by_position_,
                    light_);
    if (beat_due(read_, records, publishes_, counted_by_position_)) [[unlikely]]
      ring_.beat(kConsumerSide);
  }

  static constexpr WaitOutcome kReady = WaitOutcome::kReady;
  static constexpr WaitOutcome kClosed = WaitOutcome::kClosed;

  Ring ring_;
  std::uint32_t read_;
  std::uint32_t write_cache_;
  RingStatus status_ = RingStatus::kOk;  // before the count: its initialiser sets it
  std::uint64_t popped_;
  bool light_;
  bool counted_by_position_;
  std::uint32_t popped_high_ = static_cast<std::uint32_t>(popped_ >> 32);
  std::uint32_t publishes_ = 0;
};

}  // namespace detail

}  // namespace ringkit
