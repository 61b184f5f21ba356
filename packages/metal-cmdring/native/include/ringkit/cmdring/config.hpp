// The ring's options, named as the seed's YAML names them
// (metal_optimizations.command_buffer_ring.*), and their validation.
#pragma once

#include <cstdint>

namespace ringkit::cmdring {

inline constexpr std::uint32_t kMinRingSize = 1;
// Slot bookkeeping and per-slot device resources are sized for this many; more
// only adds latency (DESIGN.md §5: the measured table stops improving long before).
inline constexpr std::uint32_t kMaxRingSize = 64;
// allocation_strategy priority: 2 to this many levels. Each level is one submission
// ring per backend (and one stream on cuda), so a handful covers the use.
inline constexpr std::uint32_t kMaxPriorityLevels = 8;

struct RingConfig {
  std::uint32_t ring_size = 3;
  // How long an acquire waits for its slot by default; 0 waits without limit (the seed's meaning).
  double timeout_ms = 0;
  // Each acquire that had to wait is reported to the wait log: slot, fence and milliseconds.
  bool log_wait_events = false;
  // Off: the statistics counters stay at zero (the fence counters are state, always kept).
  bool track_statistics = true;
  // Not a seed key. How long a blocking acquire polls for its slot before it
  // sleeps: a slot that frees within this time is taken without a sleep and a
  // wake-up (which would also cost the completing thread, i.e. the device's
  // feeder, a system call). 0 sleeps at once.
  double spin_us = 50;
  // The seed's allocation_strategy and priority_levels: 1 is round-robin (one
  // submission ring, every fence in order); 2 to kMaxPriorityLevels is priority,
  // one submission ring per level, the highest non-empty level run first, so
  // fences retire out of order across levels (ring.hpp says what that changes).
  std::uint32_t priority_levels = 1;
};

inline constexpr double kMaxSpinUs = 1'000'000;

// Throws Failure(INVALID_OPTIONS) naming the bad value.
void validate(const RingConfig& config);

// A timeout argument: finite and not negative. `what` names it in the message.
void validate_timeout_ms(double timeout_ms, const char* what);

}  // namespace ringkit::cmdring
