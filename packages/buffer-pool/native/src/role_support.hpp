// What every native role of the pool shares: the role line and the knock on a
// sleeping role (control.ts's RoleLine and wake.ts's RoleWaker, in C++), the
// table of blocks a native thread can resolve, the wait for a block that was
// never handed over, and the test-record pattern the native producer writes and
// the native collector checks. No Node-API here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ringkit/buffer_pool/layout.hpp"
#include "ringkit/spsc_ring.hpp"

namespace ringkit::buffer_pool {

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point since);

// Numbers in messages as JS prints them (200, 2.5), so native and JS roles say the same sentence.
std::string js_number(double value);

// Entries queued in a ring, read the way queues.ts's depth() reads them.
std::uint32_t depth_of(const Ring& queue) noexcept;

// runRoles's IDLE_STEPS_BEFORE_SLEEP: a native thread steps its roles this often without work
// before it sleeps, so a hand-over from a thread on another core is caught awake.
inline constexpr int kIdleStepsBeforeSleep = 100;

// One role of a native thread: role.ts's LoopingRole in C++. A thread runs one or several
// (run_roles); each still owns its queue ends alone, so sharing a thread adds no writer.
class LoopingRole {
 public:
  // Its line's wake-table word and its own input's code, from where the role sits in the pool.
  LoopingRole(std::byte* control, layout::Role role, std::uint32_t lane,
              std::uint32_t lanes) noexcept;
  LoopingRole(const LoopingRole&) = delete;
  LoopingRole& operator=(const LoopingRole&) = delete;
  virtual ~LoopingRole() = default;

  // Does whatever work is waiting, without blocking; returns the buffers moved.
  virtual std::uint32_t step() = 0;
  // Work is waiting (or its end condition holds): another role's thread should not sleep.
  virtual bool has_work() = 0;
  // Sleeps on this role's input until work, `wake_early()`, one tick, or stop.
  virtual void sleep(const std::function<bool()>& wake_early) = 0;
  // stop(): ends as at its end condition (a drain closes collect[q], …).
  virtual void finish() = 0;

  bool finished() const noexcept { return finished_; }
  // Where its thread sleeps (announceSleepQueue): a queue's code, or 0 for its own input.
  void sleeps_on(std::uint32_t queue_code) noexcept;
  std::uint32_t input_code() const noexcept { return input_code_; }

  // Set by run_roles when the role finished: seconds since the thread started, and whether
  // stop() ended it.
  double seconds = 0;
  bool stopped = false;

 protected:
  bool finished_ = false;

 private:
  std::int32_t* wake_word_;
  std::uint32_t input_code_;
};

// A role that reports a Result (DrainResult, …) once run_roles is done with it.
template <typename Result>
class ReportingRole : public LoopingRole {
 public:
  using LoopingRole::LoopingRole;
  // What it did so far, with seconds and stopped as run_roles set them.
  Result result() const {
    Result result = counts();
    result.seconds = seconds;
    result.stopped = stopped;
    return result;
  }

 protected:
  virtual Result counts() const = 0;
};

// runRoles: steps every running role until all have finished. When none had work for
// kIdleStepsBeforeSleep steps, it sleeps on the first running role's input, after writing that
// queue's code into every role's wake-table word, so whoever gives any of them work knocks there.
// A stop request finishes every running role as at its end.
void run_roles(const std::vector<LoopingRole*>& roles, const std::atomic<bool>& stop);

// The control block and every queue of the pool, by wake-table code - 1: a role may knock on any.
struct PoolMemory {
  std::byte* control = nullptr;
  std::vector<Ring> queues;

  const Ring& queue(std::uint32_t lane, layout::Queue which) const {
    return queues[layout::queue_code(lane, which) - 1];
  }
  // The run's execution-complete flag (pool.complete()).
  bool complete() const noexcept { return pool_word(layout::pool_word::kComplete) != 0; }
  std::int32_t pool_word(std::size_t index) const noexcept;
  void set_pool_word(std::size_t index, std::int32_t value) const noexcept;
};

// Why a role's run ended early: a PoolErrorCode and its sentence (empty when it did not).
struct RoleError {
  std::string code;
  std::string message;

  void set(const char* error_code, std::string error_message) {
    if (!code.empty()) return;  // the first failure is the one worth reporting
    code = error_code;
    message = std::move(error_message);
  }
};

// Which blocks a native role can resolve. Registered from the JS thread (the
// pool's channel delivers them there), read by the role's thread.
class BlockTable {
 public:
  explicit BlockTable(std::uint32_t max_blocks);

  // JS thread. True when the block was new; `after_start` counts it as a registration.
  bool add(std::uint32_t block, std::byte* bytes, bool after_start);
  // Role thread: the block's bytes, or nullptr if it is not registered yet.
  std::byte* find(std::uint32_t block) const noexcept;
  // Role thread: sleeps until the block is registered, `timeout_ms` passes, or stop.
  std::byte* wait_for(std::uint32_t block, double timeout_ms, const std::atomic<bool>& stop);
  std::uint32_t registrations() const noexcept;
  std::uint32_t capacity() const noexcept { return capacity_; }

