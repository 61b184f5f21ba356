// A native producer of one pool lane: the C++ counterpart of src/producer.ts,
// over the same control block, queues and blocks. It does exactly what the JS
// producer does — take an id from free[q], fill the buffer with records, submit
// it to ready[q], keep the role line's sequence, held count, marks and counters
// — so the pool's stats and conservation check see no difference. No Node-API
// here: addon.cc starts it on a thread and reports back.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ringkit/buffer_pool/layout.hpp"
#include "ringkit/spsc_ring.hpp"
#include "role_support.hpp"

namespace ringkit::buffer_pool {

struct ProducerConfig {
  std::uint32_t lane = 0;
  std::uint32_t lanes = 1;
  std::uint32_t buffer_size = 0;
  std::uint32_t buffers_per_block = 0;
  std::uint32_t max_blocks = 0;
  bool block_when_empty = false;  // fullPolicy 'block' (else 'drop')
  double block_timeout_ms = 5000;
  double tick_ms = 100;
  int spin = 0;  // polls before a wait sleeps (the pool's spin option)
  std::uint64_t records = 0;
  std::uint32_t min_payload = 8;  // a test record carries [u32 sequence][u32 lane] at least
  std::uint32_t max_payload = 8;
  double rate_per_second = 0;  // 0: flat out
  std::uint32_t type = 0;
  std::uint32_t seed = 1;
};

// The shared memory the producer works in; JS keeps all of it alive while it runs.
struct ProducerMemory {
  std::byte* control = nullptr;
  Ring free;   // drain → producer (we consume)
  Ring ready;  // producer → drain (we produce)
  // Every queue of the pool, by wake-table code - 1: a role may sleep on any of them.
  std::vector<Ring> queues;
};

struct ProducerResult {
  std::uint64_t written = 0;
  std::uint64_t dropped = 0;
  double seconds = 0;
  std::string error_code;  // empty when the run ended normally (or was stopped)
  std::string error_message;
};

// Runs the whole producer: `config.records` records, then closes ready[q].
ProducerResult run_producer(const ProducerConfig& config, const ProducerMemory& memory,
                            BlockTable& blocks, const WantBlock& want_block,
                            const std::atomic<bool>& stop);

}  // namespace ringkit::buffer_pool
