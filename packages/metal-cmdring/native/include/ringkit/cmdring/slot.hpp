// A slot handed out by acquire: which slot's resources to record into, and the
// fence this acquisition's work will signal. Acquisition k (counting from 0) gets
// slot k mod ring_size and fence k + 1, so a slot is free again once
// completed ≥ its last fence.
#pragma once

#include <cstdint>

namespace ringkit::cmdring {

struct Slot {
  std::uint32_t index = 0;
  std::uint64_t fence = 0;
};

// What log_wait_events reports for each acquisition that had to wait.
struct WaitEvent {
  std::uint32_t slot = 0;
  std::uint64_t fence = 0;
  double wait_ms = 0;
};

}  // namespace ringkit::cmdring
