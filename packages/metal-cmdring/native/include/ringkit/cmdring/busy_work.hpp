// Real work for a set time: xorshift rounds until the clock passes the end, so
// "busy for 50 µs" keeps a core busy (a sleep would not) and survives the
// optimiser (the caller keeps the returned state). Used by the cpu backend's
// busy_for_us and by benchmarks that stand in for encoding on the caller's side.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ringkit::cmdring {

// The loop reads the clock every few dozen nanoseconds; a pause longer than this
// between two reads is time the thread did not run (preempted, or its vCPU stolen).
inline constexpr std::chrono::microseconds kPreemptionGap{10};

// busy_work_for that also adds to `preempted` the pauses it saw (kPreemptionGap or
// longer): wall time it spent not running, so a busy figure can leave it out.
inline std::uint64_t busy_work_for(std::chrono::nanoseconds duration, const std::atomic<bool>& stop,
                                   std::chrono::nanoseconds& preempted) {
  auto before = std::chrono::steady_clock::now();
  const auto end = before + duration;
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  for (;;) {
    for (int round = 0; round < 32; ++round) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - before >= kPreemptionGap) preempted += now - before;
    before = now;
    if (now >= end || stop.load(std::memory_order_relaxed)) return state;
  }
}

inline std::uint64_t busy_work_for(std::chrono::nanoseconds duration,
                                   const std::atomic<bool>& stop) {
  std::chrono::nanoseconds preempted{0};
  return busy_work_for(duration, stop, preempted);
}

}  // namespace ringkit::cmdring
