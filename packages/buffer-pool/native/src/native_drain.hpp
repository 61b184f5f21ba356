// A native drain of one pool lane: the C++ counterpart of src/drain.ts, over the
// same control block and queues. Each step moves recycled[q] → free[q] and
// ready[q] → collect[q] in one move window, one publish per hop; it sleeps on
// ready[q] and finishes (closing collect[q]) when the lane's stream ended or the
// run is complete and ready[q] is empty. No Node-API here: addon.cc runs it on a
// thread of its own or beside other roles (run_roles).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "role_support.hpp"

namespace ringkit::buffer_pool {

struct DrainConfig {
  std::uint32_t lane = 0;
  std::uint32_t lanes = 1;
  double tick_ms = 100;
  int spin = 0;  // polls before a wait sleeps (the pool's spin option)
};

struct DrainResult {
  std::uint64_t handoffs = 0;  // ready → collect
  std::uint64_t refills = 0;   // recycled → free
  double seconds = 0;
  bool stopped = false;  // ended by stop() rather than by the end of the lane's stream
};

using DrainRole = ReportingRole<DrainResult>;

// Takes the lane's drain ends; run it with run_roles. It closes collect[q] and marks the role
// exited when it finishes.
std::unique_ptr<DrainRole> make_drain(const DrainConfig& config, const PoolMemory& memory,
                                      const std::atomic<bool>& stop);

}  // namespace ringkit::buffer_pool
