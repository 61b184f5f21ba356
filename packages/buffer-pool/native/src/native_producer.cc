#include "native_producer.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstring>
#include <thread>

#include "ringkit/futex.hpp"

namespace ringkit::buffer_pool {

namespace {

namespace pool = ringkit::buffer_pool::layout;
namespace ring = ringkit::layout;
using Clock = std::chrono::steady_clock;

// The same backstop as blocks.ts's directory: a block that never arrives is an error, not a hang.
constexpr double kWantTimeoutMs = 5000;
// A block announced a moment ago may still be on its way to the JS thread: wait that long before
// asking for it again, then repeat the question now and then in case a 'want' was missed.
constexpr double kWantGraceMs = 10;
constexpr double kWantRepeatMs = 1000;
// No sleep for a block lasts longer, so stop() is noticed promptly.
constexpr double kBlockSleepMs = 50;
// producer.ts's STASH: free buffers taken ahead in one move, so most buffers cost no queue
// operation.
constexpr std::uint32_t kStash = 8;

static_assert(std::atomic_ref<double>::is_always_lock_free,
              "JS reads the counters with plain loads: a store must be one instruction");

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// Numbers in messages as JS prints them (200, 2.5), so both producers say the same sentence.
std::string js_number(double value) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  return error == std::errc{} ? std::string(text, end) : std::to_string(value);
}

// Entries queued in a ring, read the way queues.ts's depth() reads them.
std::uint32_t depth_of(const Ring& queue) noexcept {
  const std::uint32_t write =
      queue.word(ring::producer::kWritePosition).load(std::memory_order_acquire);
  const std::uint32_t read =
      queue.word(ring::consumer::kReadPosition).load(std::memory_order_acquire);
  return write - read;
}

// test/workers/records.mjs's pattern: [u32 sequence][u32 lane][(sequence + i) & 0xff …].
void write_test_record(std::byte* payload, std::uint32_t length, std::uint32_t sequence,
                       std::uint32_t lane) noexcept {
  std::memcpy(payload, &sequence, 4);
  std::memcpy(payload + 4, &lane, 4);
  for (std::uint32_t i = 8; i < length; i++)
    payload[i] = static_cast<std::byte>((sequence + i) & 0xff);
}

// Holds the producer to `rate_per_second` records per second (0: flat out), noticing stop.
class Pacer {
 public:
  Pacer(double rate_per_second, double tick_ms)
      : rate_(rate_per_second), tick_ms_(tick_ms), start_(Clock::now()) {}

  void after(std::uint64_t records_so_far, const std::atomic<bool>& stop) const {
    if (rate_ <= 0) return;
    const auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(records_so_far / rate_));
    const auto longest = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::milli>(tick_ms_));
    for (auto now = Clock::now(); now < due && !stop.load(std::memory_order_relaxed);
         now = Clock::now())
      std::this_thread::sleep_for(std::min(due - now, longest));
  }

 private:
  double rate_;
  double tick_ms_;
  Clock::time_point start_;
};

class Producer {
 public:
  Producer(const ProducerConfig& config, const ProducerMemory& memory, BlockTable& blocks,
           const WantBlock& want_block, const std::atomic<bool>& stop)
      : config_(config),
        blocks_(blocks),
        want_block_(want_block),
        stop_(stop),
        role_(memory.control, pool::role_line(pool::Role::kProducer, config.lane, config.lanes)),
        free_(memory.free),
        ready_(memory.ready),
        drain_waker_(memory.control, memory.queues, pool::Role::kDrain, config.lane, config.lanes),
        replenish_waker_(memory.control, memory.queues, pool::Role::kReplenish, 0, config.lanes),
        random_(config.seed == 0 ? 1 : config.seed) {}

  ProducerResult run() {
    const auto start = Clock::now();
    const Pacer pacer(config_.rate_per_second, config_.tick_ms);
    for (std::uint64_t sequence = 0; sequence < config_.records; sequence++) {
      if (stop_.load(std::memory_order_relaxed)) break;
      const std::uint32_t length = next_length();
      const std::int64_t at = reserve(length);
      if (at == kDropped) {
        result_.dropped++;
      } else if (at == kEnded) {
        break;
      } else {
        write_test_record(memory_ + at, length, static_cast<std::uint32_t>(sequence), config_.lane);
        result_.written++;
      }
      pacer.after(sequence + 1, stop_);
    }
    close();
    result_.seconds = elapsed_ms(start) / 1000;
    return result_;
  }

 private:
  static constexpr std::int64_t kDropped = -1;
  static constexpr std::int64_t kEnded = -2;
  enum class Acquired { kOk, kEmpty, kEnded };

