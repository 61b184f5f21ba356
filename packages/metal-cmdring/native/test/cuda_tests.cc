// --cuda: the cuda backend on a real GPU, and its utilisation table. Where no
// GPU is usable it prints one SKIP line with the reason (exit 0, or 1 with
// --require-gpu). Never run on a GPU by CI; see the README for where it was.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "bench.hpp"
#include "check.hpp"
#include "ringkit/cmdring/busy_work.hpp"
#include "ringkit/cmdring/cuda_backend.hpp"
#include "ringkit/cmdring/ring.hpp"
#include "test_support.hpp"
#include "user_fill_ptx.hpp"  // generated from native/test/user_fill.ptx

using namespace ringkit::cmdring;
using namespace cmdring_test;

namespace {

struct CudaRing {
  explicit CudaRing(std::uint32_t ring_size, GpuBackendOptions options = {},
                    std::span<std::byte> completion_memory = {}) {
    auto owned = create_cuda_backend(options);
    gpu = owned.get();
    ring = std::make_unique<Ring>(ring_of(ring_size), std::move(owned), std::span<std::byte>{},
                                  WaitLog{}, completion_memory);
  }
  GpuBackend* gpu = nullptr;
  std::unique_ptr<Ring> ring;
};

}  // namespace

CMDRING_TEST("cuda", "saxpy through the ring computes y = a*x + y on the GPU") {
  constexpr std::uint32_t n = 1 << 16;
  constexpr float a = 2.5f;
  CudaRing cuda(2);
  GpuBackend& gpu = *cuda.gpu;
  const KernelId saxpy = gpu.builtin_kernel(BuiltinKernel::kSaxpy);
  std::printf("      device: %s\n", gpu.device_name().c_str());

  std::mt19937 random(7);
  std::uniform_real_distribution<float> values(-1, 1);
  std::vector<float> x(n), y(n), expected(n), got(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    x[i] = values(random);
    y[i] = values(random);
    expected[i] = a * x[i] + y[i];
  }
  const Slot slot = must_acquire(*cuda.ring);
  std::span<std::byte> staging = gpu.staging(slot);
  std::memcpy(staging.data(), x.data(), n * 4);
  std::memcpy(staging.data() + n * 4, y.data(), n * 4);
  std::memset(got.data(), 0xff, n * 4);  // NaN until written
  gpu.copy_to_device(slot, 0, 0, 2 * n * 4);
  const KernelArg args[] = {KernelArg::u32(n), KernelArg::f32(a), KernelArg::slot_device_address(0),
                            KernelArg::slot_device_address(n * 4)};
  gpu.launch(slot, saxpy, Dim3{(n + 255) / 256}, Dim3{256}, args);
  gpu.copy_to_host(slot, n * 4, n * 4, n * 4);
  must_commit(*cuda.ring, slot, [&](std::uint64_t, const Error* error) {
    if (error == nullptr) std::memcpy(got.data(), gpu.staging(slot).data() + n * 4, n * 4);
  });
  CHECK(!cuda.ring->wait_for_fence(slot.fence, 10'000.0).has_value());
  double worst = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(got[i] - expected[i])));
  }
  CHECK_MSG(worst <= 1e-6, "largest error " << worst);
}

