#include "role_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <csignal>
#include <cstring>
#include <string>

#include "ringkit/futex.hpp"

namespace ringkit::buffer_pool {

namespace {

namespace pool = ringkit::buffer_pool::layout;
namespace ring = ringkit::layout;

// The same backstop as blocks.ts's directory: a block that never arrives is an error, not a hang.
constexpr double kWantTimeoutMs = 5000;
// A block announced a moment ago may still be on its way to the JS thread: wait that long before
// asking for it again, then repeat the question now and then in case a 'want' was missed.
constexpr double kWantGraceMs = 10;
constexpr double kWantRepeatMs = 1000;
// No sleep for a block lasts longer, so stop() is noticed promptly.
constexpr double kBlockSleepMs = 50;

static_assert(std::atomic_ref<double>::is_always_lock_free,
              "JS reads the counters with plain loads: a store must be one instruction");

std::atomic_ref<std::int32_t> control_word(std::byte* control, std::size_t index) noexcept {
  return std::atomic_ref<std::int32_t>(*reinterpret_cast<std::int32_t*>(control + 4 * index));
}

}  // namespace

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

std::string js_number(double value) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc{} ? std::string(text, end) : std::to_string(value);
}

std::uint32_t depth_of(const Ring& queue) noexcept {
  const std::uint32_t write =
      queue.word(ring::producer::kWritePosition).load(std::memory_order_acquire);
  const std::uint32_t read =
      queue.word(ring::consumer::kReadPosition).load(std::memory_order_acquire);
  return write - read;
}

std::int32_t PoolMemory::pool_word(std::size_t index) const noexcept {
  return control_word(control, index).load();
}

void PoolMemory::set_pool_word(std::size_t index, std::int32_t value) const noexcept {
  control_word(control, index).store(value);
}

BlockTable::BlockTable(std::uint32_t max_blocks)
    : capacity_(max_blocks), blocks_(std::make_unique<std::atomic<std::byte*>[]>(max_blocks)) {
  for (std::uint32_t block = 0; block < max_blocks; block++)
    blocks_[block].store(nullptr, std::memory_order_relaxed);
}

bool BlockTable::add(std::uint32_t block, std::byte* bytes, bool after_start) {
  if (block >= capacity_ || blocks_[block].load(std::memory_order_relaxed) != nullptr) return false;
  // Release: the role thread that finds the pointer also finds the block's memory mapped.
  blocks_[block].store(bytes, std::memory_order_release);
  if (after_start) registrations_.fetch_add(1, std::memory_order_relaxed);
  std::atomic_ref<std::uint32_t>(signal_).fetch_add(1, std::memory_order_seq_cst);
  futex_wake(&signal_, INT_MAX);
  return true;
}

std::byte* BlockTable::find(std::uint32_t block) const noexcept {
  return block < capacity_ ? blocks_[block].load(std::memory_order_acquire) : nullptr;
}

std::byte* BlockTable::wait_for(std::uint32_t block, double timeout_ms,
                                const std::atomic<bool>& stop) {
  const auto start = Clock::now();
  for (;;) {
    // The signal is read before the table (both sequentially consistent against add's pointer
    // store and bump): an add after this read changes the word, so the sleep returns at once.
    const std::uint32_t seen = std::atomic_ref<std::uint32_t>(signal_).load();
    if (std::byte* bytes = find(block)) return bytes;
    const double remaining_ms = timeout_ms - elapsed_ms(start);
    if (remaining_ms <= 0 || stop.load(std::memory_order_relaxed)) return nullptr;
    futex_sleep(&signal_, seen, std::min(remaining_ms, kBlockSleepMs));
  }
}

void BlockTable::request(std::uint32_t block) noexcept {
  requested_.store(block);
}

bool BlockTable::take_request(std::uint32_t block) noexcept {
  std::int64_t expected = block;
  return requested_.compare_exchange_strong(expected, kNoRequest);
}

bool BlockTable::withdraw_request(std::uint32_t block) noexcept {
  return take_request(block);
}

std::uint32_t BlockTable::registrations() const noexcept {
  return registrations_.load(std::memory_order_relaxed);
}

