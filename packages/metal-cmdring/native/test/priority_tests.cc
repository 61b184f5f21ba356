// allocation_strategy priority: fences that retire out of order across levels.
// Over the hand-driven backend the order is the test's; over the cpu backend it
// is the executor's pick (highest non-empty level first, fence order within one).
#include <dlfcn.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "ringkit/cmdring/cpu_backend.hpp"
#include "ringkit/cmdring/cuda_backend.hpp"
#include "ringkit/cmdring/ring.hpp"
#include "test_support.hpp"

using namespace ringkit::cmdring;
using namespace cmdring_test;

namespace {

RingConfig prioritised(std::uint32_t size, std::uint32_t levels) {
  RingConfig config = ring_of(size);
  config.priority_levels = levels;
  return config;
}

void must_commit_at(Ring& ring, Slot slot, std::uint32_t priority,
                    CompletionCallback callback = {}) {
  if (Status refused = ring.commit(slot, std::move(callback), priority)) {
    throw CheckFailed("commit failed: " + refused->message);
  }
}

std::vector<std::uint64_t> fences_of(const std::vector<CompletionRecord>& records) {
  std::vector<std::uint64_t> fences;
  for (const CompletionRecord& record : records) fences.push_back(record.fence);
  return fences;
}

// A backend that keeps Backend's default use_priority_levels, as metal does.
class RoundRobinOnlyBackend final : public Backend {
 public:
  std::string_view name() const noexcept override { return "round-robin-only"; }
  void start(CompletionSink&, std::uint32_t) override {}
  void begin_slot(std::uint32_t) noexcept override {}
  Status submit(std::uint32_t, std::uint64_t, std::uint32_t) override { return std::nullopt; }
  void shutdown(bool) noexcept override {}
};

struct CpuPriorityRing {
  CpuPriorityRing(RingConfig config, std::span<std::byte> completion_memory) {
    auto owned = std::make_unique<CpuBackend>();
    cpu = owned.get();
    ring = std::make_unique<Ring>(config, std::move(owned), std::span<std::byte>{}, WaitLog{},
                                  completion_memory);
  }
  CpuBackend* cpu = nullptr;
  std::unique_ptr<Ring> ring;
};

}  // namespace

CMDRING_TEST("core", "priority_levels outside 1 to 8 are refused with one sentence naming them") {
  for (const std::uint32_t levels : {0u, kMaxPriorityLevels + 1}) {
    try {
      ManualRing manual(prioritised(4, levels));
      CHECK_MSG(false, "priority_levels=" << levels << " was accepted");
    } catch (const Failure& failure) {
      CHECK_EQ(failure.error().code, error_code::kInvalidOptions);
      CHECK_MSG(failure.error().message.find("priority_levels=" + std::to_string(levels)) !=
                    std::string::npos,
                failure.error().message);
    }
  }
}

CMDRING_TEST("core", "a backend without priority levels refuses a priority ring, saying so") {
  try {
    Ring ring(prioritised(2, 2), std::make_unique<RoundRobinOnlyBackend>());
    CHECK_MSG(false, "the ring opened");
  } catch (const Failure& failure) {
    CHECK_EQ(failure.error().code, error_code::kInvalidOptions);
    CHECK_MSG(failure.error().message.find("round-robin-only backend: allocation_strategy "
                                           "priority (2 levels) is not supported") == 0,
              failure.error().message);
  }
}

CMDRING_TEST("core", "commit refuses a priority outside the ring's levels with INVALID_OPTIONS") {
  ManualRing round_robin(ring_of(2));
  const Slot slot = must_acquire(*round_robin.ring);
  Status refused = round_robin.ring->commit(slot, {}, 1);
  CHECK(refused.has_value());
  CHECK_EQ(refused->code, error_code::kInvalidOptions);
  CHECK_MSG(refused->message.find("priority_levels=1") != std::string::npos, refused->message);
  must_commit(*round_robin.ring, slot);  // the slot is still held: the refusal changed nothing

  ManualRing manual(prioritised(2, 3));
  const Slot held = must_acquire(*manual.ring);
  refused = manual.ring->commit(held, {}, 3);
  CHECK(refused.has_value());
  CHECK_EQ(refused->code, error_code::kInvalidOptions);
  must_commit_at(*manual.ring, held, 2);
  CHECK(manual.backend->priorities() == std::vector<std::uint32_t>{2});
  CHECK_EQ(manual.backend->priority_levels(), 3u);
}

