// Real work for a set time: xorshift rounds until the clock passes the end, so
// "busy for 50 µs" keeps a core busy (a sleep would not) and survives the
// optimiser (the caller keeps the returned state). Used by the cpu backend's
// busy_for_us and by benchmarks that stand in for encoding on the caller's side.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ringkit::cmdring {

inline std::uint64_t busy_work_for(std::chrono::nanoseconds duration,
                                   const std::atomic<bool>& stop) {
  const auto end = std::chrono::steady_clock::now() + duration;
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  do {
    for (int round = 0; round < 32; ++round) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
    }
  } while (std::chrono::steady_clock::now() < end && !stop.load(std::memory_order_relaxed));
  return state;
}

}  // namespace ringkit::cmdring
