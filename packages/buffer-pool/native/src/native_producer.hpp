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
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ringkit/buffer_pool_layout.hpp"
#include "ringkit/spsc_ring.hpp"

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

// Which blocks this producer can resolve. Registered from the JS thread (the
// pool's channel delivers them there), read by the producer thread.
class BlockTable {
 public:
  explicit BlockTable(std::uint32_t max_blocks);

  // JS thread. True when the block was new; `after_start` counts it as a registration.
  bool add(std::uint32_t block, std::byte* bytes, bool after_start);
  // Producer thread: the block's bytes, or nullptr if it is not registered yet.
  std::byte* find(std::uint32_t block) const noexcept;
  // Producer thread: sleeps until the block is registered, `timeout_ms` passes, or stop.
  std::byte* wait_for(std::uint32_t block, double timeout_ms, const std::atomic<bool>& stop);
  std::uint32_t registrations() const noexcept;
  std::uint32_t capacity() const noexcept { return capacity_; }

 private:
  std::uint32_t capacity_;
  std::unique_ptr<std::atomic<std::byte*>[]> blocks_;
  std::atomic<std::uint32_t> registrations_{0};
  // Bumped and futex-woken on every add: the word a waiting producer sleeps on.
  alignas(4) std::uint32_t signal_ = 0;
};

// One role line of the control block, as src/control.ts's RoleLine sees it.
class RoleLine {
 public:
  RoleLine(std::byte* control, std::size_t line);

  // The sequence is odd while a buffer moves between queues (see control.ts).
  void begin_move() noexcept;
  void end_move() noexcept;
  void set_held(std::int32_t count) noexcept;
  std::int32_t word(std::size_t index) const noexcept;
  void set_word(std::size_t index, std::int32_t value) noexcept;
  double counter(std::size_t index) const noexcept;
  void add(std::size_t index, double amount) noexcept;
  void mark_exited() noexcept;

 private:
  std::atomic_ref<std::int32_t> word_ref(std::size_t index) const noexcept;
  std::atomic_ref<double> counter_ref(std::size_t index) const noexcept;

  std::byte* base_;
  std::int32_t sequence_;
};

// Knocks where a role's thread sleeps, as wake.ts's RoleWaker does: the queue named in the role's
// wake-table word, or the role's own input.
class RoleWaker {
 public:
  RoleWaker(std::byte* control, const std::vector<Ring>& queues, layout::Role role,
            std::uint32_t lane, std::uint32_t lanes);

  // Wakes the role's thread if it sleeps (one shared load when it does not).
  void wake() const noexcept;
  // After pushing to the role's own input (which woke a sleeper there): knock only elsewhere.
  void wake_if_elsewhere() const noexcept;

 private:
  std::uint32_t target() const noexcept;
  void knock(std::uint32_t code) const noexcept;

  const std::vector<Ring>& queues_;
  std::int32_t* table_word_;
  std::uint32_t own_code_;
};

// Called (from the producer thread) when an id names a block it cannot resolve:
// the JS side posts a 'want' on the pool's channel and wakes replenish.
using WantBlock = std::function<void(std::uint32_t block)>;

// Runs the whole producer: `config.records` records, then closes ready[q].
ProducerResult run_producer(const ProducerConfig& config, const ProducerMemory& memory,
                            BlockTable& blocks, const WantBlock& want_block,
                            const std::atomic<bool>& stop);

}  // namespace ringkit::buffer_pool
