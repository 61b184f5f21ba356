// --bench: what the ring buys on the cpu backend, measured.
//
// Decode-like loop: the caller "encodes" for E µs (busy work on its own thread),
// records X µs of busy_for_us, commits, and goes round again. Executor
// utilisation = the executor's busy time / wall time; with one slot the encode
// and the execution alternate, with two or more they overlap.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "bench.hpp"
#include "ringkit/cmdring/busy_work.hpp"
#include "ringkit/cmdring/cpu_backend.hpp"
#include "ringkit/cmdring/ring.hpp"

using namespace ringkit::cmdring;

namespace cmdring_test {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kRepeats = 3;
constexpr double kRunSeconds = 0.25;
// The ring's default, and one long enough to poll through every wait here.
constexpr double kSpinSettings[] = {RingConfig{}.spin_us, 2000};

struct LoopFigures {
  double utilisation = 0;
  double per_second = 0;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::atomic<std::uint64_t> caller_sink{0};
const std::atomic<bool> never_stop{false};

LoopFigures decode_loop(std::uint32_t ring_size, std::uint32_t encode_us, std::uint32_t execute_us,
                        double spin_us) {
  RingConfig config;
  config.ring_size = ring_size;
  config.spin_us = spin_us;
  auto owned = std::make_unique<CpuBackend>();
  CpuBackend& cpu = *owned;
  Ring ring(config, std::move(owned));
  const auto iterations = static_cast<std::uint64_t>(
      kRunSeconds * 1e6 / static_cast<double>(std::max(encode_us, execute_us)));

  auto one = [&] {
    Result<Slot> slot = ring.acquire();
    caller_sink ^= busy_work_for(std::chrono::microseconds(encode_us), never_stop);
    cpu.busy_for_us(slot.value(), execute_us);
    static_cast<void>(ring.commit(slot.value()));
    return slot.value().fence;
  };
  for (int i = 0; i < 20; ++i) one();  // warm up: threads scheduled, caches filled
  static_cast<void>(ring.wait_for_fence(ring.submitted()));

  const std::uint64_t busy_before = cpu.busy_ns();
  const auto start = Clock::now();
  std::uint64_t last = 0;
  for (std::uint64_t i = 0; i < iterations; ++i) last = one();
  static_cast<void>(ring.wait_for_fence(last));
  const double wall = seconds_since(start);
  const double busy = static_cast<double>(cpu.busy_ns() - busy_before) / 1e9;

  LoopFigures figures;
  figures.utilisation = busy / wall;
  figures.per_second = static_cast<double>(iterations) / wall;
  static_cast<void>(ring.close());
  return figures;
}

double median_of(std::vector<double> values) {
  return quantile(values, 0.5);
}

void decode_table() {
  std::printf("decode-like loop, cpu backend (median of %d runs of ~%.2f s each)\n", kRepeats,
              kRunSeconds);
  std::printf(
      "executor = busy time / wall time; ideal = X/(X+E) for one slot, min(1, X/E) "
      "for more\n");
  std::printf("%6s %6s %5s %8s | %25s | %25s\n", "", "", "", "", "spin_us 50 (default)",
              "spin_us 2000");
  std::printf("%6s %6s %5s %8s | %9s %15s | %9s %15s\n", "X µs", "E µs", "ring", "ideal",
              "executor", "iterations/s", "executor", "iterations/s");
  const std::uint32_t combos[][2] = {{50, 25},   {50, 50},   {50, 75},
                                     {500, 250}, {500, 500}, {500, 750}};
  for (const auto& combo : combos) {
    const std::uint32_t execute_us = combo[0];
    const std::uint32_t encode_us = combo[1];
    for (std::uint32_t ring_size = 1; ring_size <= 4; ++ring_size) {
      const double x = execute_us;
      const double e = encode_us;
      const double ideal = ring_size == 1 ? x / (x + e) : std::min(1.0, x / e);
      std::printf("%6u %6u %5u %7.1f%% |", execute_us, encode_us, ring_size, 100 * ideal);
      for (const double spin_us : kSpinSettings) {
        std::vector<double> utilisation, per_second;
        for (int repeat = 0; repeat < kRepeats; ++repeat) {
          const LoopFigures figures = decode_loop(ring_size, encode_us, execute_us, spin_us);
          utilisation.push_back(figures.utilisation);
          per_second.push_back(figures.per_second);
        }
        std::printf(" %8.1f%% %15.0f |", 100 * median_of(utilisation), median_of(per_second));
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
}

struct LatencyFigures {
  std::vector<double> acquire_ns;
  std::vector<double> commit_ns;
};

enum class ExecutorState { kBusy, kPolling, kAsleep };

// Acquire of a free slot and commit of an empty one, each timed alone, with the
// executor busy on a queued op (commit wakes nobody), idle but still polling
// (likewise), or idle and asleep (commit wakes it: a system call).
LatencyFigures latency(ExecutorState state, int batches) {
  RingConfig config;
  config.ring_size = 4;
  CpuBackendOptions options;
  options.idle_spin_us = state == ExecutorState::kAsleep ? 0 : CpuBackendOptions{}.idle_spin_us;
  auto owned = std::make_unique<CpuBackend>(options);
  CpuBackend& cpu = *owned;
  Ring ring(config, std::move(owned));
  LatencyFigures figures;
  for (int batch = 0; batch < batches; ++batch) {
    if (state == ExecutorState::kBusy) {
      const Slot long_op = ring.acquire().value();
      cpu.busy_for_us(long_op, 300);
      static_cast<void>(ring.commit(long_op));
    } else if (state == ExecutorState::kAsleep) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));  // let it fall asleep
    }
    // Asleep: only the first commit finds the executor asleep; it is awake after.
    const int samples = state == ExecutorState::kAsleep ? 1 : 3;
    std::uint64_t last = 0;
    for (int i = 0; i < samples; ++i) {
      const auto before_acquire = Clock::now();
      const Slot slot = ring.acquire().value();
      const auto before_commit = Clock::now();
      static_cast<void>(ring.commit(slot));
      const auto after_commit = Clock::now();
      figures.acquire_ns.push_back(
          std::chrono::duration<double, std::nano>(before_commit - before_acquire).count());
      figures.commit_ns.push_back(
          std::chrono::duration<double, std::nano>(after_commit - before_commit).count());
      last = slot.fence;
    }
    static_cast<void>(ring.wait_for_fence(last));
  }
  static_cast<void>(ring.close());
  return figures;
}

void latency_table() {
  std::printf("\nacquire (free slot) and commit latency, cpu backend, ring_size 4, ns\n");
  std::printf("%-38s %9s %9s %11s %11s\n", "", "acq p50", "acq p99", "commit p50", "commit p99");
  const std::pair<ExecutorState, const char*> cases[] = {
      {ExecutorState::kBusy, "executor busy"},
      {ExecutorState::kPolling, "executor idle, polling (idle_spin_us 50)"},
      {ExecutorState::kAsleep, "executor asleep (idle_spin_us 0)"},
  };
  for (const auto& [state, label] : cases) {
    LatencyFigures figures = latency(state, state == ExecutorState::kBusy ? 3000 : 10000);
    std::printf("%-38s %9.0f %9.0f %11.0f %11.0f\n", label, quantile(figures.acquire_ns, 0.5),
                quantile(figures.acquire_ns, 0.99), quantile(figures.commit_ns, 0.5),
                quantile(figures.commit_ns, 0.99));
  }
  std::printf("(each sample includes one steady_clock read)\n");
}

}  // namespace

int run_cpu_bench() {
  decode_table();
  latency_table();
  return 0;
}

}  // namespace cmdring_test