CMDRING_TEST("cuda",
             "completion records come through the submission and completion rings in fence "
             "order, with host times that do not overlap and each slot's op count") {
  CompletionRingMemory completions;
  CudaRing cuda(3, {}, completions.memory());
  GpuBackend& gpu = *cuda.gpu;
  const KernelId spin = gpu.builtin_kernel(BuiltinKernel::kSpin);
  const std::uint64_t before = steady_clock_ns(Clock::now());
  std::uint64_t last = 0;
  for (std::uint32_t i = 0; i < 12; ++i) {
    const Slot slot = must_acquire(*cuda.ring);
    const KernelArg args[] = {KernelArg::u64(20'000), KernelArg::slot_device_address(0)};
    gpu.launch(slot, spin, Dim3{1}, Dim3{1}, args);
    if (i % 3 == 0) gpu.copy_to_host(slot, 0, 0, 16);
    must_commit(*cuda.ring, slot);
    last = slot.fence;
  }
  CHECK(!cuda.ring->wait_for_fence(last, 10'000.0).has_value());
  const std::uint64_t after = steady_clock_ns(Clock::now());
  std::vector<CompletionRecord> records = completions.drain();
  CHECK_EQ(records.size(), 12u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    CHECK_EQ(records[i].fence, i + 1);
    CHECK_EQ(records[i].slot, i % 3);
    CHECK_EQ(records[i].status, layout::completion::kCompleted);
    CHECK_EQ(records[i].op_count, i % 3 == 0 ? 2u : 1u);
    CHECK(before <= records[i].start_ns && records[i].start_ns <= records[i].end_ns);
    CHECK(records[i].end_ns <= after);
    if (i > 0) CHECK(records[i - 1].end_ns <= records[i].start_ns);
  }
}

CMDRING_TEST("cuda",
             "a user PTX module loads and runs; bad PTX and unknown kernel names are "
             "refused with one sentence") {
  CudaRing cuda(1);
  GpuBackend& gpu = *cuda.gpu;
  const ModuleId module = gpu.load_module(kUserFillPtx);
  const KernelId fill = gpu.kernel(module, "user_fill");
  constexpr std::uint32_t n = 1000;
  const Slot slot = must_acquire(*cuda.ring);
  std::memset(gpu.staging(slot).data(), 0, n * 4);
  const KernelArg args[] = {KernelArg::slot_device_address(0), KernelArg::u32(n),
                            KernelArg::u32(0x5eed)};
  gpu.launch(slot, fill, Dim3{(n + 127) / 128}, Dim3{128}, args);
  gpu.copy_to_host(slot, 0, 0, n * 4);
  must_commit(*cuda.ring, slot);
  CHECK(!cuda.ring->wait_for_fence(slot.fence, 10'000.0).has_value());
  const auto* words = reinterpret_cast<const std::uint32_t*>(gpu.staging(slot).data());
  CHECK_EQ(static_cast<std::size_t>(std::count(words, words + n, 0x5eedu)), std::size_t{n});

  try {
    gpu.load_module("this is not PTX");
    CHECK_MSG(false, "bad PTX was accepted");
  } catch (const Failure& failure) {
    CHECK_EQ(failure.code(), error_code::kInvalidModule);
    std::printf("      bad PTX: %s\n", failure.what());
  }
  try {
    gpu.kernel(module, "no_such_kernel");
    CHECK_MSG(false, "an unknown kernel name was accepted");
  } catch (const Failure& failure) {
    CHECK_EQ(failure.code(), error_code::kUnknownKernel);
    CHECK_MSG(std::string(failure.what()).find("no_such_kernel") != std::string::npos,
              failure.what());
  }
}

CMDRING_TEST("cuda", "the spin kernel keeps the GPU busy for the time asked") {
  CudaRing cuda(1);
  GpuBackend& gpu = *cuda.gpu;
  const KernelId spin = gpu.builtin_kernel(BuiltinKernel::kSpin);
  const Slot slot = must_acquire(*cuda.ring);
  const KernelArg args[] = {KernelArg::u64(100'000), KernelArg::slot_device_address(0)};
  gpu.launch(slot, spin, Dim3{1}, Dim3{1}, args);
  gpu.copy_to_host(slot, 0, 0, 16);
  must_commit(*cuda.ring, slot);
  CHECK(!cuda.ring->wait_for_fence(slot.fence, 10'000.0).has_value());
  std::uint64_t stamps[2];
  std::memcpy(stamps, gpu.staging(slot).data(), 16);
  const double spun_us = static_cast<double>(stamps[1] - stamps[0]) / 1000;
  CHECK_MSG(spun_us >= 100 && spun_us < 10'000, "spun " << spun_us << " µs");
}

CMDRING_TEST("cuda", "a launch the driver refuses poisons the ring and aborts nothing") {
  CudaRing cuda(2);
  GpuBackend& gpu = *cuda.gpu;
  const KernelId spin = gpu.builtin_kernel(BuiltinKernel::kSpin);
  CompletionLog log;
  const Slot slot = must_acquire(*cuda.ring);
  const KernelArg args[] = {KernelArg::u64(1000), KernelArg::u64(0)};
  gpu.launch(slot, spin, Dim3{1}, Dim3{4096}, args);  // 4096 threads per block: too many
  must_commit(*cuda.ring, slot, log.callback());
  CHECK_EQ(log.code_of(slot.fence), error_code::kCommandFailed);
  Result<Slot> later = cuda.ring->acquire();
  CHECK_EQ(later.error().code, error_code::kPoisoned);
  std::printf("      cause: %s\n", later.error().cause->message.c_str());
}

CMDRING_TEST("cuda",
             "GPU stress: 2000 cycles over ring sizes 1..4 with random kernel lengths "
             "complete in order") {
  for (std::uint32_t size = 1; size <= 4; ++size) {
    CudaRing cuda(size);
    GpuBackend& gpu = *cuda.gpu;
    const KernelId spin = gpu.builtin_kernel(BuiltinKernel::kSpin);
    std::mt19937 random(size);
    std::uint64_t last = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t failures = 0;
    for (int i = 0; i < 500; ++i) {
      const Slot slot = must_acquire(*cuda.ring);
      const KernelArg args[] = {KernelArg::u64(1000 * (random() % 21)), KernelArg::u64(0)};
      gpu.launch(slot, spin, Dim3{1}, Dim3{1}, args);
      must_commit(*cuda.ring, slot, [&](std::uint64_t fence, const Error* error) {
        if (error != nullptr) ++failures;
        if (fence != last + 1) ++out_of_order;
        last = fence;
      });
    }
    CHECK(!cuda.ring->wait_for_fence(500, 30'000.0).has_value());
    CHECK_EQ(out_of_order, 0u);
    CHECK_EQ(failures, 0u);
    CHECK_EQ(last, 500u);
  }
}

CMDRING_TEST("cuda",
             "close with kernels in flight gives up after its timeout and joins the "
             "completion thread") {
  const int threads_before = thread_count();
  {
    CudaRing cuda(2);
    GpuBackend& gpu = *cuda.gpu;
    const KernelId spin = gpu.builtin_kernel(BuiltinKernel::kSpin);
    CompletionLog log;
    for (int i = 0; i < 2; ++i) {
      const Slot slot = must_acquire(*cuda.ring);
      const KernelArg args[] = {KernelArg::u64(200'000'000), KernelArg::u64(0)};  // 200 ms
      gpu.launch(slot, spin, Dim3{1}, Dim3{1}, args);
      must_commit(*cuda.ring, slot, log.callback());
    }
    const auto start = Clock::now();
    Status closed = cuda.ring->close(20);
    const double waited = ms_since(start);
    CHECK_EQ(closed->code, error_code::kCloseTimeout);
    CHECK_MSG(waited < 150, "close took " << waited << " ms");
    CHECK_EQ(log.count(error_code::kCloseTimeout), 2);
  }  // releasing the memory waits for the kernels: the driver cannot cancel them
  // The driver keeps threads of its own; ours (the completion thread) are gone.
  CHECK(thread_count() <= threads_before + 4);
}

namespace {

struct GpuFigures {
  double busy_fraction = 0;
  double per_second = 0;
};

// The decode loop on the GPU: encode E µs on this thread, then a spin kernel of X
// µs that stamps its start and end; busy fraction = Σ(end − start) over the GPU
// time from the first start to the last end.
GpuFigures gpu_loop(std::uint32_t ring_size, std::uint32_t kernel_us, std::uint32_t encode_us) {
  CudaRing cuda(ring_size);
  GpuBackend& gpu = *cuda.gpu;
  const KernelId spin = gpu.builtin_kernel(BuiltinKernel::kSpin);
  const int iterations = std::max(200, static_cast<int>(200'000 / kernel_us));
  std::vector<std::uint64_t> starts(iterations + 32), ends(iterations + 32);
  std::atomic<bool> never{false};
  std::uint64_t sink = 0;
  auto one = [&](bool timed) {
    const Slot slot = cuda.ring->acquire().value();
    sink ^= busy_work_for(std::chrono::microseconds(encode_us), never);
    const KernelArg args[] = {KernelArg::u64(std::uint64_t{kernel_us} * 1000),
                              KernelArg::slot_device_address(0)};
    gpu.launch(slot, spin, Dim3{1}, Dim3{1}, args);
    gpu.copy_to_host(slot, 0, 0, 16);
    static_cast<void>(cuda.ring->commit(slot, [&, slot, timed](std::uint64_t fence, const Error*) {
      if (!timed) return;
      std::uint64_t stamps[2];
      std::memcpy(stamps, gpu.staging(slot).data(), 16);
      starts[fence] = stamps[0];
      ends[fence] = stamps[1];
    }));
    return slot.fence;
  };
  for (int i = 0; i < 10; ++i) one(false);
  static_cast<void>(cuda.ring->wait_for_fence(cuda.ring->submitted()));
  const std::uint64_t first = cuda.ring->submitted() + 1;
  const auto start = Clock::now();
  std::uint64_t last = 0;
  for (int i = 0; i < iterations; ++i) last = one(true);
  static_cast<void>(cuda.ring->wait_for_fence(last));
  const double wall = ms_since(start) / 1000;
  double busy = 0;
  for (std::uint64_t fence = first; fence <= last; ++fence) {
    busy += static_cast<double>(ends[fence] - starts[fence]);
  }
  GpuFigures figures;
  figures.busy_fraction = busy / static_cast<double>(ends[last] - starts[first]);
  figures.per_second = iterations / wall;
  return figures;
}

void utilisation_table() {
  std::printf(
      "\ncuda: GPU busy fraction (from the kernels' own %%globaltimer stamps) and throughput "
      "on %s\n",
      create_cuda_backend()->device_name().c_str());
  std::printf("%8s %8s %5s %10s %14s\n", "kernel", "encode", "ring", "GPU busy", "kernels/s");
  for (const std::uint32_t kernel_us : {50u, 100u, 200u, 500u}) {
    for (const std::uint32_t encode_us : {0u, kernel_us / 2}) {
      for (std::uint32_t ring_size = 1; ring_size <= 4; ++ring_size) {
        const GpuFigures figures = gpu_loop(ring_size, kernel_us, encode_us);
        std::printf("%6u µs %5u µs %5u %9.1f%% %14.0f\n", kernel_us, encode_us, ring_size,
                    100 * figures.busy_fraction, figures.per_second);
      }
    }
  }
}

}  // namespace

namespace cmdring_test {

int run_cuda(bool require_gpu, const std::string& filter, double watchdog_seconds) {
  const Availability availability = probe_cuda();
  if (!availability.available) {
    std::printf("SKIP cuda: %s\n", availability.reason.c_str());
    if (require_gpu) {
      std::printf("FAIL: --require-gpu was given and no GPU is usable here\n");
      return 1;
    }
    return 0;
  }
  const int failed = run_tests("cuda", filter, watchdog_seconds);
  if (failed == 0 && filter.empty()) utilisation_table();
  std::printf("%s\n", failed == 0 ? "PASS" : "FAIL");
  return failed == 0 ? 0 : 1;
}

}  // namespace cmdring_test