CMDRING_TEST("core",
             "with priorities a later fence retires first: wait_for_fence, completed(), the "
             "callbacks, the records and the statistics each stay exact") {
  CompletionRingMemory completions;
  ManualRing manual(prioritised(4, 2), {}, completions.memory());
  Ring& ring = *manual.ring;
  CompletionLog log;
  must_commit_at(ring, must_acquire(ring), 0, log.callback());
  must_commit_at(ring, must_acquire(ring), 1, log.callback());
  must_commit_at(ring, must_acquire(ring), 0, log.callback());
  CHECK(manual.backend->priorities() == (std::vector<std::uint32_t>{0, 1, 0}));

  CHECK(manual.backend->complete(2));
  CHECK(!ring.wait_for_fence(2, 1.0).has_value());
  CHECK_EQ(ring.wait_for_fence(1, 1.0)->code, error_code::kWaitTimeout);
  CHECK_EQ(ring.completed(), 0u);  // fence 1 is still in flight: the watermark stays
  CHECK_EQ(ring.retired(), 1u);
  CHECK_EQ(ring.statistics().completed_fences, 1u);
  CHECK_EQ(ring.statistics().submitted_fences, 3u);
  CHECK_EQ(log.code_of(2), "");
  CHECK_EQ(log.code_of(1), "(not called)");

  CHECK(manual.backend->complete(1));
  CHECK_EQ(ring.completed(), 2u);  // climbs through fence 2, which retired ahead
  CHECK(manual.backend->complete(3));
  CHECK_EQ(ring.completed(), 3u);
  CHECK_EQ(ring.statistics().completed_fences, 3u);
  CHECK_EQ(log.size(), 3u);
  const std::vector<CompletionRecord> records = completions.drain();
  CHECK(fences_of(records) == (std::vector<std::uint64_t>{2, 1, 3}));
  CHECK_EQ(records[0].slot, 1u);
  CHECK_EQ(records[1].slot, 0u);
  CHECK(!ring.close(1000).has_value());
  CHECK_EQ(ring.abandoned_fences(), 0u);
}

CMDRING_TEST("core",
             "with priorities a slot is free once its own fence retired: an acquire takes the "
             "slot free longest, not the next in turn") {
  ManualRing manual(prioritised(2, 2));
  Ring& ring = *manual.ring;
  const Slot first = must_acquire(ring);
  const Slot second = must_acquire(ring);
  CHECK_EQ(first.index, 0u);
  CHECK_EQ(second.index, 1u);
  must_commit_at(ring, first, 0);
  must_commit_at(ring, second, 1);
  CHECK(manual.backend->complete(2));
  Result<Slot> third = ring.acquire(50.0);
  CHECK(third.ok());
  CHECK_EQ(third.value().index, 1u);  // slot 0 still runs fence 1
  CHECK_EQ(third.value().fence, 3u);
  CHECK_EQ(ring.statistics().current_index, 2u);  // ring_size: no slot free now
  must_commit_at(ring, third.value(), 0);
}

CMDRING_TEST("core",
             "with priorities a failure poisons the fences after it that had not retired, and "
             "a later fence that retired before it keeps its success") {
  ManualRing manual(prioritised(4, 2));
  Ring& ring = *manual.ring;
  CompletionLog log;
  must_commit_at(ring, must_acquire(ring), 0, log.callback());  // 1: fails
  must_commit_at(ring, must_acquire(ring), 1, log.callback());  // 2: retires before 1 fails
  must_commit_at(ring, must_acquire(ring), 1, log.callback());  // 3: retires after
  CHECK(manual.backend->complete(2));
  CHECK(manual.backend->fail(1, "injected"));
  CHECK(manual.backend->complete(3));
  CHECK_EQ(log.code_of(1), error_code::kCommandFailed);
  CHECK_EQ(log.code_of(2), "");
  CHECK_EQ(log.code_of(3), error_code::kPoisoned);
  CHECK_EQ(ring.wait_for_fence(1)->code, error_code::kCommandFailed);
  CHECK(!ring.wait_for_fence(2).has_value());
  CHECK_EQ(ring.wait_for_fence(3)->code, error_code::kPoisoned);
  CHECK_EQ(ring.statistics().completed_fences, 3u);
  CHECK_EQ(ring.completed(), 3u);
}

