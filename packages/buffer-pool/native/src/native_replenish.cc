#include "native_replenish.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "death_watch.hpp"

namespace ringkit::buffer_pool {

namespace {

namespace pool = ringkit::buffer_pool::layout;
namespace ring = ringkit::layout;

// What measure() counts as a dead lane's available buffers: never the neediest, never short.
constexpr std::int64_t kDeadLane = std::int64_t{1} << 30;

// Every lane's producer, drain and collector, in that order: what replenish watches.
std::vector<RoleLine> lane_roles(std::byte* control, std::uint32_t lanes) {
  std::vector<RoleLine> lines;
  for (std::uint32_t lane = 0; lane < lanes; lane++)
    for (const pool::Role role :
         {pool::Role::kProducer, pool::Role::kDrain, pool::Role::kCollector})
      lines.push_back(line_of(control, role, lane, lanes));
  return lines;
}

class Replenish final : public ReplenishRole {
 public:
  Replenish(const ReplenishConfig& config, const PoolMemory& memory, BlockTable& blocks,
            AllocateBlock allocate, AnswerWants answer_wants, const std::atomic<bool>& stop)
      : ReplenishRole(memory.control, pool::Role::kReplenish, 0, config.lanes),
        config_(config),
        memory_(memory),
        table_(blocks),
        allocate_(std::move(allocate)),
        answer_wants_(std::move(answer_wants)),
        stop_(stop),
        role_(memory.control, pool::role_line(pool::Role::kReplenish, 0, config.lanes)),
        blocks_(static_cast<std::uint32_t>(memory.pool_word(pool::pool_word::kBlocks))),
        available_(config.lanes, 0),
        refilled_(config.lanes, false),
        watch_(role_, lane_roles(memory.control, config.lanes)) {
    role_.record_owner();
    done_.reserve(config.lanes);
    recycled_.reserve(config.lanes);
    staged_.reserve(config.lanes);
    collectors_.reserve(config.lanes);
    drain_wakers_.reserve(config.lanes);
    for (std::uint32_t lane = 0; lane < config.lanes; lane++) {
      done_.emplace_back(memory.queue(lane, pool::Queue::kDone));
      recycled_.emplace_back(memory.queue(lane, pool::Queue::kRecycled));
      staged_.emplace_back(recycled_.back().ring().capacity());
      collectors_.emplace_back(memory.control,
                               pool::role_line(pool::Role::kCollector, lane, config.lanes));
      drain_wakers_.emplace_back(memory.control, memory.queues, pool::Role::kDrain, lane,
                                 config.lanes);
    }
  }

  // replenish.ts's step(): every lane's done queue routed in one move window, then top-ups.
  std::uint32_t step() override {
    answer_wants();
    if (!any_done() && !due_for_top_up()) {
      // Exited is stored after a collector's last push: seeing it first, then no entries, misses
      // nothing.
      if (memory_.complete() && collectors_exited() && !any_done()) finish();
      watch_.look();
      return 0;
    }
    if ((++busy_steps_ & 255) == 0) watch_.look();
    measure();
    std::uint32_t moved = 0;
    role_.begin_move();
    for (std::uint32_t lane = 0; lane < config_.lanes; lane++) {
      routing_from_ = static_cast<std::int32_t>(lane);
      moved += done_[lane].drain([&](const std::byte* entries, std::uint32_t count) {
        for (std::uint32_t i = 0; i < count; i++) {
          std::uint32_t id;
          std::memcpy(&id, entries + i * pool::entry::kBytes + pool::entry::kId, 4);
          route(id);
        }
      });
    }
    publish();
    role_.end_move();
    moved += top_up();
    wake_refilled_drains();
    return moved;
  }

  // replenish.ts's wakeFor: after complete only returning buffers and exiting collectors count;
  // a death it had not reported always does.
  bool has_work() override {
    if (watch_.news()) return true;
    if (memory_.complete()) return any_done() || collectors_exited();
    return memory_.pool_word(pool::pool_word::kBlockWanted) != 0 || any_done() || needs_block();
  }