std::byte* resolve_block(BlockTable& blocks, std::uint32_t id, std::uint32_t buffers_per_block,
                         const WantBlock& want_block, const std::atomic<bool>& stop,
                         RoleError& error) {
  const std::uint32_t block = pool::block_of(id);
  if (block >= blocks.capacity() || pool::index_of(id) >= buffers_per_block) {
    error.set("UNKNOWN_BLOCK", "buffer id " + std::to_string(id) + " names block " +
                                   std::to_string(block) + ", buffer " +
                                   std::to_string(pool::index_of(id)) +
                                   ", outside this pool's blocks: was this id made by this pool?");
    return nullptr;
  }
  if (std::byte* bytes = blocks.find(block)) return bytes;
  const auto start = Clock::now();
  double patience_ms = kWantGraceMs;
  for (;;) {
    const double remaining_ms = kWantTimeoutMs - elapsed_ms(start);
    if (remaining_ms > 0) {
      std::byte* bytes = blocks.wait_for(block, std::min(patience_ms, remaining_ms), stop);
      if (bytes != nullptr) return bytes;
    }
    if (stop.load(std::memory_order_relaxed)) return nullptr;
    if (elapsed_ms(start) >= kWantTimeoutMs) {
      error.set("UNKNOWN_BLOCK", "block " + std::to_string(block) +
                                     " was never registered with this participant within " +
                                     js_number(kWantTimeoutMs) +
                                     " ms: is the pool's replenish running, and was this id made "
                                     "by this pool?");
      return nullptr;
    }
    want_block(block);
    patience_ms = kWantRepeatMs;
  }
}

RoleLine::RoleLine(std::byte* control, std::size_t line)
    : base_(control + line * pool::kLineBytes),
      line_(line),
      sequence_(word_ref(pool::role_word::kSequence).load()) {}

std::atomic_ref<std::int32_t> RoleLine::word_ref(std::size_t index) const noexcept {
  return std::atomic_ref<std::int32_t>(*reinterpret_cast<std::int32_t*>(base_ + 4 * index));
}

std::atomic_ref<double> RoleLine::counter_ref(std::size_t index) const noexcept {
  return std::atomic_ref<double>(
      *reinterpret_cast<double*>(base_ + pool::kCountersOffset + 8 * index));
}