CMDRING_TEST("core",
             "close that gives up with fences queued at several levels abandons exactly the ones "
             "still in flight, and a late report changes nothing") {
  ManualRing manual(prioritised(4, 3));
  Ring& ring = *manual.ring;
  CompletionLog log;
  must_commit_at(ring, must_acquire(ring), 0, log.callback());
  must_commit_at(ring, must_acquire(ring), 2, log.callback());
  must_commit_at(ring, must_acquire(ring), 1, log.callback());
  must_commit_at(ring, must_acquire(ring), 2, log.callback());
  CHECK(manual.backend->complete(2));
  CHECK(manual.backend->complete(4));
  Status closed = ring.close(20);
  CHECK(closed.has_value());
  CHECK_EQ(closed->code, error_code::kCloseTimeout);
  CHECK_MSG(closed->message.find("with 2 fence(s) still in flight") != std::string::npos,
            closed->message);
  CHECK_EQ(ring.abandoned_fences(), 2u);
  CHECK_EQ(log.count(error_code::kCloseTimeout), 2);
  CHECK_EQ(log.code_of(1), error_code::kCloseTimeout);
  CHECK_EQ(log.code_of(3), error_code::kCloseTimeout);
  CHECK(manual.backend->complete(3));  // the device reports one anyway
  CHECK_EQ(ring.wait_for_fence(3)->code, error_code::kCloseTimeout);
  CHECK(!ring.wait_for_fence(4).has_value());
  CHECK_EQ(ring.abandoned_fences(), 2u);
  CHECK_EQ(log.size(), 4u);
}

