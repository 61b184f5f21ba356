// The C++ twin of @ringkit/spsc-ring's TypeScript ring: header-only, C++20, no
// allocation, std::atomic_ref over the shared bytes laid out by layout.hpp. The
// same API shape as TS (try_push, push_batch, try_claim → commit/abort, try_pop,
// drain, peek, wait) and the same memory-ordering contract (LAYOUT.md), so either
// end may be TS or C++ — in one process, or across processes with wait domain os.
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ringkit/barrier.hpp"
#include "ringkit/futex.hpp"
#include "ringkit/record_copy.hpp"
#include "ringkit/spsc_ring/layout.hpp"

namespace ringkit {

enum class RingStatus {
  kOk = 0,
  kBufferTooSmall,
  kBadMagic,
  kBadVersion,
  kBadKind,
  kBadCapacity,
  kBadGeometry,
  kWaitDomainMismatch,
  kWrongKind,
  kInvalidOptions,
  kCorrupted,
};

constexpr const char* to_string(RingStatus status) {
  switch (status) {
    case RingStatus::kOk:
      return "ok";
    case RingStatus::kBufferTooSmall:
      return "buffer smaller than the ring its header describes";
    case RingStatus::kBadMagic:
      return "not a ring (bad magic)";
    case RingStatus::kBadVersion:
      return "ring layout version differs from this build's";
    case RingStatus::kBadKind:
      return "ring kind is neither fixed nor bytes";
    case RingStatus::kBadCapacity:
      return "ring capacity is not a valid power of two";
    case RingStatus::kBadGeometry:
      return "ring header is inconsistent (corrupted)";
    case RingStatus::kWaitDomainMismatch:
      return "ring was created with another wait domain";
    case RingStatus::kWrongKind:
      return "ring holds the other record model";
    case RingStatus::kInvalidOptions:
      return "invalid ring options";
    case RingStatus::kCorrupted:
      return "a counter's high words differ in a way no writer leaves them (corrupted)";
  }
  return "unknown";
}

enum class WaitOutcome { kReady, kClosed, kTimeout, kStopped, kPeerGone };

// One side's liveness words and its peer's (LAYOUT.md, "Liveness and crash safety").
struct Side {
  std::size_t pid, heartbeat, thread, peer_pid, peer_thread, peer_publish_mode;
};
inline constexpr Side kProducerSide{layout::producer::kPid,    layout::producer::kHeartbeat,
                                    layout::producer::kThread, layout::consumer::kPid,
                                    layout::consumer::kThread, layout::consumer::kPublishMode};
inline constexpr Side kConsumerSide{layout::consumer::kPid,    layout::consumer::kHeartbeat,
                                    layout::consumer::kThread, layout::producer::kPid,
                                    layout::producer::kThread, layout::producer::kPublishMode};

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

// The least time between two looks for a dead peer from a waiting end: each look is a system
// call, and an end that sleeps for most records (a pipeline hop on a small machine) paid one
// per sleep (the TypeScript ends' PEER_CHECK_MS).
inline constexpr std::uint32_t kPeerCheckMs = 10;

// CLOCK_MONOTONIC in milliseconds mod 2^32: one clock for every process of the machine.
inline std::uint32_t monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.tv_sec) * 1000 +
                                    now.tv_nsec / 1'000'000);
}

struct RingConfig {
  std::uint32_t kind = layout::kind::kFixed;
  std::uint32_t capacity = 0;     // slots (fixed) or bytes (byte records)
  std::uint32_t record_size = 0;  // fixed only
  std::uint32_t max_record = 0;   // byte records: 0 = the largest allowed
  std::uint32_t wait_domain = layout::wait_domain::kOs;
  bool block_when_full = false;
};

struct RingStats {
  std::uint32_t capacity, used;
  std::uint64_t pushed, popped, dropped;
  bool closed;
};

