#include "native_collector.hpp"

#include <cstring>
#include <utility>
#include <vector>

#include "death_watch.hpp"

namespace ringkit::buffer_pool {

namespace {

namespace pool = ringkit::buffer_pool::layout;
namespace ring = ringkit::layout;

class Collector final : public CollectorRole {
 public:
  Collector(const CollectorConfig& config, const PoolMemory& memory, BlockTable& blocks,
            WantBlock want_block, const std::atomic<bool>& stop)
      : CollectorRole(memory.control, pool::Role::kCollector, config.lane, config.lanes),
        config_(config),
        memory_(memory),
        blocks_(blocks),
        want_block_(std::move(want_block)),
        stop_(stop),
        role_(memory.control, pool::role_line(pool::Role::kCollector, config.lane, config.lanes)),
        collect_(memory.queue(config.lane, pool::Queue::kCollect)),
        done_(memory.queue(config.lane, pool::Queue::kDone)),
        replenish_waker_(memory.control, memory.queues, pool::Role::kReplenish, 0, config.lanes),
        taken_(std::size_t{config.batch} * pool::entry::kBytes),
        taken_blocks_(config.batch),
        taken_errors_(config.batch),
        watch_(role_, {line_of(memory.control, pool::Role::kDrain, config.lane, config.lanes),
                       line_of(memory.control, pool::Role::kReplenish, 0, config.lanes)}) {
    role_.record_owner();
  }

  bool has_work() override {
    return collect_.peek() != nullptr || collect_.ended() || watch_.news();
  }

  // collector.ts's sleep(): on collect[q] for at most one tick (records, its end, a death it had
  // not reported, or `wake_early`).
  void sleep(const std::function<bool()>& wake_early) override {
    static constexpr WaitOutcome kReady = WaitOutcome::kReady;
    const auto work = [&]() -> const WaitOutcome* {
      return has_work() || wake_early() ? &kReady : nullptr;
    };
    static_cast<void>(collect_.ring().wait_until(
        work, ring::notification::kConsumerWaiting, ring::notification::kDataSignal,
        config_.tick_ms, &stop_, config_.tick_ms, config_.spin, &kConsumerSide));
  }

  // collector.ts's step(): a batch in one move, each buffer collected, the batch home in one move.
  std::uint32_t step() override {
    if (collect_.peek() == nullptr) {
      // The closed flag sits on the drain's line: look at it now and then, or once complete.
      if ((memory_.complete() || (++idle_steps_ & 63) == 0) && collect_.ended()) {
        finish();
      } else if (watch_.look() != nullptr && watch_.dead(kDrain) && memory_.complete()) {
        // A dead drain never closes collect[q]: once the run is complete, end on its report.
        finish();
      }
      return 0;
    }
    if ((++busy_steps_ & 255) == 0) watch_.look();
    namespace c = pool::counter::collector;
    // Each move is journalled (Counter.collector.move) as collector.ts's step() does, so that
    // whoever takes the role after this process died mid-move can tell whether the queue's store
    // happened. The hand is stored inside drain's handler: drain frees the slots after it, in
    // one store.
    role_.begin_move();
    // The hand is empty here: a take undone by a retaker goes back to it.
    role_.set_counter(c::kMoveHeld, 0);
    role_.set_counter(c::kMoveTakenRecords, role_.counter(c::kTakenRecords));
    role_.set_counter(
        c::kMove,
        1.0 + collect_.ring().word(ring::consumer::kReadPosition).load(std::memory_order_relaxed));
    std::uint32_t got = 0;
    double records = 0;
    collect_.drain(
        [&](const std::byte* entries, std::uint32_t count) {
          std::byte* const into = taken_.data() + std::size_t{got} * pool::entry::kBytes;
          std::memcpy(into, entries, std::size_t{count} * pool::entry::kBytes);
          double run_records = 0;
          for (std::uint32_t i = 0; i < count; i++)
            run_records += take_one(got + i, into + std::size_t{i} * pool::entry::kBytes);
          got += count;
          records += run_records;
          // The hand's stores, once a run (drain makes at most two, then frees them in one store).
          role_.add(c::kTakenRecords, run_records);
          role_.set_held(static_cast<std::int32_t>(got));
        },
        config_.batch);
    role_.set_counter(c::kMove, 0);
    role_.end_move();
    if (got == 0) return 0;
    for (std::uint32_t i = 0; i < got; i++) {
      std::uint32_t id, length;
      std::memcpy(&id, taken_.data() + i * pool::entry::kBytes + pool::entry::kId, 4);
      std::memcpy(&length, taken_.data() + i * pool::entry::kBytes + pool::entry::kLength, 4);
      collect_one(i, id, length);
    }
    role_.begin_move();
    // Handled: they count as collected whether or not their buffers make it home.
    role_.add(c::kRecords, records);
    for (std::uint32_t i = 0; i < got; i++)  // home empty: done entries carry 0 bytes used
      std::memset(taken_.data() + i * pool::entry::kBytes + pool::entry::kLength, 0, 4);
    role_.set_counter(
        c::kMove,
        -(1.0 + done_.ring().word(ring::producer::kWritePosition).load(std::memory_order_relaxed)));
    // Sized for every buffer of the pool, done[q] cannot be full (see queues.ts).
    static_cast<void>(done_.push_batch(taken_.data(), got));
    role_.set_held(0);
    role_.set_counter(c::kMove, 0);
    role_.end_move();
    ring_replenish();
    return got;
  }

