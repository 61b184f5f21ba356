#include "native_producer.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "death_watch.hpp"

namespace ringkit::buffer_pool {

namespace {

namespace pool = ringkit::buffer_pool::layout;
namespace ring = ringkit::layout;

// producer.ts's STASH: free buffers taken ahead in one move, so most buffers cost no queue
// operation.
constexpr std::uint32_t kStash = 8;

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
        random_(config.seed == 0 ? 1 : config.seed),
        watch_(role_, {line_of(memory.control, pool::Role::kDrain, config.lane, config.lanes),
                       line_of(memory.control, pool::Role::kReplenish, 0, config.lanes)}) {
    role_.record_owner();
  }

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

  // `block` policy: sleep on free[q] up to the backstop, or until its drain or replenish is found
  // dead (no free buffer can come until that role is taken again). False when the run must end.
  bool wait_for_free() {
    role_.add(pool::counter::producer::kBlockedWaits, 1);
    static constexpr WaitOutcome kReady = WaitOutcome::kReady;
    bool died = false;
    const auto free_or_death = [&]() -> const WaitOutcome* {
      if (free_.peek() != nullptr) return &kReady;
      died = watch_.look() != nullptr;
      return died ? &kReady : nullptr;
    };
    const WaitOutcome outcome = free_.ring().wait_until(
        free_or_death, ring::notification::kConsumerWaiting, ring::notification::kDataSignal,
        config_.block_timeout_ms, &stop_, config_.tick_ms, config_.spin, &kConsumerSide);
    // The ring may notice first that free[q]'s producer (the drain) is gone: a fresh look names it.
    if (died || (outcome == WaitOutcome::kPeerGone && watch_.look_now() != nullptr)) {
      // The JS side words it from this role's report (death.ts's reportedError), as JS roles do;
      // this sentence is for a report cleared meanwhile (the dead role taken again).
      fail("ROLE_DIED", "the drain or replenish of lane " + std::to_string(config_.lane) +
                            " died while its producer waited for a free buffer: take that role "
                            "again from a new thread, then start the producer again.");
      return false;
    }
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
    std::byte* bytes = buffer_pool::resolve_block(blocks_, id, config_.buffers_per_block,
                                                  want_block_, stop_, error_);
    if (bytes == nullptr && !error_.code.empty()) fail(error_.code.c_str(), error_.message);
    return bytes;
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
  // Its drain and replenish: looked at while it waits for a free buffer.
  DeathWatch watch_;
  std::uint32_t stash_[kStash] = {};
  std::uint32_t stashed_ = 0;
  std::uint32_t stash_read_ = 0;
  std::uint32_t submits_ = 0;
  bool holding_ = false;
  std::uint32_t current_ = 0;
  std::byte* memory_ = nullptr;  // the current buffer's block
  std::size_t start_ = 0;        // the current buffer's first byte in its block
  std::uint32_t used_ = 0;
  RoleError error_;
  ProducerResult result_;
};

}  // namespace

ProducerResult run_producer(const ProducerConfig& config, const ProducerMemory& memory,
                            BlockTable& blocks, const WantBlock& want_block,
                            const std::atomic<bool>& stop) {
  return Producer(config, memory, blocks, want_block, stop).run();
}

}  // namespace ringkit::buffer_pool