  // replenish.ts's sleep(): on lane 0's done queue for at most one tick. After complete it waits
  // for returning buffers and for the collectors to exit, not for anything else.
  void sleep(const std::function<bool()>& wake_early) override {
    knocked_ = true;
    static constexpr WaitOutcome kReady = WaitOutcome::kReady;
    const auto work = [&]() -> const WaitOutcome* {
      return has_work() || wake_early() ? &kReady : nullptr;
    };
    static_cast<void>(done_[0].ring().wait_until(
        work, ring::notification::kConsumerWaiting, ring::notification::kDataSignal,
        config_.tick_ms, &stop_, config_.tick_ms, config_.spin, &kConsumerSide));
  }

  void finish() override {
    watch_.look_now();
    finished_ = true;
    role_.mark_exited();
  }

 private:
  // The lane furthest below its high watermark; a returning buffer leaves home only for a lane
  // whose deficit is larger by more than the low watermark (lanes of equal speed keep their own
  // buffers and caches, replenish.ts), unless home is a dead lane: then any live lane is better.
  std::uint32_t neediest_lane() const noexcept {
    const auto high = static_cast<std::int64_t>(config_.high_watermark);
    const auto margin = routing_from_ >= 0 ? static_cast<std::int64_t>(config_.low_watermark) : 0;
    std::uint32_t best = static_cast<std::uint32_t>(std::max(routing_from_, 0));
    std::int64_t best_deficit = available_[best] == kDeadLane
                                    ? -kDeadLane
                                    : std::max<std::int64_t>(0, high - available_[best]) + margin;
    for (std::uint32_t lane = 0; lane < config_.lanes; lane++) {
      const std::int64_t deficit = high - available_[lane];
      if (deficit > best_deficit) {
        best_deficit = deficit;
        best = lane;
      }
    }
    return best;
  }

  void route(std::uint32_t id) {
    namespace c = pool::counter::replenish;
    const std::uint32_t lane = neediest_lane();
    staged_[lane].add_id(id);
    available_[lane]++;
    refilled_[lane] = true;
    role_.add(c::kRouted, 1);
    result_.routed++;
    if (routing_from_ >= 0 && lane != static_cast<std::uint32_t>(routing_from_)) {
      role_.add(c::kRebalanced, 1);
      result_.rebalanced++;
    }
  }

  void publish() {
    for (std::uint32_t lane = 0; lane < config_.lanes; lane++)
      staged_[lane].publish(recycled_[lane]);
  }

  // Drains sleep on ready[q]; tell the ones whose recycled queue just filled.
  void wake_refilled_drains() {
    for (std::uint32_t lane = 0; lane < config_.lanes; lane++) {
      if (!refilled_[lane]) continue;
      refilled_[lane] = false;
      drain_wakers_[lane].wake();
    }
  }

  // Allocates blocks while some lane is below its low watermark. Unlike replenish.ts the block
  // is obtained before its move window (the JS thread makes it, which takes an event-loop turn),
  // so the sequence is never left odd while waiting; the window then stores the block count and
  // queues its ids together.
  std::uint32_t top_up() {
    namespace c = pool::counter::replenish;
    std::uint32_t carved = 0;
    while (!memory_.complete() && blocks_ < config_.max_blocks && below_low()) {
      const std::uint32_t block = blocks_;
      if (table_.find(block) == nullptr) {
        table_.request(block);
        allocate_(block);
      }
      if (!await_block(block)) return carved;
      role_.begin_move();
      blocks_ = block + 1;
      memory_.set_pool_word(pool::pool_word::kBlocks, static_cast<std::int32_t>(blocks_));
      role_.add(c::kRegistrations, 1);
      role_.add(c::kBlocksAllocated, 1);
      result_.registrations++;
      result_.blocks_allocated++;
      routing_from_ = -1;
      for (std::uint32_t index = 0; index < config_.buffers_per_block; index++)
        route((block << pool::buffer_id::kBlockShift) | index);
      publish();
      role_.end_move();
      carved += config_.buffers_per_block;
    }
    return carved;
  }