// A 64-bit counter as one bounded read found it (LAYOUT.md, "A counter read ends"): its value,
// repaired when a writer stopped between its two high-word stores, or kCorrupted when the high
// words differ in a way no writer leaves them (the value is then high-after's reading).
struct CounterRead {
  std::uint64_t value = 0;
  std::uint32_t high_before = 0, high_after = 0;  // as last read
  RingStatus status = RingStatus::kOk;
  bool torn() const noexcept { return high_before != high_after; }
};

constexpr bool is_power_of_two(std::uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0 && value <= (std::uint64_t{1} << 31);
}

// A validated view of a ring's bytes. Copyable; owns nothing.
class Ring {
 public:
  Ring() = default;

  // Bytes a ring with this configuration occupies, or 0 if the configuration is invalid.
  static std::size_t byte_length(const RingConfig& config) {
    RingConfig checked = config;
    return check(checked) == RingStatus::kOk ? layout::kHeaderBytes + data_bytes_of(checked) : 0;
  }

  // Writes a fresh header into zeroed memory; the magic goes last, with release,
  // so an attacher sees either no ring or a whole descriptor.
  [[nodiscard]] static RingStatus initialise(void* base, std::size_t size, RingConfig config) {
    if (const RingStatus status = check(config); status != RingStatus::kOk) return status;
    if (size < layout::kHeaderBytes + data_bytes_of(config)) return RingStatus::kBufferTooSmall;
    auto* bytes = static_cast<std::byte*>(base);
    auto set = [bytes](std::size_t offset, std::uint32_t value) {
      std::memcpy(bytes + offset, &value, 4);
    };
    namespace d = layout::descriptor;
    set(d::kLayoutVersion, layout::kLayoutVersion);
    set(d::kKind, config.kind);
    set(d::kCapacity, config.capacity);
    set(d::kRecordSize, config.record_size);
    set(d::kMaxRecord, config.max_record);
    set(d::kWaitDomain, config.wait_domain);
    set(d::kFlags, config.block_when_full ? layout::flags::kBlockWhenFull : 0);
    set(d::kDataOffset, static_cast<std::uint32_t>(layout::kDataOffset));
    set(d::kDataBytes, data_bytes_of(config));
    std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(bytes + d::kMagic))
        .store(layout::kMagic, std::memory_order_release);
    return RingStatus::kOk;
  }

  // Validates everything TS's describeRing validates, in the same order.
  [[nodiscard]] static RingStatus attach(void* base, std::size_t size, Ring& out,
                                         std::uint32_t expected_kind = 0,
                                         std::uint32_t expected_wait_domain = 0) {
    if (base == nullptr || size < layout::kHeaderBytes) return RingStatus::kBufferTooSmall;
    Ring ring;
    ring.base_ = static_cast<std::byte*>(base);
    namespace d = layout::descriptor;
    if (ring.word(d::kMagic).load(std::memory_order_acquire) != layout::kMagic)
      return RingStatus::kBadMagic;
    if (ring.get(d::kLayoutVersion) != layout::kLayoutVersion) return RingStatus::kBadVersion;
    RingConfig config{
        ring.get(d::kKind),       ring.get(d::kCapacity),
        ring.get(d::kRecordSize), ring.get(d::kMaxRecord),
        ring.get(d::kWaitDomain), (ring.get(d::kFlags) & layout::flags::kBlockWhenFull) != 0};
    if (config.kind != layout::kind::kFixed && config.kind != layout::kind::kBytes)
      return RingStatus::kBadKind;
    const std::uint32_t minimum = config.kind == layout::kind::kFixed
                                      ? layout::limits::kMinFixedCapacity
                                      : layout::limits::kMinByteCapacity;
    if (!is_power_of_two(config.capacity) || config.capacity < minimum)
      return RingStatus::kBadCapacity;
    if (config.kind == layout::kind::kBytes && config.record_size != layout::record::kAlignment)
      return RingStatus::kBadGeometry;
    RingConfig rechecked = config;
    if (config.kind == layout::kind::kBytes && config.max_record == 0)
      return RingStatus::kBadGeometry;
    if (check(rechecked) != RingStatus::kOk || rechecked.max_record != config.max_record)
      return RingStatus::kBadGeometry;
    if ((ring.get(d::kFlags) & ~layout::flags::kBlockWhenFull) != 0)
      return RingStatus::kBadGeometry;
    if (ring.get(d::kDataOffset) != layout::kDataOffset) return RingStatus::kBadGeometry;
    if (ring.get(d::kDataBytes) != data_bytes_of(config)) return RingStatus::kBadGeometry;
    if (size < layout::kHeaderBytes + data_bytes_of(config)) return RingStatus::kBufferTooSmall;
    const std::uint32_t write = ring.get(layout::producer::kWritePosition);
    const std::uint32_t read = ring.get(layout::consumer::kReadPosition);
    if (write - read > config.capacity) return RingStatus::kBadGeometry;
    if (config.kind == layout::kind::kBytes &&
        (write % layout::record::kAlignment != 0 || read % layout::record::kAlignment != 0))
      return RingStatus::kBadGeometry;
    if (expected_kind != 0 && expected_kind != config.kind) return RingStatus::kWrongKind;
    if (expected_wait_domain != 0 && expected_wait_domain != config.wait_domain)
      return RingStatus::kWaitDomainMismatch;
    ring.config_ = config;
    out = ring;
    return RingStatus::kOk;
  }

  std::atomic_ref<std::uint32_t> word(std::size_t offset) const noexcept {
    return word_at(base_, offset);
  }
  static std::atomic_ref<std::uint32_t> word_at(std::byte* base, std::size_t offset) noexcept {
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(base + offset));
  }
  std::uint32_t* word_pointer(std::size_t offset) const noexcept {
    return reinterpret_cast<std::uint32_t*>(base_ + offset);
  }
  std::byte* data() const noexcept { return base_ + layout::kDataOffset; }
  const RingConfig& config() const noexcept { return config_; }
  std::uint32_t capacity() const noexcept { return config_.capacity; }
  std::uint32_t mask() const noexcept { return config_.capacity - 1; }

  // 64-bit counters (LAYOUT.md): one relaxed store per update; high-before, low,
  // high-after when the high word changes, so a reader never pairs a low word
  // with the wrong high word.
  void store_counter(std::size_t offset, std::uint64_t value) const noexcept {
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
  void store_whole_counter(std::size_t offset, std::size_t low,
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
  CounterRead load_position_counter(std::size_t offset, std::size_t position) const noexcept {
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
  CounterRead load_side_counter(std::size_t offset, std::size_t position) const noexcept {
    return config_.kind == layout::kind::kFixed ? load_position_counter(offset, position)
                                                : load_counter(offset);
  }
  CounterRead load_counter(std::size_t offset) const noexcept {
    return read_counter(offset, offset + layout::counter::kLow);
  }

  // Never writes (only a side's own end repairs its counters); kCorrupted if a counter is.
  [[nodiscard]] RingStatus stats(RingStats& out) const noexcept {
    const std::uint32_t write =
        word(layout::producer::kWritePosition).load(std::memory_order_acquire);
    const std::uint32_t read =
        word(layout::consumer::kReadPosition).load(std::memory_order_acquire);
    const CounterRead pushed =
        load_side_counter(layout::producer::kPushed, layout::producer::kWritePosition);
    const CounterRead popped =
        load_side_counter(layout::consumer::kPopped, layout::consumer::kReadPosition);
    const CounterRead dropped = load_counter(layout::producer::kDropped);
    for (const CounterRead* counter : {&pushed, &popped, &dropped})
      if (counter->status != RingStatus::kOk) return counter->status;
    const bool closed = word(layout::producer::kClosed).load(std::memory_order_acquire) != 0;
    out = {capacity(), write - read, pushed.value, popped.value, dropped.value, closed};
    return RingStatus::kOk;
  }

  // Taking over a side (first attach, or replacing a dead one): our pid and a fresh heartbeat.
  // Thread 0: a C++ end may be built on one thread and run on another, so only its process
  // stands for it (a TypeScript end lives and dies with its thread and records it).
  void announce(const Side& side) const noexcept {
    word(side.thread).store(0, std::memory_order_seq_cst);
    word(side.pid).store(static_cast<std::uint32_t>(getpid()), std::memory_order_seq_cst);
    beat(side);
  }
  void beat(const Side& side) const noexcept { beat_at(base_, side); }

  // The rare paths of a publish (a beat once in 1024, a wake-up) are out of line and are handed
  // the shared memory's base, never a pointer into the end that publishes: an end whose address
  // reached an opaque call is one the compiler keeps on the stack, and a one-record push then
  // pays a store per field, queued behind the stores that wait for the other core's lines.
  [[gnu::noinline, gnu::cold]] static void beat_at(std::byte* base, const Side& side) noexcept {
    word_at(base, side.heartbeat).store(monotonic_ms(), std::memory_order_relaxed);
  }
  // Gone for sure: the peer attached from another process that no longer exists, or from a
  // thread (a JS worker records its own) that no longer exists.
  bool peer_gone(const Side& side) const noexcept {
    const auto pid = static_cast<pid_t>(word(side.peer_pid).load(std::memory_order_seq_cst));
    if (pid == 0) return false;
    const auto thread = static_cast<pid_t>(word(side.peer_thread).load(std::memory_order_seq_cst));
    thread_local const auto own_thread = static_cast<pid_t>(syscall(SYS_gettid));
    if (thread != 0 && thread != own_thread)
      return syscall(SYS_tgkill, pid, thread, 0) != 0 && errno == ESRCH;
    if (pid == getpid()) return false;
    return kill(pid, 0) != 0 && errno == ESRCH;
  }

  // The waker's half of the sleep protocol: one load after a publish; if the
  // other side sleeps, take its flag (exchange) and wake it, so one sleep costs
  // one wake-up however many publishes follow. Sequentially consistent, pairing
  // with the sleeper's flag store + re-check (see wait_until below).
  void wake_if_waiting(std::size_t flag_offset, std::size_t signal_offset) const noexcept {
    wake_if_flag(flag_offset, signal_offset, word(flag_offset).load(std::memory_order_seq_cst));
  }

  // Publishes `value` as the side's position and wakes its peer if the peer's flag is up.
  // Light path (see barrier.hpp): a release store and a compiler-only barrier,
  // the sleeper's membarrier standing in for the fence. Otherwise sequentially
  // consistent (XCHG on x86).
  void publish_and_wake(const PublishWords& words, std::uint32_t value, bool light) const noexcept {
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

  void wake_if_flag(std::size_t flag_offset, std::size_t signal_offset,
                    std::uint32_t seen) const noexcept {
    if (seen != 0) [[unlikely]]
      take_flag_and_wake(base_, flag_offset, signal_offset);
  }

  // The rare half of a publish (see beat_at).
  [[gnu::noinline, gnu::cold]] static void take_flag_and_wake(std::byte* base,
                                                              std::size_t flag_offset,
                                                              std::size_t signal_offset) noexcept {
    if (word_at(base, flag_offset).exchange(0, std::memory_order_seq_cst) != 0) {
      word_at(base, signal_offset).fetch_add(1, std::memory_order_seq_cst);
      futex_wake(reinterpret_cast<std::uint32_t*>(base + signal_offset), INT_MAX);
    }
  }

  static constexpr int kSpinMicros = 20;
  static constexpr int kPollsPerClockRead = 16;

  // Bounded spin → flag → re-check → futex sleep, one tick at a time, until
  // `check` returns an outcome, the deadline passes, or `stop` is set.
  template <typename Check>
  WaitOutcome wait_until(Check&& check, std::size_t flag_offset, std::size_t signal_offset,
                         double timeout_ms, const std::atomic<bool>* stop = nullptr,
                         double tick_ms = 100, int spin = 1000, const Side* side = nullptr) const {
    using Clock = std::chrono::steady_clock;
    // The spin ends after `spin` polls or kSpinMicros, whichever comes first (as the TypeScript
    // ends' spinMicros): a poll that misses the cache costs ~100 ns here, so polls alone were
    // no bound. The clock is read every kPollsPerClockRead polls.
    const auto spin_end = Clock::now() + std::chrono::microseconds(kSpinMicros);
    for (int i = 0; i < spin; i++) {
      if (auto outcome = check(); outcome) return *outcome;
      if (i % kPollsPerClockRead == kPollsPerClockRead - 1 && Clock::now() >= spin_end) break;
    }
    const auto deadline =
        timeout_ms < 0 ? Clock::time_point::max()
                       : Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double, std::milli>(timeout_ms));
    for (;;) {
      if (auto outcome = check(); outcome) return *outcome;
      if (stop != nullptr && stop->load(std::memory_order_relaxed)) return WaitOutcome::kStopped;
      if (side != nullptr) {  // once per tick: show we are alive, and notice a dead peer
        const std::uint32_t now_ms = monotonic_ms();
        word(side->heartbeat).store(now_ms, std::memory_order_relaxed);
        if (!peer_checked_ || now_ms - last_peer_check_ms_ >= kPeerCheckMs) {
          peer_checked_ = true;
          last_peer_check_ms_ = now_ms;
          if (peer_gone(*side)) return WaitOutcome::kPeerGone;
        }
      }
      const auto now = Clock::now();
      if (now >= deadline) return WaitOutcome::kTimeout;
      const double remaining_ms =
          deadline == Clock::time_point::max()
              ? tick_ms
              : std::chrono::duration<double, std::milli>(deadline - now).count();
      const std::uint32_t seen = word(signal_offset).load(std::memory_order_seq_cst);
      word(flag_offset).store(1, std::memory_order_seq_cst);
      // A peer that publishes light needs the barrier: it makes its stores visible to us, or our
      // flag to it. One that publishes fenced does not, and the barrier is a system call that
      // interrupts every CPU. The mode is read after the flag is up, as the TypeScript ends do: a
      // peer that starts publishing light later stored its mode after this read, and its flag
      // loads will see our flag. An end that does not say which side it is keeps the barrier.
      const bool peer_light =
          side == nullptr || word(side->peer_publish_mode).load(std::memory_order_seq_cst) ==
                                 layout::publish_mode::kLight;
      const bool barrier_issued = peer_light ? sleeper_barrier() : true;
      if (auto outcome = check(); outcome) {
        word(flag_offset).store(0, std::memory_order_seq_cst);
        return *outcome;
      }
      futex_sleep(word_pointer(signal_offset), seen,
                  std::min(barrier_issued ? tick_ms : 1.0, remaining_ms));
      word(flag_offset).store(0, std::memory_order_seq_cst);
    }
  }

 private:
  std::uint32_t get(std::size_t offset) const noexcept {
    return word(offset).load(std::memory_order_relaxed);
  }

  // Reads of a counter whose high words differ before the reader decides what they mean. A live
  // writer is between its two high-word stores for a store or a futex wake, unless preempted; one
  // killed there, or a stray write, leaves them apart for good, and a reader that retried until
  // they agreed hung (issue 18). The decision is right for the preempted writer too.
  static constexpr int kCounterReadAttempts = 256;

  // High-after, the low word, high-before, retried (a bounded number of times) while the high words
  // differ. Mid-wrap (high-before = high-after + 1) the writer had stored high-before and perhaps
  // the low word; it moves the low word by at most 2³¹ per store (a batch, at most the capacity),
  // so a low word below 2³¹ has wrapped (high-before's reading) and one from 2³¹ up has not
  // (high-after's). Any other difference is no state a writer leaves: kCorrupted.
  CounterRead read_counter(std::size_t offset, std::size_t low_offset) const noexcept {
    std::uint32_t high_after = 0, low = 0, high_before = 0;
    for (int attempt = 0; attempt < kCounterReadAttempts; attempt++) {
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

  static std::uint32_t data_bytes_of(const RingConfig& config) {
    return config.kind == layout::kind::kFixed ? config.capacity * config.record_size
                                               : config.capacity;
  }

  // Fills defaults and validates, as TS's createRing does.
  static RingStatus check(RingConfig& config) {
    if (config.wait_domain != layout::wait_domain::kProcess &&
        config.wait_domain != layout::wait_domain::kOs)
      return RingStatus::kInvalidOptions;
    if (config.kind == layout::kind::kFixed) {
      if (!is_power_of_two(config.capacity) || config.capacity < layout::limits::kMinFixedCapacity)
        return RingStatus::kBadCapacity;
      if (config.record_size < 1 || config.record_size > layout::limits::kMaxRecordSize)
        return RingStatus::kInvalidOptions;
      if (std::uint64_t{config.capacity} * config.record_size > layout::limits::kMaxDataBytes)
        return RingStatus::kInvalidOptions;
      if (config.max_record == 0) config.max_record = config.record_size;
      return config.max_record == config.record_size ? RingStatus::kOk
                                                     : RingStatus::kInvalidOptions;
    }
    if (config.kind != layout::kind::kBytes) return RingStatus::kBadKind;
    if (!is_power_of_two(config.capacity) || config.capacity < layout::limits::kMinByteCapacity)
      return RingStatus::kBadCapacity;
    config.record_size = layout::record::kAlignment;
    const std::uint32_t largest =
        config.capacity / layout::record::kMaxFraction - layout::record::kHeaderBytes;
    if (config.max_record == 0) config.max_record = largest;
    return config.max_record <= largest ? RingStatus::kOk : RingStatus::kInvalidOptions;
  }

  std::byte* base_ = nullptr;
  RingConfig config_{};
  // wait_until's last look for a dead peer (monotonic_ms), once it has looked.
  mutable std::uint32_t last_peer_check_ms_ = 0;
  mutable bool peer_checked_ = false;
};

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

// The writing end of a fixed-slot ring. One per ring, on one thread.
class FixedProducer : public detail::ProducerBase {
 public:
  struct Claim {
    std::byte* data = nullptr;  // the first claimed slot
    std::uint32_t count = 0;    // 0: nothing claimed
  };

  explicit FixedProducer(const Ring& ring)
      : ProducerBase(ring), record_size_(ring.config().record_size) {}

  // Copies one record (size ≤ record size) and publishes it; false when full
  // (counted as dropped under the drop policy).
  [[nodiscard]] bool try_push(const void* record, std::size_t size) noexcept {
    if (free_space(1) < 1) {
      refuse(1);
      return false;
    }
    copy_record(slot(write_), record, std::min<std::size_t>(size, record_size_));
    write_ += 1;
    publish(1);
    return true;
  }

  // Copies `count` records laid end to end and publishes them once; returns how many fit.
  std::uint32_t push_batch(const void* records, std::uint32_t count) noexcept {
    const std::uint32_t fitting = std::min(count, free_space(count));
    if (fitting > 0) {
      const std::uint32_t index = write_ & ring_.mask();
      const std::uint32_t first = std::min(fitting, ring_.capacity() - index);
      const auto* source = static_cast<const std::byte*>(records);
      std::memcpy(slot(write_), source, std::size_t{first} * record_size_);
      if (fitting > first)
        std::memcpy(ring_.data(), source + std::size_t{first} * record_size_,
                    std::size_t{fitting - first} * record_size_);
      write_ += fitting;
      publish(fitting);
    }
    refuse(count - fitting);
    return fitting;
  }

  // Up to `count` contiguous slots to write in place; count 0 when none is free
  // (those records are then counted as dropped under the drop policy).
  [[nodiscard]] Claim try_claim(std::uint32_t count) noexcept {
    const std::uint32_t free = free_space(count);
    if (free < 1) {
      refuse(count);
      return {};
    }
    const std::uint32_t index = write_ & ring_.mask();
    return {slot(write_), std::min({count, free, ring_.capacity() - index})};
  }

  // Publishes the first `count` slots of the last claim.
  void commit(std::uint32_t count) noexcept {
    if (count == 0) return;
    write_ += count;
    publish(count);
  }

  std::uint32_t record_size() const noexcept { return record_size_; }

 private:
  std::byte* slot(std::uint32_t position) const noexcept {
    return ring_.data() + std::size_t{position & ring_.mask()} * record_size_;
  }

  std::uint32_t record_size_;
};

// The reading end of a fixed-slot ring. One per ring, on one thread.
class FixedConsumer : public detail::ConsumerBase {
 public:
  explicit FixedConsumer(const Ring& ring)
      : ConsumerBase(ring), record_size_(ring.config().record_size) {}

  // Copies the next record into `out` (record size bytes) and consumes it.
  [[nodiscard]] bool try_pop(void* out) noexcept {
    if (available() == 0) return false;
    copy_record(out, slot(read_), record_size_);
    read_ += 1;
    publish_read(1);
    return true;
  }

  // Calls handler(const std::byte* first_record, std::uint32_t count) for at most
  // two contiguous runs, then publishes the read position once.
  template <typename Handler>
  std::uint32_t drain(Handler&& handler, std::uint32_t limit = UINT32_MAX) {
    const std::uint32_t count = std::min(available(), limit);
    if (count == 0) return 0;
    const std::uint32_t index = read_ & ring_.mask();
    const std::uint32_t first = std::min(count, ring_.capacity() - index);
    handler(static_cast<const std::byte*>(slot(read_)), first);
    if (count > first) handler(static_cast<const std::byte*>(ring_.data()), count - first);
    read_ += count;
    publish_read(count);
    return count;
  }

  // The next record without consuming it, or nullptr.
  const std::byte* peek() noexcept { return available() == 0 ? nullptr : slot(read_); }

 private:
  std::byte* slot(std::uint32_t position) const noexcept {
    return ring_.data() + std::size_t{position & ring_.mask()} * record_size_;
  }

  std::uint32_t record_size_;
};

// The writing end of a byte-record ring: [u32 length][u32 type][payload], 8-byte aligned.
class ByteProducer : public detail::ProducerBase {
 public:
  struct Claim {
    std::byte* payload = nullptr;  // nullptr: nothing claimed
    std::uint32_t length = 0;
  };

  explicit ByteProducer(const Ring& ring) : ProducerBase(ring) {}

  std::uint32_t max_record() const noexcept { return ring_.config().max_record; }

  // Copies one record and publishes it; false when it does not fit now (counted
  // as dropped under drop) or is longer than max record (not counted: a caller bug).
  [[nodiscard]] bool try_push(const void* payload, std::uint32_t length,
                              std::uint32_t type) noexcept {
    if (length > max_record() || type == layout::record::kPaddingType) return false;
    const std::uint32_t start = write_;
    std::byte* record = reserve(length);
    if (record == nullptr) {
      write_ = start;
      refuse(1);
      return false;
    }
    std::memcpy(record + layout::record::kHeaderBytes, payload, length);
    finish(record, length, type);
    publish(1);
    return true;
  }

  // Room for one record of `length` payload bytes to write in place.
  [[nodiscard]] Claim try_claim(std::uint32_t length) noexcept {
    if (length > max_record()) return {};
    claim_start_ = write_;
    claim_record_ = reserve(length);
    if (claim_record_ == nullptr) {
      write_ = claim_start_;
      refuse(1);
      return {};
    }
    return {claim_record_ + layout::record::kHeaderBytes, length};
  }

  // Frames the claimed record with its final length (≤ claimed) and type. With
  // publish = false several claims are published together by flush().
  void commit(std::uint32_t type, std::uint32_t length, bool publish_now = true) noexcept {
    finish(claim_record_, length, type);
    unpublished_ += 1;
    if (publish_now) flush();
  }

  void abort() noexcept { write_ = claim_start_; }

  // Publishes every committed, unpublished record at once.
  void flush() noexcept {
    if (unpublished_ == 0) return;
    publish(unpublished_);
    unpublished_ = 0;
  }

 private:
  // Finds room, writing a padding record first if the record would cross the
  // end of the data area; advances only the local write position.
  std::byte* reserve(std::uint32_t length) noexcept {
    const auto total =
        static_cast<std::uint32_t>(layout::align_record(layout::record::kHeaderBytes + length));
    const std::uint32_t index = write_ & ring_.mask();
    const std::uint32_t tail = ring_.capacity() - index;
    const std::uint32_t needed = total <= tail ? total : tail + total;
    if (free_space(needed) < needed) return nullptr;
    if (total <= tail) return ring_.data() + index;
    write_header(ring_.data() + index, tail - layout::record::kHeaderBytes,
                 layout::record::kPaddingType);
    write_ += tail;
    return ring_.data();
  }

  void finish(std::byte* record, std::uint32_t length, std::uint32_t type) noexcept {
    write_header(record, length, type);
    write_ +=
        static_cast<std::uint32_t>(layout::align_record(layout::record::kHeaderBytes + length));
  }

  static void write_header(std::byte* record, std::uint32_t length, std::uint32_t type) noexcept {
    std::memcpy(record + layout::record::kLength, &length, 4);
    std::memcpy(record + layout::record::kType, &type, 4);
  }

  std::uint32_t claim_start_ = 0;
  std::byte* claim_record_ = nullptr;
  std::uint32_t unpublished_ = 0;
};

// The reading end of a byte-record ring. One per ring, on one thread.
class ByteConsumer : public detail::ConsumerBase {
 public:
  explicit ByteConsumer(const Ring& ring) : ConsumerBase(ring) {}

  // Calls handler(const std::byte* payload, std::uint32_t length, std::uint32_t type)
  // per record, then publishes the read position once. Returns the records
  // consumed, or -1 if a frame is corrupt (nothing past it is read).
  template <typename Handler>
  std::int64_t drain(Handler&& handler, std::uint32_t limit = UINT32_MAX) {
    std::uint32_t records = 0;
    const std::uint32_t start = read_;
    std::int64_t result = 0;
    while (records < limit) {
      const std::uint32_t available_bytes = available();
      if (available_bytes == 0) break;
      const std::uint32_t index = read_ & ring_.mask();
      const std::byte* record = ring_.data() + index;
      std::uint32_t length, type;
      std::memcpy(&length, record + layout::record::kLength, 4);
      std::memcpy(&type, record + layout::record::kType, 4);
      if (type == layout::record::kPaddingType) {
        if (index + layout::record::kHeaderBytes + std::uint64_t{length} != ring_.capacity()) {
          result = -1;
          break;
        }
        read_ += layout::record::kHeaderBytes + length;
        continue;
      }
      const auto total = layout::align_record(layout::record::kHeaderBytes + std::size_t{length});
      if (length > ring_.config().max_record || total > available_bytes ||
          index + total > ring_.capacity()) {
        result = -1;
        break;
      }
      handler(record + layout::record::kHeaderBytes, length, type);
      read_ += static_cast<std::uint32_t>(total);
      records++;
    }
    if (read_ != start) publish_read(records);
    return result < 0 ? -1 : records;
  }
};

}  // namespace ringkit