// Sequentially consistent, as Atomics.store is: a snapshot that reads the same even sequence
// before and after its queue depths saw no move in between.
void RoleLine::begin_move() noexcept {
  word_ref(pool::role_word::kSequence).store(++sequence_);
}
void RoleLine::end_move() noexcept {
  word_ref(pool::role_word::kSequence).store(++sequence_);
}
void RoleLine::set_held(std::int32_t count) noexcept {
  word_ref(pool::role_word::kHeld).store(count);
}
std::int32_t RoleLine::word(std::size_t index) const noexcept {
  return word_ref(index).load();
}
void RoleLine::set_word(std::size_t index, std::int32_t value) noexcept {
  word_ref(index).store(value);
}
double RoleLine::counter(std::size_t index) const noexcept {
  return counter_ref(index).load(std::memory_order_relaxed);
}
// Only this role writes its counters: a relaxed load and store, each one instruction (control.ts).
void RoleLine::add(std::size_t index, double amount) noexcept {
  auto slot = counter_ref(index);
  slot.store(slot.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}
void RoleLine::set_counter(std::size_t index, double value) noexcept {
  counter_ref(index).store(value, std::memory_order_relaxed);
}
void RoleLine::record_owner() noexcept {
  word_ref(pool::role_word::kOwnerThread).store(static_cast<std::int32_t>(::gettid()));
  word_ref(pool::role_word::kOwnerPid).store(static_cast<std::int32_t>(::getpid()));
}
bool RoleLine::dead() const noexcept {
  if (word(pool::role_word::kClaim) <= 0 || exited()) return false;
  const auto pid = static_cast<std::uint32_t>(word(pool::role_word::kOwnerPid));
  const auto tid = static_cast<std::uint32_t>(word(pool::role_word::kOwnerThread));
  if (pid == 0) return false;  // not recorded (yet): nothing says it is gone
  if (tid != 0) {
    const std::string task = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
    return ::access(task.c_str(), F_OK) != 0;
  }
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}
void RoleLine::set_report(const RoleLine& dead_role) noexcept {
  counter_ref(pool::counter::role::kReport)
      .store(1.0 + static_cast<double>(dead_role.line()), std::memory_order_relaxed);
}
void RoleLine::clear_report() noexcept {
  counter_ref(pool::counter::role::kReport).store(0, std::memory_order_relaxed);
}
void RoleLine::mark_exited() noexcept {
  word_ref(pool::role_word::kExited).store(1);
}

RoleWaker::RoleWaker(std::byte* control, const std::vector<Ring>& queues, pool::Role role,
                     std::uint32_t lane, std::uint32_t lanes)
    : queues_(queues),
      table_word_(reinterpret_cast<std::int32_t*>(control) +
                  pool::wake_table_word(pool::role_line(role, lane, lanes), lanes)),
      own_code_(pool::input_code(role, lane)) {}

std::uint32_t RoleWaker::target() const noexcept {
  return static_cast<std::uint32_t>(std::atomic_ref<std::int32_t>(*table_word_).load());
}

void RoleWaker::knock(std::uint32_t code) const noexcept {
  // queues.ts's nudgeReceiver: take the sleeper's flag if it is up, bump its signal, futex-wake.
  if (code >= 1 && code <= queues_.size())
    queues_[code - 1].wake_if_waiting(ring::notification::kConsumerWaiting,
                                      ring::notification::kDataSignal);
}

void RoleWaker::wake() const noexcept {
  const std::uint32_t code = target();
  knock(code != 0 ? code : own_code_);
}

void RoleWaker::wake_if_elsewhere() const noexcept {
  const std::uint32_t code = target();
  if (code != 0 && code != own_code_) knock(code);
}

LoopingRole::LoopingRole(std::byte* control, pool::Role role, std::uint32_t lane,
                         std::uint32_t lanes) noexcept
    : wake_word_(reinterpret_cast<std::int32_t*>(control) +
                 pool::wake_table_word(pool::role_line(role, lane, lanes), lanes)),
      input_code_(pool::input_code(role, lane)) {
  sleeps_on(0);  // until run_roles says otherwise, a knock goes to its own input
}

void LoopingRole::sleeps_on(std::uint32_t queue_code) noexcept {
  std::atomic_ref<std::int32_t>(*wake_word_).store(static_cast<std::int32_t>(queue_code));
}

namespace {

// role.ts's RoleGroup.sleeper(): the first running role leads; a change of leader is written
// into every role's wake-table word (0 when the thread has one role: its own input).
class Sleeper {
 public:
  explicit Sleeper(const std::vector<LoopingRole*>& roles) : roles_(roles) {}

  void sleep() {
    LoopingRole* const first = *std::find_if(roles_.begin(), roles_.end(),
                                             [](LoopingRole* role) { return !role->finished(); });
    if (first != leader_) {
      leader_ = first;
      const std::uint32_t shared = roles_.size() > 1 ? first->input_code() : 0;
      for (LoopingRole* role : roles_) role->sleeps_on(shared);
    }
    first->sleep(others_have_work_);
  }

 private:
  const std::vector<LoopingRole*>& roles_;
  LoopingRole* leader_ = nullptr;
  const std::function<bool()> others_have_work_ = [this] {
    return std::any_of(roles_.begin(), roles_.end(), [this](LoopingRole* role) {
      return role != leader_ && !role->finished() && role->has_work();
    });
  };
};

}  // namespace

void run_roles(const std::vector<LoopingRole*>& roles, const std::atomic<bool>& stop) {
  const auto start = Clock::now();
  Sleeper sleeper(roles);
  int idle = 0;
  for (;;) {
    if (stop.load(std::memory_order_relaxed)) {
      for (LoopingRole* role : roles) {
        if (role->finished()) continue;
        role->finish();
        role->stopped = true;
        role->seconds = elapsed_ms(start) / 1000;
      }
      return;
    }
    std::uint32_t moved = 0;
    std::size_t running = 0;
    for (LoopingRole* role : roles) {
      if (role->finished()) continue;
      moved += role->step();
      if (role->finished())
        role->seconds = elapsed_ms(start) / 1000;
      else
        running++;
    }
    if (running == 0) return;
    if (moved > 0) {
      idle = 0;
      continue;
    }
    if (++idle < kIdleStepsBeforeSleep) continue;
    idle = 0;
    sleeper.sleep();
  }
}

void write_test_record(std::byte* payload, std::uint32_t length, std::uint32_t sequence,
                       std::uint32_t lane) noexcept {
  std::memcpy(payload, &sequence, 4);
  std::memcpy(payload + 4, &lane, 4);
  const std::uint32_t word = test_record_word(sequence);
  std::uint32_t at = kTestRecordMinPayload;
  for (; at + 4 <= length; at += 4) std::memcpy(payload + at, &word, 4);
  std::memcpy(payload + at, &word, length - at);  // the last copy, cut short
}

std::int64_t check_test_record(const std::byte* payload, std::uint32_t length) noexcept {
  if (length < kTestRecordMinPayload) return -1;
  std::uint32_t sequence;
  std::memcpy(&sequence, payload, 4);
  const std::uint32_t word = test_record_word(sequence);
  // Every word is read, differences gathered without a branch (the loop vectorizes).
  std::uint32_t differ = 0;
  std::uint32_t at = kTestRecordMinPayload;
  for (; at + 4 <= length; at += 4) {
    std::uint32_t got;
    std::memcpy(&got, payload + at, 4);
    differ |= got ^ word;
  }
  if (differ != 0 || std::memcmp(payload + at, &word, length - at) != 0) return -1;
  return sequence;
}

}  // namespace ringkit::buffer_pool
