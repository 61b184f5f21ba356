// The ring over the cpu backend: real threads, real op execution, the stress run.
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "ringkit/cmdring/backend_loop.hpp"
#include "ringkit/cmdring/busy_work.hpp"
#include "ringkit/cmdring/cpu_backend.hpp"
#include "ringkit/cmdring/ring.hpp"
#include "test_support.hpp"

using namespace ringkit::cmdring;
using namespace cmdring_test;

namespace {

struct CpuRing {
  explicit CpuRing(RingConfig config, CpuBackendOptions options = {},
                   std::span<std::byte> completion_memory = {}) {
    auto owned = std::make_unique<CpuBackend>(options);
    cpu = owned.get();
    ring = std::make_unique<Ring>(config, std::move(owned), std::span<std::byte>{}, WaitLog{},
                                  completion_memory);
  }
  CpuBackend* cpu = nullptr;
  std::unique_ptr<Ring> ring;
};

std::uint64_t fnv1a64(const std::byte* bytes, std::size_t length) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < length; ++i) {
    hash ^= static_cast<std::uint8_t>(bytes[i]);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

}  // namespace

CMDRING_TEST("cpu",
             "fill, copy and checksum compute what they say, readable in the completion "
             "callback") {
  CpuBackendOptions options;
  options.buffer_bytes = 4096;
  CpuRing cpu_ring(ring_of(2), options);
  Ring& ring = *cpu_ring.ring;
  CpuBackend& cpu = *cpu_ring.cpu;

  const Slot slot = must_acquire(ring);
  std::span<std::byte> source = cpu.buffer(slot, 0);
  for (std::size_t i = 0; i < source.size(); ++i) source[i] = std::byte(i * 7);
  cpu.fill(slot, 1, 0xab);
  cpu.copy(slot, 0, 1, 1000);
  const std::uint32_t checksum = cpu.checksum(slot, 1);

  std::vector<std::byte> expected(4096, std::byte{0xab});
  for (std::size_t i = 0; i < 1000; ++i) expected[i] = std::byte(i * 7);
  std::uint64_t seen = 0;
  std::vector<std::byte> seen_buffer;
  must_commit(ring, slot, [&](std::uint64_t, const Error* error) {
    if (error != nullptr) return;
    seen = cpu.result(slot, checksum);
    std::span<std::byte> out = cpu.buffer(slot, 1);
    seen_buffer.assign(out.begin(), out.end());
  });
  CHECK(!ring.wait_for_fence(slot.fence).has_value());
  CHECK_EQ(seen, fnv1a64(expected.data(), expected.size()));
  CHECK(seen_buffer == expected);
}

CMDRING_TEST("cpu", "recording refuses bad op arguments with INVALID_OP naming them") {
  CpuBackendOptions options;
  options.buffer_bytes = 256;
  options.results_per_slot = 1;
  CpuRing cpu_ring(ring_of(1), options);
  CpuBackend& cpu = *cpu_ring.cpu;
  const Slot slot = must_acquire(*cpu_ring.ring);
  auto refusal = [](auto&& record) -> std::string {
    try {
      record();
    } catch (const Failure& failure) {
      return failure.code() + ": " + failure.what();
    }
    return "accepted";
  };
  std::string text = refusal([&] { cpu.fill(slot, 2, 0); });
  CHECK_MSG(text.find("INVALID_OP: fill buffer 2 does not exist") == 0, text);
  text = refusal([&] { cpu.copy(slot, 0, 1, 257); });
  CHECK_MSG(
      text.find("copy of 257 bytes overruns the slot's 256-byte buffers") != std::string::npos,
      text);
  text = refusal([&] { cpu.busy_for_us(slot, CpuBackend::kMaxBusyMicroseconds + 1); });
  CHECK_MSG(text.find("INVALID_OP") == 0, text);
  text = refusal([&] { cpu.fill(Slot{5, 1}, 0, 0); });
  CHECK_MSG(text.find("slot index 5") != std::string::npos, text);
  CHECK_EQ(refusal([&] { cpu.checksum(slot, 0); }), "accepted");
  text = refusal([&] { cpu.checksum(slot, 0); });
  CHECK_MSG(text.find("results_per_slot=1") != std::string::npos, text);
  must_commit(*cpu_ring.ring, slot);
  CHECK(!cpu_ring.ring->wait_for_fence(slot.fence).has_value());
}