  void finish() override {
    watch_.look_now();
    finished_ = true;
    // Marked before the knock, so replenish sees it when it wakes; done[q] stays open. No push to
    // done[q] comes with an exit, so even lane 0's collector knocks where replenish sleeps.
    role_.mark_exited();
    replenish_waker_.wake();
  }

 private:
  // Resolves the block of the hand's entry `slot` once, keeping it (or why not) for
  // collect_one; returns the records in its buffer (0 where it cannot be read).
  double take_one(std::uint32_t slot, const std::byte* entry) {
    std::uint32_t id, length;
    std::memcpy(&id, entry + pool::entry::kId, 4);
    std::memcpy(&length, entry + pool::entry::kLength, 4);
    taken_blocks_[slot] = nullptr;
    taken_errors_[slot] = RoleError{};
    if (length == 0) return 0;
    const std::byte* block = resolve_block(blocks_, id, config_.buffers_per_block, want_block_,
                                           stop_, taken_errors_[slot]);
    taken_blocks_[slot] = block;
    if (block == nullptr) return 0;
    return count_records(block + std::size_t{pool::index_of(id)} * config_.buffer_size, length);
  }

  // Collects the hand's entry `slot` (its block resolved and its records counted as it was taken).
  void collect_one(std::uint32_t slot, std::uint32_t id, std::uint32_t length) {
    namespace c = pool::counter::collector;
    if (length == 0) return;
    RoleError& error = taken_errors_[slot];
    const std::byte* block = taken_blocks_[slot];
    if (block == nullptr && error.code.empty())
      error.set("UNKNOWN_BLOCK",
                "stopped while waiting for the block of buffer " + std::to_string(id));
    if (block != nullptr) {
      const std::byte* buffer = block + std::size_t{pool::index_of(id)} * config_.buffer_size;
      verify(buffer, length, error);
    }
    if (error.code.empty()) {
      role_.add(c::kCollected, 1);
      role_.add(c::kBytes, length);
      result_.buffers++;
      result_.bytes += length;
    } else {
      role_.add(c::kErrors, 1);
      result_.errors++;
      if (result_.first_error.empty())
        result_.first_error = "buffer " + std::to_string(id) + " of lane " +
                              std::to_string(config_.lane) + ": " + error.message;
    }
    const double fresh = blocks_.registrations() - role_.counter(c::kRegistrations);
    if (fresh > 0) role_.add(c::kRegistrations, fresh);
  }