CMDRING_TEST("cpu",
             "the executor runs a high-priority command before low-priority ones queued ahead "
             "of it, and within a level keeps fence order") {
  CompletionRingMemory completions;
  CpuPriorityRing cpu_ring(prioritised(8, 3), completions.memory());
  Ring& ring = *cpu_ring.ring;
  // Fence 1's callback runs on the executor thread: holding it there keeps the
  // executor busy while the test queues the rest, so the pick order is certain.
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex order_mutex;
  std::vector<std::uint64_t> callback_order;
  // On the executor thread, where a failed CHECK could not throw: a failure notes fence 0.
  auto note = [&](std::uint64_t fence, const Error* error) {
    std::lock_guard lock(order_mutex);
    callback_order.push_back(error == nullptr ? fence : 0);
  };
  must_commit_at(ring, must_acquire(ring), 0, [&](std::uint64_t fence, const Error* error) {
    note(fence, error);
    entered.set_value();
    released.wait();
  });
  entered.get_future().wait();
  const std::uint32_t levels[] = {0, 0, 1, 0, 2, 1, 2};  // fences 2 to 8
  for (const std::uint32_t level : levels) {
    const Slot slot = must_acquire(ring);
    cpu_ring.cpu->busy_for_us(slot, 10);
    must_commit_at(ring, slot, level, note);
  }
  release.set_value();
  CHECK(!ring.wait_for_fence(8, 10'000.0).has_value());
  CHECK(eventually([&] { return ring.retired() == 8; }));
  // Level 2 first (6, 8), then level 1 (4, 7), then level 0 (2, 3, 5).
  const std::vector<std::uint64_t> expected{1, 6, 8, 4, 7, 2, 3, 5};
  CHECK(fences_of(completions.drain()) == expected);
  {
    std::lock_guard lock(order_mutex);
    CHECK(callback_order == expected);
  }
  const Statistics statistics = ring.statistics();
  CHECK_EQ(statistics.submitted_fences, 8u);
  CHECK_EQ(statistics.completed_fences, 8u);
  CHECK_EQ(statistics.total_acquisitions, 8u);
  CHECK_EQ(statistics.total_releases, 8u);
  CHECK_EQ(ring.completed(), 8u);
  CHECK(!ring.close(5000).has_value());
}

CMDRING_TEST("cpu",
             "random priorities over many commands: every fence settles once, in fence order "
             "within its level, and the counters balance") {
  CompletionRingMemory completions(4096);
  CpuPriorityRing cpu_ring(prioritised(6, 4), completions.memory());
  Ring& ring = *cpu_ring.ring;
  std::mt19937 random(23);
  constexpr std::uint64_t kCommands = 3000;
  std::map<std::uint64_t, std::uint32_t> level_of;
  std::mutex settled_mutex;
  std::vector<std::uint64_t> settled;
  for (std::uint64_t i = 0; i < kCommands; ++i) {
    const Slot slot = must_acquire(ring);
    const std::uint32_t level = random() % 4;
    level_of[slot.fence] = level;
    cpu_ring.cpu->busy_for_us(slot, random() % 4);
    must_commit_at(ring, slot, level, [&](std::uint64_t fence, const Error* error) {
      std::lock_guard lock(settled_mutex);
      settled.push_back(error == nullptr ? fence : 0);  // 0 fails the order check below
    });
    if (i % 512 == 511) completions.drain();  // keep the completion ring from dropping
  }
  CHECK(!ring.close(10'000).has_value());
  std::vector<std::uint64_t> sorted = settled;
  std::sort(sorted.begin(), sorted.end());
  CHECK_EQ(sorted.size(), kCommands);
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  std::map<std::uint32_t, std::uint64_t> last_in_level;
  for (const std::uint64_t fence : settled) {
    std::uint64_t& last = last_in_level[level_of[fence]];
    CHECK_MSG(fence > last, "fence " << fence << " settled after " << last << " in its level");
    last = fence;
  }
  const Statistics statistics = ring.statistics();
  CHECK_EQ(statistics.submitted_fences, kCommands);
  CHECK_EQ(statistics.completed_fences, kCommands);
  CHECK_EQ(ring.completed(), kCommands);
  CHECK_EQ(completions.stats().dropped, 0u);
}

CMDRING_TEST("cuda",
             "priority levels get one stream each, created with priorities spread over the "
             "device's range, and every fence at every level settles once") {
  // The stand-in driver says which priorities it was given; a real one cannot.
  using StreamPriorities = int (*)(int*, int);
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  const auto stream_priorities = driver == nullptr
                                     ? nullptr
                                     : reinterpret_cast<StreamPriorities>(
                                           dlsym(driver, "ringkit_fake_cuda_stream_priorities"));
  int before[16] = {};
  const int created_before = stream_priorities != nullptr ? stream_priorities(before, 16) : 0;

  CompletionRingMemory completions;
  auto owned = create_cuda_backend(GpuBackendOptions{});
  GpuBackend* gpu = owned.get();
  Ring ring(prioritised(4, 3), std::move(owned), std::span<std::byte>{}, WaitLog{},
            completions.memory());
  const KernelId spin = gpu->builtin_kernel(BuiltinKernel::kSpin);
  CompletionLog log;
  for (std::uint32_t i = 0; i < 12; ++i) {
    const Slot slot = must_acquire(ring);
    const KernelArg args[] = {KernelArg::u64(20'000), KernelArg::u64(0)};
    gpu->launch(slot, spin, Dim3{1}, Dim3{1}, args);
    must_commit_at(ring, slot, i % 3, log.callback());
  }
  CHECK(!ring.close(10'000).has_value());
  CHECK_EQ(log.size(), 12u);
  CHECK_EQ(log.count(""), 12);
  CHECK_EQ(ring.statistics().completed_fences, 12u);
  std::vector<std::uint64_t> fences = fences_of(completions.drain());
  std::sort(fences.begin(), fences.end());
  CHECK_EQ(fences.size(), 12u);
  CHECK_EQ(fences.front(), 1u);
  CHECK_EQ(fences.back(), 12u);
  if (stream_priorities != nullptr) {
    int after[16] = {};
    const int created = stream_priorities(after, 16);
    CHECK_EQ(created - created_before, 3);
    CHECK_EQ(after[created - 3], 0);   // level 0: the least urgent, the default
    CHECK_EQ(after[created - 2], -2);  // between
    CHECK_EQ(after[created - 1], -5);  // the top level: the device's greatest
  }
  if (driver != nullptr) dlclose(driver);
}