  std::uint32_t next_length() noexcept {
    if (config_.min_payload == config_.max_payload) return config_.min_payload;
    random_ ^= random_ << 13;
    random_ ^= random_ >> 17;
    random_ ^= random_ << 5;
    const std::uint64_t span = config_.max_payload - config_.min_payload + 1;
    return config_.min_payload + static_cast<std::uint32_t>((span * random_) >> 32);
  }

  // producer.ts's reserve(): room for one record in the current buffer (taking a new one when it
  // is full), its header written; the payload's offset in memory_, kDropped or kEnded.
  std::int64_t reserve(std::uint32_t length) {
    namespace c = pool::counter::producer;
    const std::size_t span = pool::record_span(length);
    if (!holding_ || used_ + span > config_.buffer_size) {
      if (holding_) submit();
      const Acquired acquired = acquire();
      if (acquired == Acquired::kEmpty) {
        role_.add(c::kDroppedRecords, 1);
        role_.add(c::kDroppedBytes, length);
        return kDropped;
      }
      if (acquired == Acquired::kEnded) return kEnded;
    }
    const std::size_t at = start_ + used_;
    std::memcpy(memory_ + at + pool::record::kLength, &length, 4);
    std::memcpy(memory_ + at + pool::record::kType, &config_.type, 4);
    used_ += static_cast<std::uint32_t>(span);
    role_.add(c::kRecords, 1);
    role_.add(c::kBytes, length);
    return static_cast<std::int64_t>(at + pool::record::kHeaderBytes);
  }

  // producer.ts's acquire(): the next stashed id (taking more from free[q] when none is left),
  // then its block's bytes. Moving an id from the stash to the current buffer leaves HELD as is.
  Acquired acquire() {
    if (stash_read_ == stashed_) {
      const Acquired taken = take_free_buffers();
      if (taken != Acquired::kOk) return taken;
    }
    current_ = stash_[stash_read_++];
    holding_ = true;
    used_ = 0;  // an id whose block cannot be resolved still goes home, empty, at close
    start_ = std::size_t{pool::index_of(current_)} * config_.buffer_size;
    memory_ = resolve_block(current_);
    if (memory_ == nullptr) return Acquired::kEnded;
    const double fresh =
        blocks_.registrations() - role_.counter(pool::counter::producer::kRegistrations);
    if (fresh > 0) role_.add(pool::counter::producer::kRegistrations, fresh);
    return Acquired::kOk;
  }

  // Up to kStash ids from free[q] in one move window; under `block`, waits when there are none.
  Acquired take_free_buffers() {
    for (;;) {
      const auto free_depth = static_cast<std::int64_t>(depth_of(free_.ring()));
      if (free_depth < role_.word(pool::role_word::kLowMark))
        role_.set_word(pool::role_word::kLowMark, static_cast<std::int32_t>(free_depth));
      role_.begin_move();
      stashed_ = 0;
      stash_read_ = 0;
      const std::uint32_t got = free_.drain(
          [&](const std::byte* entries, std::uint32_t count) {
            for (std::uint32_t i = 0; i < count; i++)
              std::memcpy(&stash_[stashed_++], entries + i * pool::entry::kBytes + pool::entry::kId,
                          4);
          },
          kStash);
      if (got > 0) role_.set_held(static_cast<std::int32_t>(got));
      role_.end_move();
      if (got > 0) return Acquired::kOk;
      // Empty: wake the drain (recycled → free) and replenish (top-up) in case they sleep.
      drain_waker_.wake();
      replenish_waker_.wake();
      if (!config_.block_when_empty) return Acquired::kEmpty;
      if (!wait_for_free()) return Acquired::kEnded;
    }
  }

  // `block` policy: sleep on free[q] up to the backstop. False when the run must end.
  bool wait_for_free() {
    role_.add(pool::counter::producer::kBlockedWaits, 1);
    const WaitOutcome outcome =
        free_.wait(config_.block_timeout_ms, &stop_, config_.tick_ms, config_.spin);
    if (outcome == WaitOutcome::kReady) return true;
    if (outcome != WaitOutcome::kStopped)
      fail("BLOCK_TIMEOUT", "lane " + std::to_string(config_.lane) + " had no free buffer for " +
                                js_number(config_.block_timeout_ms) +
                                " ms: its collector or replenish is not keeping up (or not "
                                "running); raise maxBlocks, speed up collection, or use "
                                "fullPolicy 'drop'.");
    return false;
  }

