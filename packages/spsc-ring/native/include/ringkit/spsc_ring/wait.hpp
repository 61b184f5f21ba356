// The sleep protocol, the twin of src/wait.ts: a waker looks at the sleeper's flag after each
// publish; a sleeper spins, raises its flag, re-checks and sleeps on the futex one tick at a
// time, noticing a dead peer on the way (LAYOUT.md, "Waiting").
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>

#include "ringkit/barrier.hpp"
#include "ringkit/futex.hpp"
#include "ringkit/spsc_ring/header.hpp"
#include "ringkit/spsc_ring/liveness.hpp"

namespace ringkit {

namespace detail {
// The spin ends after its polls or this long, whichever comes first; the clock is read every
// kPollsPerClockRead polls.
inline constexpr int kSpinMicros = 20;
inline constexpr int kPollsPerClockRead = 16;
}  // namespace detail

// The waker's half of the sleep protocol: one load after a publish; if the
// other side sleeps, take its flag (exchange) and wake it, so one sleep costs
// one wake-up however many publishes follow. Sequentially consistent, pairing
// with the sleeper's flag store + re-check (see wait_until below).
inline void Ring::wake_if_waiting(std::size_t flag_offset,
                                  std::size_t signal_offset) const noexcept {
  wake_if_flag(flag_offset, signal_offset, word(flag_offset).load(std::memory_order_seq_cst));
}

inline void Ring::wake_if_flag(std::size_t flag_offset, std::size_t signal_offset,
                               std::uint32_t seen) const noexcept {
  if (seen != 0) [[unlikely]]
    take_flag_and_wake(base_, flag_offset, signal_offset);
}

// The rare half of a publish (see beat_at).
[[gnu::noinline, gnu::cold]] inline void Ring::take_flag_and_wake(
    std::byte* base, std::size_t flag_offset, std::size_t signal_offset) noexcept {
  if (word_at(base, flag_offset).exchange(0, std::memory_order_seq_cst) != 0) {
    word_at(base, signal_offset).fetch_add(1, std::memory_order_seq_cst);
    futex_wake(reinterpret_cast<std::uint32_t*>(base + signal_offset), INT_MAX);
  }
}

// Bounded spin → flag → re-check → futex sleep, one tick at a time, until
// `check` returns an outcome, the deadline passes, or `stop` is set.
template <typename Check>
WaitOutcome Ring::wait_until(Check&& check, std::size_t flag_offset, std::size_t signal_offset,
                             double timeout_ms, const std::atomic<bool>* stop, double tick_ms,
                             int spin, const Side* side) const {
  using Clock = std::chrono::steady_clock;
  // The spin ends after `spin` polls or kSpinMicros, whichever comes first (as the TypeScript
  // ends' spinMicros): a poll that misses the cache costs ~100 ns here, so polls alone were
  // no bound. The clock is read every detail::kPollsPerClockRead polls.
  const auto spin_end = Clock::now() + std::chrono::microseconds(detail::kSpinMicros);
  for (int i = 0; i < spin; i++) {
    if (auto outcome = check(); outcome) return *outcome;
    if (i % detail::kPollsPerClockRead == detail::kPollsPerClockRead - 1 &&
        Clock::now() >= spin_end)
      break;
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

}  // namespace ringkit