  // The records in a buffer, walking their headers only (collector.ts's countRecords).
  double count_records(const std::byte* buffer, std::uint32_t length) const {
    if (length > config_.buffer_size) return 0;
    double records = 0;
    for (std::size_t at = 0; at + pool::record::kHeaderBytes <= length; records++) {
      std::uint32_t payload_length = 0;
      std::memcpy(&payload_length, buffer + at + pool::record::kLength, 4);
      at += pool::record_span(payload_length);
    }
    return records;
  }

  // forEachRecord with records.mjs's checkRecord: stops at the first record that is not the
  // pattern (past a bad header nothing can be trusted).
  void verify(const std::byte* buffer, std::uint32_t length, RoleError& error) {
    if (length > config_.buffer_size) {
      error.set("BAD_RECORD", "its " + std::to_string(length) + " bytes used exceed the " +
                                  std::to_string(config_.buffer_size) + "-byte buffer");
      return;
    }
    for (std::size_t at = 0; at < length;) {
      std::uint32_t payload_length = 0, lane = 0;
      std::memcpy(&payload_length, buffer + at + pool::record::kLength, 4);
      const std::size_t span = pool::record_span(payload_length);
      if (at + span > length) {
        error.set("BAD_RECORD", "record at byte " + std::to_string(at) + " claims " +
                                    std::to_string(payload_length) + " bytes, past the buffer's " +
                                    std::to_string(length) + " filled bytes");
        return;
      }
      const std::byte* payload = buffer + at + pool::record::kHeaderBytes;
      const std::int64_t sequence = check_test_record(payload, payload_length);
      if (sequence >= 0) std::memcpy(&lane, payload + 4, 4);
      if (sequence < 0 || lane != config_.lane) {
        error.set("BAD_RECORD",
                  "record at byte " + std::to_string(at) + " (" + std::to_string(payload_length) +
                      " bytes) is not the test pattern of lane " + std::to_string(config_.lane));
        return;
      }
      count_sequence(sequence);
      result_.records++;
      result_.payload_bytes += payload_length;
      at += span;
    }
  }

  void count_sequence(std::int64_t sequence) {
    if (sequence <= result_.max_sequence) {
      result_.out_of_order++;
      return;
    }
    result_.gaps += static_cast<std::uint64_t>(sequence - result_.max_sequence - 1);
    result_.max_sequence = sequence;
  }

  // collector.ts's ringReplenish: replenish sleeps on lane 0's done queue (or its thread's).
  void ring_replenish() const noexcept {
    if (config_.lane == 0)
      replenish_waker_.wake_if_elsewhere();
    else
      replenish_waker_.wake();
  }

  CollectorResult counts() const override { return result_; }

  const CollectorConfig config_;
  const PoolMemory& memory_;
  BlockTable& blocks_;
  const WantBlock want_block_;
  const std::atomic<bool>& stop_;
  RoleLine role_;
  FixedConsumer collect_;
  FixedProducer done_;
  RoleWaker replenish_waker_;
  std::vector<std::byte> taken_;
  std::vector<const std::byte*> taken_blocks_;  // per hand entry: its block, resolved as taken
  std::vector<RoleError> taken_errors_;         // per hand entry: why its block was not

  // Its drain and replenish, in that order: a death is reported; a dead drain ends the collector
  // once the run is complete (nothing else would close collect[q]).
  static constexpr std::size_t kDrain = 0;
  DeathWatch watch_;
  std::uint32_t idle_steps_ = 0;
  std::uint32_t busy_steps_ = 0;
  CollectorResult result_;
};

}  // namespace

std::unique_ptr<CollectorRole> make_collector(const CollectorConfig& config,
                                              const PoolMemory& memory, BlockTable& blocks,
                                              WantBlock want_block, const std::atomic<bool>& stop) {
  return std::make_unique<Collector>(config, memory, blocks, std::move(want_block), stop);
}

}  // namespace ringkit::buffer_pool