CMDRING_TEST("cpu",
             "an injected failing op poisons the ring: pending and later acquires are "
             "rejected with its message as the cause, and nothing aborts") {
  CpuRing cpu_ring(ring_of(1));
  Ring& ring = *cpu_ring.ring;
  CpuBackend& cpu = *cpu_ring.cpu;
  std::promise<std::string> failed_code;
  const Slot slot = must_acquire(ring);
  cpu.busy_for_us(slot, 20'000);  // long enough for the waiter to queue
  cpu.fail(slot, "injected: device lost");
  cpu.busy_for_us(slot, 60'000'000);  // never runs: ops stop at the failure
  must_commit(ring, slot, [&](std::uint64_t, const Error* error) {
    failed_code.set_value(error != nullptr ? error->code + ": " + error->message : "ok");
  });
  Result<Slot> waiter = ring.acquire();  // waits for fence 1, which fails
  CHECK_EQ(waiter.error().code, error_code::kPoisoned);
  CHECK(waiter.error().cause != nullptr);
  CHECK_MSG(waiter.error().cause->message.find("injected: device lost") != std::string::npos,
            waiter.error().cause->message);
  CHECK_MSG(waiter.error().cause->message.find("failed at op 1") != std::string::npos,
            waiter.error().cause->message);
  const std::string code = failed_code.get_future().get();
  CHECK_MSG(code.find("COMMAND_FAILED") == 0, code);
  CHECK_EQ(ring.acquire().error().code, error_code::kPoisoned);
  CHECK_EQ(ring.acquire_async([](Result<Slot>) {}).settled->error().code, error_code::kPoisoned);
  CHECK(!ring.close(5000).has_value());
}

CMDRING_TEST("cpu",
             "close with work in flight gives up after its timeout, stops the executor "
             "mid-op and joins it") {
  const int threads_before = thread_count();
  CpuRing cpu_ring(ring_of(3));
  Ring& ring = *cpu_ring.ring;
  CHECK_EQ(thread_count(), threads_before + 1);
  CompletionLog log;
  for (int i = 0; i < 3; ++i) {
    const Slot slot = must_acquire(ring);
    cpu_ring.cpu->busy_for_us(slot, 5'000'000);  // 5 s each: far past the close timeout
    must_commit(ring, slot, log.callback());
  }
  const auto start = Clock::now();
  Status closed = ring.close(50);
  const double waited = ms_since(start);
  CHECK(closed.has_value());
  CHECK_EQ(closed->code, error_code::kCloseTimeout);
  CHECK_MSG(waited < 1500, "close took " << waited << " ms");
  CHECK_EQ(log.count(error_code::kCloseTimeout), 3);
  CHECK_EQ(thread_count_once(threads_before), threads_before);
}

CMDRING_TEST("cpu", "close with a timeout long enough waits for in-flight work to complete") {
  const int threads_before = thread_count();
  CpuRing cpu_ring(ring_of(3));
  Ring& ring = *cpu_ring.ring;
  CompletionLog log;
  for (int i = 0; i < 3; ++i) {
    const Slot slot = must_acquire(ring);
    cpu_ring.cpu->busy_for_us(slot, 10'000);
    must_commit(ring, slot, log.callback());
  }
  CHECK(!ring.close(10'000).has_value());
  CHECK_EQ(log.count(""), 3);
  CHECK_EQ(ring.completed(), 3u);
  CHECK_EQ(thread_count_once(threads_before), threads_before);
}

CMDRING_TEST("cpu", "callbacks may commit and acquire again without deadlock") {
  CpuRing cpu_ring(ring_of(2));
  Ring& ring = *cpu_ring.ring;
  std::atomic<int> chained{0};
  OneShot<bool> done;
  std::function<void(Result<Slot>)> on_slot;
  on_slot = [&](Result<Slot> slot) {
    if (!slot.ok()) return;
    cpu_ring.cpu->busy_for_us(slot.value(), 100);
    Status refused = ring.commit(slot.value(), [&](std::uint64_t, const Error*) {
      if (chained.fetch_add(1) + 1 == 50) {
        done.set(true);
        return;
      }
      AsyncAcquire next = ring.acquire_async(on_slot);  // from the executor thread
      if (next.settled) on_slot(std::move(*next.settled));
    });
    if (refused) done.set(false);
  };
  on_slot(ring.acquire());
  CHECK(done.get());
  CHECK_EQ(chained.load(), 50);
  CHECK(!ring.close(5000).has_value());
}

CMDRING_TEST("cpu",
             "stress: 10^5 acquire/commit cycles over ring sizes 1..8, one and two "
             "threads, sync and async: completions in order, every fence reached") {
  constexpr std::uint64_t kTotalCycles = 100'000;
  constexpr std::uint64_t kPerRing = kTotalCycles / 8;
  std::uint64_t cycles_run = 0;
  for (std::uint32_t size = 1; size <= 8; ++size) {
    // Odd sizes poll before sleeping (the defaults), even sizes sleep at once:
    // both hand-over paths run under the sanitizers.
    CpuBackendOptions options;
    options.buffer_bytes = 256;
    RingConfig config = ring_of(size);
    // An acquire queued just as the executor retires without the ring's lock must still be
    // granted (ring.hpp's Dekker check): one stranded fails here instead of hanging.
    config.timeout_ms = 10'000;
    if (size % 2 == 0) {
      config.spin_us = 0;
      options.idle_spin_us = 0;
    }
    CpuRing cpu_ring(config, options);
    Ring& ring = *cpu_ring.ring;
    CpuBackend& cpu = *cpu_ring.cpu;
    std::vector<std::uint8_t> reached(kPerRing + 1, 0);
    std::atomic<std::uint64_t> last_completed{0};
    std::atomic<std::uint64_t> out_of_order{0};
    std::atomic<std::uint64_t> failures{0};
    auto on_complete = [&](std::uint64_t fence, const Error* error) {
      if (error != nullptr) failures.fetch_add(1);
      if (fence != last_completed.load() + 1) out_of_order.fetch_add(1);
      last_completed.store(fence);
      reached[fence] = 1;
    };
    auto cycle = [&](std::mt19937& random) {
      Result<Slot> slot = Result<Slot>(make_error("", ""));
      if (random() % 4 == 0) {
        OneShot<Result<Slot>> granted;
        AsyncAcquire attempt =
            ring.acquire_async([&](Result<Slot> outcome) { granted.set(std::move(outcome)); });
        slot = attempt.settled ? std::move(*attempt.settled) : granted.get();
      } else {
        slot = ring.acquire();
      }
      if (!slot.ok()) throw CheckFailed("acquire failed: " + slot.error().message);
      switch (random() % 4) {
        case 0:
          break;  // an empty submission still signals its fence
        case 1:
          cpu.fill(slot.value(), 0, static_cast<std::uint8_t>(random()));
          cpu.checksum(slot.value(), 0);
          break;
        default:
          cpu.busy_for_us(slot.value(), random() % 21);
          break;
      }
      if (Status refused = ring.commit(slot.value(), on_complete)) {
        throw CheckFailed("commit failed: " + refused->message);
      }
    };
    // Half the cycles from one thread, half from two threads at once (whose
    // commits can arrive out of fence order).
    std::mt19937 random(size);
    for (std::uint64_t i = 0; i < kPerRing / 2; ++i) cycle(random);
    std::string thread_failure;
    std::mutex failure_mutex;
    auto worker = [&](std::uint32_t seed, std::uint64_t count) {
      std::mt19937 own_random(seed);
      try {
        for (std::uint64_t i = 0; i < count; ++i) cycle(own_random);
      } catch (const std::exception& error) {
        std::lock_guard lock(failure_mutex);
        thread_failure = error.what();
      }
    };
    const std::uint64_t remaining = kPerRing - kPerRing / 2;
    std::jthread first(worker, size * 100 + 1, remaining / 2);
    std::jthread second(worker, size * 100 + 2, remaining - remaining / 2);
    first.join();
    second.join();
    CHECK_MSG(thread_failure.empty(), thread_failure);

    CHECK(!ring.wait_for_fence(kPerRing, 30'000.0).has_value());
    CHECK_EQ(out_of_order.load(), 0u);
    CHECK_EQ(failures.load(), 0u);
    CHECK_EQ(last_completed.load(), kPerRing);
    CHECK_EQ(std::count(reached.begin() + 1, reached.end(), 1), static_cast<long>(kPerRing));
    const Statistics stats = ring.statistics();
    CHECK_EQ(stats.total_acquisitions, kPerRing);
    CHECK_EQ(stats.total_releases, kPerRing);
    CHECK_EQ(stats.submitted_fences, kPerRing);
    CHECK_EQ(stats.completed_fences, kPerRing);
    CHECK(stats.reuse_rate >= 0 && stats.reuse_rate <= 1);
    CHECK(!ring.close().has_value());
    cycles_run += kPerRing;
    std::printf("      ring_size %u: %llu cycles, %llu waits (reuse %.3f, avg wait %.3f ms)\n",
                size, static_cast<unsigned long long>(kPerRing),
                static_cast<unsigned long long>(stats.wait_events), stats.reuse_rate,
                stats.avg_wait_ms);
  }
  CHECK_EQ(cycles_run, kTotalCycles);
}

CMDRING_TEST("cpu",
             "completion records carry when the executor ran each command and how many ops it "
             "held") {
  CompletionRingMemory completions;
  CpuRing cpu_ring(ring_of(2), {}, completions.memory());
  Ring& ring = *cpu_ring.ring;
  CpuBackend& cpu = *cpu_ring.cpu;
  const std::uint64_t before = steady_clock_ns(Clock::now());
  const Slot first = must_acquire(ring);
  cpu.busy_for_us(first, 2000);
  cpu.fill(first, 0, 1);
  must_commit(ring, first);
  const Slot second = must_acquire(ring);
  cpu.busy_for_us(second, 1000);
  must_commit(ring, second);
  CHECK(!ring.wait_for_fence(second.fence).has_value());
  const std::uint64_t after = steady_clock_ns(Clock::now());

  std::vector<CompletionRecord> records = completions.drain();
  CHECK_EQ(records.size(), 2u);
  CHECK_EQ(records[0].op_count, 2u);
  CHECK_EQ(records[1].op_count, 1u);
  CHECK(before <= records[0].start_ns);
  CHECK(records[0].end_ns - records[0].start_ns >= 2'000'000u);
  CHECK(records[0].end_ns <= records[1].start_ns);  // one executor: one command at a time
  CHECK(records[1].end_ns - records[1].start_ns >= 1'000'000u);
  CHECK(records[1].end_ns <= after);
}

CMDRING_TEST("cpu",
             "busy work counts the pauses it was preempted for, so busy time less them is the "
             "time it ran") {
  // Two busy loops pinned to one CPU must take turns: each spends about half its
  // wall time preempted, and wall less the pauses it saw is its own CPU time.
  struct Figures {
    double wall_ms = 0, preempted_ms = 0, cpu_ms = 0;
    bool pinned = false;
  };
  // The first CPU this process may run on (a container's set need not hold CPU 0).
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  CHECK_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  int first_cpu = 0;
  while (!CPU_ISSET(first_cpu, &allowed)) ++first_cpu;
  auto one = [first_cpu](Figures& figures) {
    cpu_set_t only_first;
    CPU_ZERO(&only_first);
    CPU_SET(first_cpu, &only_first);
    // Checked after the join: a failed check throws, which must not happen on this thread.
    figures.pinned = pthread_setaffinity_np(pthread_self(), sizeof only_first, &only_first) == 0;
    const std::atomic<bool> never{false};
    std::chrono::nanoseconds preempted{0};
    timespec cpu_before{}, cpu_after{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_before);
    const auto start = Clock::now();
    static_cast<void>(busy_work_for(std::chrono::milliseconds(150), never, preempted));
    figures.wall_ms = ms_since(start);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_after);
    figures.preempted_ms = std::chrono::duration<double, std::milli>(preempted).count();
    figures.cpu_ms = (cpu_after.tv_sec - cpu_before.tv_sec) * 1e3 +
                     (cpu_after.tv_nsec - cpu_before.tv_nsec) / 1e6;
  };
  Figures first, second;
  {
    std::jthread a([&] { one(first); });
    std::jthread b([&] { one(second); });
  }
  for (const Figures& figures : {first, second}) {
    CHECK(figures.pinned);
    std::printf("      wall %.1f ms, preempted %.1f ms, cpu %.1f ms\n", figures.wall_ms,
                figures.preempted_ms, figures.cpu_ms);
    CHECK_MSG(figures.preempted_ms > 0.2 * figures.wall_ms,
              "preempted " << figures.preempted_ms << " of " << figures.wall_ms << " ms");
    const double ran_ms = figures.wall_ms - figures.preempted_ms;
    CHECK_MSG(std::abs(ran_ms - figures.cpu_ms) < 0.15 * figures.wall_ms,
              "ran " << ran_ms << " ms by the busy loop's count, " << figures.cpu_ms
                     << " ms of CPU time");
  }
}

CMDRING_TEST("cpu",
             "the overhead gate's baseline runs every command through the backend with no ring, "
             "and takes at least their busy time") {
  for (std::uint32_t slots : {1u, 4u}) {
    BackendLoop loop(slots);
    for (int run = 0; run < 2; ++run) {  // a second run goes on with the next fences
      const auto elapsed = loop.run(200, 20);
      const double ms = std::chrono::duration<double, std::milli>(elapsed).count();
      std::printf("      %u slot(s): 200 commands of 20 µs in %.2f ms\n", slots, ms);
      CHECK_MSG(ms >= 200 * 0.020, ms << " ms is less than the commands' busy time");
    }
  }
}
