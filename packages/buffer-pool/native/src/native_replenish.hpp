// A native replenish: the C++ counterpart of src/replenish.ts's routing and
// watermarks, over the same control block and queues. It moves done[q] of every
// lane to recycled[] of the neediest lane and decides when the pool grows. It
// cannot make a SharedArrayBuffer, so each new block is allocated by the JS
// thread that started it: it asks (AllocateBlock), that thread creates and
// announces the block on the pool's channel and hands it back (BlockTable::add),
// and only then are the block's ids carved and queued.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "role_support.hpp"

namespace ringkit::buffer_pool {

struct ReplenishConfig {
  std::uint32_t lanes = 1;
  std::uint32_t buffers_per_block = 0;
  std::uint32_t max_blocks = 0;
  std::uint32_t low_watermark = 0;   // per lane, on free + recycled buffers
  std::uint32_t high_watermark = 0;  // routing aims every lane at it
  double tick_ms = 100;
  int spin = 0;
  // How long the JS thread may take to start on a block request (an event-loop turn).
  double allocation_timeout_ms = 5000;
};

struct ReplenishResult {
  std::uint64_t routed = 0;
  std::uint64_t rebalanced = 0;
  std::uint64_t blocks_allocated = 0;
  std::uint64_t registrations = 0;
  double seconds = 0;
  bool stopped = false;
  RoleError error;
};

// Asks the starting JS thread to allocate and announce block N, then addBlock it here.
using AllocateBlock = std::function<void(std::uint32_t block)>;
// Asks the starting JS thread to answer the 'want's on the pool's channel (BLOCK_WANTED was set).
using AnswerWants = std::function<void()>;

using ReplenishRole = ReportingRole<ReplenishResult>;

// Takes replenish; run it with run_roles. It finishes once the run is complete, every collector
// exited and done[] is empty. While it waits for the JS thread to allocate a block, the roles
// that share its thread wait too (an event-loop turn of that thread).
std::unique_ptr<ReplenishRole> make_replenish(const ReplenishConfig& config,
                                              const PoolMemory& memory, BlockTable& blocks,
                                              AllocateBlock allocate, AnswerWants answer_wants,
                                              const std::atomic<bool>& stop);

}  // namespace ringkit::buffer_pool
