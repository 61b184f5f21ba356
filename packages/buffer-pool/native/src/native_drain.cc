#include "native_drain.hpp"

#include "death_watch.hpp"

namespace ringkit::buffer_pool {

namespace {

namespace pool = ringkit::buffer_pool::layout;
namespace ring = ringkit::layout;

class Drain final : public DrainRole {
 public:
  Drain(const DrainConfig& config, const PoolMemory& memory, const std::atomic<bool>& stop)
      : DrainRole(memory.control, pool::Role::kDrain, config.lane, config.lanes),
        config_(config),
        memory_(memory),
        stop_(stop),
        role_(memory.control, pool::role_line(pool::Role::kDrain, config.lane, config.lanes)),
        ready_(memory.queue(config.lane, pool::Queue::kReady)),
        recycled_(memory.queue(config.lane, pool::Queue::kRecycled)),
        free_(memory.queue(config.lane, pool::Queue::kFree)),
        collect_(memory.queue(config.lane, pool::Queue::kCollect)),
        to_free_(free_.ring().capacity()),
        to_collector_(collect_.ring().capacity()),
        collector_waker_(memory.control, memory.queues, pool::Role::kCollector, config.lane,
                         config.lanes),
        producer_waker_(memory.control, memory.queues, pool::Role::kProducer, config.lane,
                        config.lanes),
        watch_(role_, {line_of(memory.control, pool::Role::kProducer, config.lane, config.lanes),
                       line_of(memory.control, pool::Role::kCollector, config.lane, config.lanes),
                       line_of(memory.control, pool::Role::kReplenish, 0, config.lanes)}) {
    role_.record_owner();
  }

  // drain.ts's step(): both hops in one move window, each published once for the batch.
  std::uint32_t step() override {
    if (ready_.peek() == nullptr && recycled_.peek() == nullptr) {
      // Nothing to move. The end is checked now and then: the closed flag sits on the producer's
      // line.
      if (memory_.complete() || (++idle_steps_ & 63) == 0) finish_if_ended();
      watch_.look();
      return 0;
    }
    if ((++busy_steps_ & 255) == 0) watch_.look();
    role_.begin_move();
    const std::uint32_t refilled = recycled_.drain(
        [&](const std::byte* entries, std::uint32_t count) { to_free_.add(entries, count, true); });
    to_free_.publish(free_);
    const std::uint32_t handed = ready_.drain([&](const std::byte* entries, std::uint32_t count) {
      to_collector_.add(entries, count, false);
    });
    to_collector_.publish(collect_);
    role_.end_move();
    if (refilled > 0) {
      role_.add(pool::counter::drain::kRefills, refilled);
      result_.refills += refilled;
      producer_waker_.wake_if_elsewhere();
    }
    if (handed > 0) {
      role_.add(pool::counter::drain::kHandoffs, handed);
      result_.handoffs += handed;
      collector_waker_.wake_if_elsewhere();
    }
    return refilled + handed;
  }

  bool has_work() override {
    return ready_.peek() != nullptr || memory_.complete() || depth_of(recycled_.ring()) > 0 ||
           watch_.news();
  }

  // drain.ts's sleep(): on ready[q] for at most one tick, woken by records, the stream's end,
  // complete, recycled[q] refilled (replenish knocks on ready[q]), a death it had not reported,
  // or `wake_early`.
  void sleep(const std::function<bool()>& wake_early) override {
    static constexpr WaitOutcome kReady = WaitOutcome::kReady;
    const auto work = [&]() -> const WaitOutcome* {
      if (ready_.peek() != nullptr || ready_.ended() || memory_.complete() ||
          depth_of(recycled_.ring()) > 0 || watch_.news() || wake_early())
        return &kReady;
      return nullptr;
    };
    static_cast<void>(ready_.ring().wait_until(
        work, ring::notification::kConsumerWaiting, ring::notification::kDataSignal,
        config_.tick_ms, &stop_, config_.tick_ms, config_.spin, &kConsumerSide));
  }

  void finish() override {
    watch_.look_now();
    finished_ = true;
    // The collector drains what it was handed, then sees the end and exits.
    collect_.close();
    role_.mark_exited();
  }

 private:
  void finish_if_ended() {
    if (ready_.ended() || (memory_.complete() && ready_.peek() == nullptr)) finish();
  }

  DrainResult counts() const override { return result_; }

  const DrainConfig config_;
  const PoolMemory& memory_;
  const std::atomic<bool>& stop_;
  RoleLine role_;
  FixedConsumer ready_;
  FixedConsumer recycled_;
  FixedProducer free_;
  FixedProducer collect_;
  Staged to_free_;
  Staged to_collector_;
  RoleWaker collector_waker_;
  RoleWaker producer_waker_;
  // Its producer, collector and replenish: a death among them is reported; the drain keeps running.
  DeathWatch watch_;
  std::uint32_t idle_steps_ = 0;
  std::uint32_t busy_steps_ = 0;
  DrainResult result_;
};

}  // namespace

std::unique_ptr<DrainRole> make_drain(const DrainConfig& config, const PoolMemory& memory,
                                      const std::atomic<bool>& stop) {
  return std::make_unique<Drain>(config, memory, stop);
}

}  // namespace ringkit::buffer_pool