  // A native replenish asks the JS thread for a block and may give up waiting. Exactly one side
  // settles the request: JS takes it before it allocates (then it always delivers, or stops the
  // thread), or the thread withdraws it first (then JS allocates nothing, so no block is announced
  // or tracked that the pool never carves).
  void request(std::uint32_t block) noexcept;
  bool take_request(std::uint32_t block) noexcept;      // JS thread
  bool withdraw_request(std::uint32_t block) noexcept;  // role thread

 private:
  static constexpr std::int64_t kNoRequest = -1;
  std::uint32_t capacity_;
  std::atomic<std::int64_t> requested_{kNoRequest};
  std::unique_ptr<std::atomic<std::byte*>[]> blocks_;
  std::atomic<std::uint32_t> registrations_{0};
  // Bumped and futex-woken on every add: the word a waiting role sleeps on.
  alignas(4) std::uint32_t signal_ = 0;
};

// Called (from a role's thread) when an id names a block it cannot resolve:
// the JS side posts a 'want' on the pool's channel and wakes replenish.
using WantBlock = std::function<void(std::uint32_t block)>;

// The bytes of `id`'s block, asking for its registration as blocks.ts's directory does (after a
// short grace, then now and then) for at most 5 s. nullptr on stop, or with `error` set.
std::byte* resolve_block(BlockTable& blocks, std::uint32_t id, std::uint32_t buffers_per_block,
                         const WantBlock& want_block, const std::atomic<bool>& stop,
                         RoleError& error);

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
  void set_counter(std::size_t index, double value) noexcept;
  void mark_exited() noexcept;
  // This thread runs the role now: its pid and kernel thread id, so that others can tell when
  // it is gone (control.ts's RoleLine.recordOwner).
  void record_owner() noexcept;
  // Claimed, not exited, and the thread that ran it is gone (control.ts's RoleLine.dead): a
  // look in /proc, so not for every step.
  bool dead() const noexcept;
  // Records the dead role this one depends on (Counter.role.report: 1 + its line).
  void set_report(const RoleLine& dead_role) noexcept;
  // No dead role to report (any longer): the slot reads 0.
  void clear_report() noexcept;
  // 1 + the line of the dead role this one reported; 0 when none.
  double report() const noexcept { return counter(layout::counter::role::kReport); }
  std::size_t line() const noexcept { return line_; }
  bool exited() const noexcept { return word(layout::role_word::kExited) != 0; }

 private:
  std::atomic_ref<std::int32_t> word_ref(std::size_t index) const noexcept;
  std::atomic_ref<double> counter_ref(std::size_t index) const noexcept;

  std::byte* base_;
  std::size_t line_;
  std::int32_t sequence_;
};

// The line of `role` in `lane` (replenish: lane 0) of a pool of `lanes` lanes.
inline RoleLine line_of(std::byte* control, layout::Role role, std::uint32_t lane,
                        std::uint32_t lanes) {
  return RoleLine(control, layout::role_line(role, lane, lanes));
}

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

// Ids waiting to be published to one queue: staged for the whole batch, pushed with one publish.
class Staged {
 public:
  explicit Staged(std::uint32_t capacity)
      : entries_(std::size_t{capacity} * layout::entry::kBytes) {}

  // One id, bytes used 0 (replenish's routing).
  void add_id(std::uint32_t id) {
    std::byte* at = entries_.data() + std::size_t{count_++} * layout::entry::kBytes;
    std::memcpy(at + layout::entry::kId, &id, 4);
    std::memset(at + layout::entry::kLength, 0, 4);
  }

  // Copies `count` entries; with `empty`, their bytes-used word is set to 0 (a free buffer).
  void add(const std::byte* entries, std::uint32_t count, bool empty) {
    std::byte* at = entries_.data() + std::size_t{count_} * layout::entry::kBytes;
    std::memcpy(at, entries, std::size_t{count} * layout::entry::kBytes);
    if (empty)
      for (std::uint32_t i = 0; i < count; i++)
        std::memset(at + i * layout::entry::kBytes + layout::entry::kLength, 0, 4);
    count_ += count;
  }

  // Sized for every buffer of the pool, the queue cannot be full (see queues.ts).
  void publish(FixedProducer& queue) {
    if (count_ > 0) static_cast<void>(queue.push_batch(entries_.data(), count_));
    count_ = 0;
  }

 private:
  std::vector<std::byte> entries_;
  std::uint32_t count_ = 0;
};

// test/workers/records.mjs's pattern: [u32 sequence][u32 lane], then the u32 word
// test_record_word(sequence) repeated to the end, the last copy cut short (little-endian).
inline constexpr std::uint32_t kTestRecordMinPayload = 8;
constexpr std::uint32_t test_record_word(std::uint32_t sequence) noexcept {
  return sequence * 0x9e3779b1u;  // Math.imul(sequence, 0x9e3779b1) in JS
}
void write_test_record(std::byte* payload, std::uint32_t length, std::uint32_t sequence,
                       std::uint32_t lane) noexcept;
// The record's sequence number, or -1 when its payload is not the pattern.
std::int64_t check_test_record(const std::byte* payload, std::uint32_t length) noexcept;

}  // namespace ringkit::buffer_pool