  // The bytes of the id's block, asking for its registration (like blocks.ts) if need be.
  std::byte* resolve_block(std::uint32_t id) {
    const std::uint32_t block = pool::block_of(id);
    if (block >= blocks_.capacity() || pool::index_of(id) >= config_.buffers_per_block) {
      fail("UNKNOWN_BLOCK", "buffer id " + std::to_string(id) + " names block " +
                                std::to_string(block) + ", buffer " +
                                std::to_string(pool::index_of(id)) +
                                ", outside this pool's blocks: was this id made by this pool?");
      return nullptr;
    }
    if (std::byte* bytes = blocks_.find(block)) return bytes;
    const auto start = Clock::now();
    double patience_ms = kWantGraceMs;
    for (;;) {
      const double remaining_ms = kWantTimeoutMs - elapsed_ms(start);
      if (remaining_ms > 0) {
        std::byte* bytes = blocks_.wait_for(block, std::min(patience_ms, remaining_ms), stop_);
        if (bytes != nullptr) return bytes;
      }
      if (stop_.load(std::memory_order_relaxed)) return nullptr;
      if (elapsed_ms(start) >= kWantTimeoutMs) {
        fail("UNKNOWN_BLOCK", "block " + std::to_string(block) +
                                  " was never registered with this participant within " +
                                  js_number(kWantTimeoutMs) +
                                  " ms: is the pool's replenish running, and was this id made by "
                                  "this pool?");
        return nullptr;
      }
      want_block_(block);
      patience_ms = kWantRepeatMs;
    }
  }

  // producer.ts's submit(): the current buffer to ready[q] inside a move window.
  void submit() {
    role_.begin_move();
    std::byte entry[pool::entry::kBytes];
    std::memcpy(entry + pool::entry::kId, &current_, 4);
    std::memcpy(entry + pool::entry::kLength, &used_, 4);
    // Sized for every buffer of the pool, ready[q] cannot be full (see queues.ts).
    static_cast<void>(ready_.try_push(entry, sizeof entry));
    role_.set_held(static_cast<std::int32_t>(stashed_ - stash_read_));
    role_.end_move();
    holding_ = false;
    drain_waker_.wake_if_elsewhere();
    role_.add(pool::counter::producer::kSubmitted, 1);
    // Sampled: reading the depth touches the drain's line, a cache miss on every submit otherwise.
    if ((++submits_ & 15) == 0) {
      const auto ready_depth = static_cast<std::int64_t>(depth_of(ready_.ring()));
      if (ready_depth > role_.word(pool::role_word::kHighMark))
        role_.set_word(pool::role_word::kHighMark, static_cast<std::int32_t>(ready_depth));
    }
  }

  // producer.close(): the buffer in hand goes round (empty, with 0 bytes used, if need be), and
  // so do the stashed ones, then the stream ends: the drain exits once it has handed on everything.
  void close() {
    if (holding_) submit();
    while (stash_read_ < stashed_) {
      current_ = stash_[stash_read_++];
      used_ = 0;
      submit();
    }
    ready_.close();
    role_.mark_exited();
  }

  void fail(const char* code, std::string message) {
    result_.error_code = code;
    result_.error_message = std::move(message);
  }

  const ProducerConfig& config_;
  BlockTable& blocks_;
  const WantBlock& want_block_;
  const std::atomic<bool>& stop_;
  RoleLine role_;
  FixedConsumer free_;
  FixedProducer ready_;
  RoleWaker drain_waker_;
  RoleWaker replenish_waker_;
  std::uint32_t random_;
  std::uint32_t stash_[kStash] = {};
  std::uint32_t stashed_ = 0;
  std::uint32_t stash_read_ = 0;
  std::uint32_t submits_ = 0;
  bool holding_ = false;
  std::uint32_t current_ = 0;
  std::byte* memory_ = nullptr;  // the current buffer's block
  std::size_t start_ = 0;        // the current buffer's first byte in its block
  std::uint32_t used_ = 0;
  ProducerResult result_;
};

}  // namespace

BlockTable::BlockTable(std::uint32_t max_blocks)
    : capacity_(max_blocks), blocks_(std::make_unique<std::atomic<std::byte*>[]>(max_blocks)) {
  for (std::uint32_t block = 0; block < max_blocks; block++)
    blocks_[block].store(nullptr, std::memory_order_relaxed);
}

bool BlockTable::add(std::uint32_t block, std::byte* bytes, bool after_start) {
  if (block >= capacity_ || blocks_[block].load(std::memory_order_relaxed) != nullptr) return false;
  // Release: the producer thread that finds the pointer also finds the block's memory mapped.
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

std::uint32_t BlockTable::registrations() const noexcept {
  return registrations_.load(std::memory_order_relaxed);
}

RoleLine::RoleLine(std::byte* control, std::size_t line)
    : base_(control + line * pool::kLineBytes),
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

ProducerResult run_producer(const ProducerConfig& config, const ProducerMemory& memory,
                            BlockTable& blocks, const WantBlock& want_block,
                            const std::atomic<bool>& stop) {
  return Producer(config, memory, blocks, want_block, stop).run();
}

}  // namespace ringkit::buffer_pool