  // Waits for the JS thread to hand block N over. It has to come round its event loop first; one
  // that has not started on the request within the timeout ends the run with ALLOCATION_TIMEOUT.
  // One that has taken the request always delivers (or stops this thread), so it is waited for.
  bool await_block(std::uint32_t block) {
    if (table_.wait_for(block, config_.allocation_timeout_ms, stop_) != nullptr) return true;
    while (!stop_.load(std::memory_order_relaxed)) {
      if (table_.withdraw_request(block)) {
        result_.error.set("ALLOCATION_TIMEOUT",
                          "the JS thread that started the native replenish did not allocate "
                          "block " +
                              std::to_string(block) + " within " +
                              js_number(config_.allocation_timeout_ms) +
                              " ms: keep its event loop turning (await join(), do not block it) "
                              "while the native replenish runs, or raise allocationTimeoutMs.");
        finish();
        return false;
      }
      if (table_.wait_for(block, config_.allocation_timeout_ms, stop_) != nullptr) return true;
    }
    return false;
  }

  // Watermarks are looked at whenever buffers come back, after a sleep (whoever woke it may want a
  // top-up), and otherwise on every 64th idle step.
  bool due_for_top_up() {
    if (knocked_ || (++idle_steps_ & 63) == 0) {
      knocked_ = false;
      return !memory_.complete() && blocks_ < config_.max_blocks;
    }
    return false;
  }

  bool below_low() const noexcept {
    return std::any_of(available_.begin(), available_.end(),
                       [&](std::int64_t count) { return count < config_.low_watermark; });
  }

  void measure() {
    for (std::uint32_t lane = 0; lane < config_.lanes; lane++)
      available_[lane] = lane_dead(lane)
                             ? kDeadLane
                             : depth_of(memory_.queue(lane, pool::Queue::kFree)) +
                                   depth_of(memory_.queue(lane, pool::Queue::kRecycled));
  }

  // A lane with a dead role (as last looked): it gets no buffers (they would never come back)
  // and no blocks.
  bool lane_dead(std::uint32_t lane) const noexcept {
    return watch_.dead(3 * lane) || watch_.dead(3 * lane + 1) || watch_.dead(3 * lane + 2);
  }

  bool needs_block() {
    if (memory_.complete() || blocks_ >= config_.max_blocks) return false;
    measure();
    return below_low();
  }

  bool any_done() {
    return std::any_of(done_.begin(), done_.end(),
                       [](FixedConsumer& done) { return done.peek() != nullptr; });
  }

  // A dead collector never exits: once one was reported, it counts as ended (its lane is
  // reported), as in replenish.ts.
  bool collectors_exited() const {
    const bool some_died = role_.report() != 0;
    return std::all_of(collectors_.begin(), collectors_.end(), [&](const RoleLine& collector) {
      return collector.exited() || (some_died && collector.dead());
    });
  }

  // Participants that joined after a block's broadcast ask for it again: the JS thread answers.
  void answer_wants() {
    if (memory_.pool_word(pool::pool_word::kBlockWanted) == 0) return;
    memory_.set_pool_word(pool::pool_word::kBlockWanted, 0);
    answer_wants_();
  }

  ReplenishResult counts() const override { return result_; }

  const ReplenishConfig config_;
  const PoolMemory& memory_;
  BlockTable& table_;
  const AllocateBlock allocate_;
  const AnswerWants answer_wants_;
  const std::atomic<bool>& stop_;
  RoleLine role_;
  std::uint32_t blocks_;
  std::vector<FixedConsumer> done_;
  std::vector<FixedProducer> recycled_;
  std::vector<Staged> staged_;
  std::vector<RoleLine> collectors_;
  std::vector<RoleWaker> drain_wakers_;
  // Buffers each lane can hand out now (free + recycled), kept current during a step.
  std::vector<std::int64_t> available_;
  std::vector<bool> refilled_;
  std::int32_t routing_from_ = 0;
  std::uint32_t idle_steps_ = 0;
  bool knocked_ = true;
  std::uint32_t busy_steps_ = 0;
  // Every lane's producer, drain and collector: a death is reported; the other lanes keep being
  // served.
  DeathWatch watch_;
  ReplenishResult result_;
};

}  // namespace

std::unique_ptr<ReplenishRole> make_replenish(const ReplenishConfig& config,
                                              const PoolMemory& memory, BlockTable& blocks,
                                              AllocateBlock allocate, AnswerWants answer_wants,
                                              const std::atomic<bool>& stop) {
  return std::make_unique<Replenish>(config, memory, blocks, std::move(allocate),
                                     std::move(answer_wants), stop);
}

}  // namespace ringkit::buffer_pool
