// The cuda backend (cuda_backend.hpp). Built only where cuda.h was found; see
// cuda_unavailable.cc for the other case.
#include "ringkit/cmdring/cuda_backend.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "builtin_kernels_ptx.hpp"
#include "cuda_driver.hpp"
#include "ringkit/cmdring/spin_wait.hpp"
#include "ringkit/cmdring/submission_levels.hpp"

namespace ringkit::cmdring {

namespace {

using Clock = std::chrono::steady_clock;

// Completion polling: yield between polls for this long after a fence becomes
// the oldest in flight, so kernels up to a millisecond are noticed within a few
// µs (with one slot, that delay is GPU idle time); then sleep between polls,
// which costs up to ~70 µs of notice (timer slack) but no core.
constexpr auto kPollSpin = std::chrono::milliseconds(1);
constexpr auto kPollSleep = std::chrono::microseconds(20);
// With nothing in flight, poll for the next submission this long before sleeping,
// so a commit soon after needs no wake-up (as the cpu backend's idle_spin_us).
constexpr auto kIdleSpin = std::chrono::microseconds(50);
constexpr std::size_t kMaxKernelArgs = 64;

template <typename... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <typename... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

// Makes the backend's context current on the calling thread for a scope (callers
// commit from any thread, and may have a context of their own current).
class ContextScope {
 public:
  ContextScope(const CudaDriver& cu, CUcontext context) : cu_(cu) {
    pushed_ = cu_.cuCtxPushCurrent(context) == CUDA_SUCCESS;
  }
  ~ContextScope() {
    CUcontext previous = nullptr;
    if (pushed_) cu_.cuCtxPopCurrent(&previous);
  }
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;

 private:
  const CudaDriver& cu_;
  bool pushed_ = false;
};

class CudaBackendImpl final : public GpuBackend {
 public:
  explicit CudaBackendImpl(const GpuBackendOptions& options);
  ~CudaBackendImpl() override;

  ModuleId load_module(std::string_view ptx) override;
  KernelId kernel(ModuleId module, const std::string& name) override;
  KernelId builtin_kernel(BuiltinKernel which) override;
  void copy_to_device(Slot slot, std::size_t staging_offset, std::size_t device_offset,
                      std::size_t bytes) override;
  void launch(Slot slot, KernelId kernel, Dim3 grid, Dim3 block, std::span<const KernelArg> args,
              std::uint32_t shared_bytes) override;
  void copy_to_host(Slot slot, std::size_t device_offset, std::size_t staging_offset,
                    std::size_t bytes) override;
  std::span<std::byte> staging(Slot slot) override;
  std::string device_name() const override { return device_name_; }
  const GpuBackendOptions& options() const noexcept override { return options_; }

  std::string_view name() const noexcept override { return "cuda"; }
  void use_priority_levels(std::uint32_t levels) override;
  void start(CompletionSink& sink, std::uint32_t slot_count) override;
  void begin_slot(std::uint32_t slot) noexcept override;
  Status submit(std::uint32_t slot, std::uint64_t fence, std::uint32_t priority) override;
  void shutdown(bool abandon) noexcept override;

 private:
  struct CopyToDevice {
    std::size_t staging_offset;
    std::size_t device_offset;
    std::size_t bytes;
  };
  struct CopyToHost {
    std::size_t device_offset;
    std::size_t staging_offset;
    std::size_t bytes;
  };
  struct Launch {
    CUfunction function;
    Dim3 grid;
    Dim3 block;
    std::uint32_t shared_bytes;
    std::vector<KernelArg> args;
  };
  using Op = std::variant<CopyToDevice, Launch, CopyToHost>;

  struct SlotResources {
    CUevent done = nullptr;
    std::byte* staging = nullptr;
    CUdeviceptr device = 0;
    std::vector<Op> ops;
    // Launch parameters are copied by cuLaunchKernel, so one scratch set per slot does.
    std::vector<std::uint64_t> arg_values;
    std::vector<void*> arg_pointers;
    std::uint64_t enqueued_ns = 0;  // host steady clock, for the completion record
  };

  [[noreturn]] void fail_setup(const char* call, CUresult result) const;
  SlotResources& recording(Slot slot);
  void check_range(const char* what, std::size_t offset, std::size_t bytes,
                   std::size_t limit) const;
  Status enqueue(std::uint32_t slot, std::uint64_t fence, CUstream stream);
  void run_completions();
  void run_leveled_completions();
  // Reports a fence whose event the completer saw done (or failed).
  void report(const SubmissionRecord& record, CUresult status, const CommandReport& times);
  void release_resources() noexcept;

  const CudaDriver& cu_;
  const GpuBackendOptions options_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  // One stream per priority level, lowest first; one (made with cuStreamCreate) in round-robin.
  std::vector<CUstream> streams_;
  std::string device_name_;
  std::vector<SlotResources> slots_;

  // Locked, off the hot path: modules load from any thread while launches read them.
  std::mutex modules_mutex_;
  std::vector<CUmodule> modules_;
  std::vector<CUfunction> kernels_;
  std::optional<ModuleId> builtin_module_;

  CompletionSink* sink_ = nullptr;
  std::uint32_t priority_levels_ = 1;
  // Enqueued fences on their way to the completer, one ring per level (each level's
  // stream finishes its fences in order): no lock between them.
  std::unique_ptr<SubmissionLevels> submissions_;
  std::atomic<bool> abandon_{false};
  std::thread completer_;
};

CudaBackendImpl::CudaBackendImpl(const GpuBackendOptions& options)
    : cu_(cuda_driver()), options_(options) {
  if (!cu_.usable) throw Failure(error_code::kBackendUnavailable, "cuda: " + cu_.unusable_reason);
  if (options.device < 0 || options.device >= cu_.device_count) {
    throw Failure(error_code::kInvalidOptions, "cuda: device must be between 0 and " +
                                                   std::to_string(cu_.device_count - 1) +
                                                   ", device=" + std::to_string(options.device));
  }
  if (options.staging_bytes == 0 || options.device_bytes == 0) {
    throw Failure(error_code::kInvalidOptions,
                  "cuda: staging_bytes and device_bytes must be at least 1, staging_bytes=" +
                      std::to_string(options.staging_bytes) +
                      ", device_bytes=" + std::to_string(options.device_bytes));
  }
  if (CUresult r = cu_.cuDeviceGet(&device_, options.device); r != CUDA_SUCCESS) {
    fail_setup("cuDeviceGet", r);
  }
  char name[256] = {};
  if (cu_.cuDeviceGetName(name, sizeof name - 1, device_) == CUDA_SUCCESS) device_name_ = name;
  // The primary context is the one the runtime API and other libraries share.
  if (CUresult r = cu_.cuDevicePrimaryCtxRetain(&context_, device_); r != CUDA_SUCCESS) {
    context_ = nullptr;
    fail_setup("cuDevicePrimaryCtxRetain", r);
  }
  CUresult created = CUDA_SUCCESS;
  CUstream stream = nullptr;
  {
    ContextScope scope(cu_, context_);
    created = cu_.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING);
  }
  if (created == CUDA_SUCCESS) streams_.push_back(stream);
  if (created != CUDA_SUCCESS) {
    // A constructor that throws gets no destructor: give the context back here.
    release_resources();
    fail_setup("cuStreamCreate", created);
  }
}

CudaBackendImpl::~CudaBackendImpl() {
  shutdown(true);
  release_resources();
}

void CudaBackendImpl::fail_setup(const char* call, CUresult result) const {
  throw Failure(error_code::kBackendUnavailable,
                std::string("cuda: ") + call + " failed with " + cuda_error_text(cu_, result));
}

void CudaBackendImpl::release_resources() noexcept {
  if (context_ == nullptr) return;
  bool device_busy = false;
  {
    ContextScope scope(cu_, context_);
    // Work first, then what it uses. The driver lets a busy stream go and
    // finishes it on its own.
    for (CUstream stream : streams_) {
      device_busy = cu_.cuStreamQuery(stream) == CUDA_ERROR_NOT_READY || device_busy;
      cu_.cuStreamDestroy(stream);
    }
    streams_.clear();
    if (!device_busy) {
      for (SlotResources& slot : slots_) {
        if (slot.done != nullptr) cu_.cuEventDestroy(slot.done);
        if (slot.staging != nullptr) cu_.cuMemFreeHost(slot.staging);
        if (slot.device != 0) cu_.cuMemFree(slot.device);
      }
      for (CUmodule module : modules_) cu_.cuModuleUnload(module);
    }
  }
  if (device_busy) {
    // Close gave up on a kernel that is still running (it cannot be cancelled).
    // Freeing its memory or context would either wait for it — perhaps forever —
    // or let it write into memory given to someone else; so they stay, reachable
    // here, until the process ends.
    struct Parked {
      std::vector<SlotResources> slots;
      std::vector<CUmodule> modules;
    };
    static auto* const parked = new std::vector<Parked>();
    static std::mutex parked_mutex;
    std::lock_guard lock(parked_mutex);
    parked->push_back(Parked{std::move(slots_), std::move(modules_)});
  } else {
    cu_.cuDevicePrimaryCtxRelease(device_);
  }
  slots_.clear();
  modules_.clear();
  context_ = nullptr;
}

ModuleId CudaBackendImpl::load_module(std::string_view ptx) {
  const std::string source(ptx);  // the JIT wants it NUL-terminated
  char log[4096] = {};
  CUjit_option keys[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void* values[] = {log, reinterpret_cast<void*>(static_cast<std::uintptr_t>(sizeof log - 1))};
  CUmodule module = nullptr;
  ContextScope scope(cu_, context_);
  if (CUresult r = cu_.cuModuleLoadDataEx(&module, source.c_str(), 2, keys, values);
      r != CUDA_SUCCESS) {
    throw Failure(error_code::kInvalidModule,
                  "cuda: the PTX module did not load: " + cuda_error_text(cu_, r) +
                      (log[0] != '\0' ? std::string("; JIT log: ") + log : std::string()));
  }
  std::lock_guard lock(modules_mutex_);
  modules_.push_back(module);
  return static_cast<ModuleId>(modules_.size() - 1);
}

KernelId CudaBackendImpl::kernel(ModuleId module, const std::string& name) {
  std::lock_guard lock(modules_mutex_);
  if (module >= modules_.size()) {
    throw Failure(error_code::kInvalidOp, "cuda: module " + std::to_string(module) +
                                              " was never loaded (" +
                                              std::to_string(modules_.size()) + " loaded)");
  }
  CUfunction function = nullptr;
  ContextScope scope(cu_, context_);
  if (CUresult r = cu_.cuModuleGetFunction(&function, modules_[module], name.c_str());
      r != CUDA_SUCCESS) {
    throw Failure(error_code::kUnknownKernel,
                  "cuda: module " + std::to_string(module) + " has no kernel named '" + name +
                      "' (" + cuda_error_text(cu_, r) +
                      "; it must be a .visible .entry, and C++ names need extern \"C\")");
  }
  kernels_.push_back(function);
  return static_cast<KernelId>(kernels_.size() - 1);
}

KernelId CudaBackendImpl::builtin_kernel(BuiltinKernel which) {
  ModuleId module = 0;
  {
    std::unique_lock lock(modules_mutex_);
    if (!builtin_module_) {
      lock.unlock();
      const ModuleId loaded = load_module(kBuiltinKernelsPtx);
      lock.lock();
      if (!builtin_module_) builtin_module_ = loaded;
    }
    module = *builtin_module_;
  }
  return kernel(module, which == BuiltinKernel::kSpin ? "ringkit_spin" : "ringkit_saxpy");
}

CudaBackendImpl::SlotResources& CudaBackendImpl::recording(Slot slot) {
  if (slot.index >= slots_.size()) {
    throw Failure(error_code::kInvalidOp, "cuda: slot index " + std::to_string(slot.index) +
                                              " is out of range for " +
                                              std::to_string(slots_.size()) + " slots");
  }
  return slots_[slot.index];
}

void CudaBackendImpl::check_range(const char* what, std::size_t offset, std::size_t bytes,
                                  std::size_t limit) const {
  if (offset > limit || bytes > limit - offset) {
    throw Failure(error_code::kInvalidOp, std::string("cuda: ") + what + " of " +
                                              std::to_string(bytes) + " bytes at offset " +
                                              std::to_string(offset) + " overruns the slot's " +
                                              std::to_string(limit) + " bytes");
  }
}

void CudaBackendImpl::copy_to_device(Slot slot, std::size_t staging_offset,
                                     std::size_t device_offset, std::size_t bytes) {
  SlotResources& resources = recording(slot);
  check_range("copy_to_device source", staging_offset, bytes, options_.staging_bytes);
  check_range("copy_to_device destination", device_offset, bytes, options_.device_bytes);
  resources.ops.emplace_back(CopyToDevice{staging_offset, device_offset, bytes});
}

void CudaBackendImpl::copy_to_host(Slot slot, std::size_t device_offset, std::size_t staging_offset,
                                   std::size_t bytes) {
  SlotResources& resources = recording(slot);
  check_range("copy_to_host source", device_offset, bytes, options_.device_bytes);
  check_range("copy_to_host destination", staging_offset, bytes, options_.staging_bytes);
  resources.ops.emplace_back(CopyToHost{device_offset, staging_offset, bytes});
}

void CudaBackendImpl::launch(Slot slot, KernelId kernel, Dim3 grid, Dim3 block,
                             std::span<const KernelArg> args, std::uint32_t shared_bytes) {
  SlotResources& resources = recording(slot);
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || block.x == 0 || block.y == 0 || block.z == 0) {
    throw Failure(error_code::kInvalidOp,
                  "cuda: launch dimensions must be at least 1, grid=" + std::to_string(grid.x) +
                      "x" + std::to_string(grid.y) + "x" + std::to_string(grid.z) +
                      ", block=" + std::to_string(block.x) + "x" + std::to_string(block.y) + "x" +
                      std::to_string(block.z));
  }
  if (args.size() > kMaxKernelArgs) {
    throw Failure(error_code::kInvalidOp, "cuda: a launch takes at most " +
                                              std::to_string(kMaxKernelArgs) + " arguments, got " +
                                              std::to_string(args.size()));
  }
  for (const KernelArg& arg : args) {
    if (arg.kind() == KernelArg::Kind::kSlotDeviceAddress && arg.bits() >= options_.device_bytes) {
      throw Failure(error_code::kInvalidOp, "cuda: slot device address offset " +
                                                std::to_string(arg.bits()) +
                                                " is outside the slot's " +
                                                std::to_string(options_.device_bytes) + " bytes");
    }
  }
  CUfunction function = nullptr;
  {
    std::lock_guard lock(modules_mutex_);
    if (kernel >= kernels_.size()) {
      throw Failure(error_code::kUnknownKernel, "cuda: kernel " + std::to_string(kernel) +
                                                    " was never looked up (" +
                                                    std::to_string(kernels_.size()) + " known)");
    }
    function = kernels_[kernel];
  }
  resources.ops.emplace_back(Launch{function, grid, block, shared_bytes,
                                    std::vector<KernelArg>(args.begin(), args.end())});
}

std::span<std::byte> CudaBackendImpl::staging(Slot slot) {
  return {recording(slot).staging, options_.staging_bytes};
}

void CudaBackendImpl::start(CompletionSink& sink, std::uint32_t slot_count) {
  sink_ = &sink;
  ContextScope scope(cu_, context_);
  slots_.resize(slot_count);
  for (SlotResources& slot : slots_) {
    // Timing off: these events only mark completion, and timed ones cost more to record.
    if (CUresult r = cu_.cuEventCreate(&slot.done, CU_EVENT_DISABLE_TIMING); r != CUDA_SUCCESS) {
      slot.done = nullptr;
      fail_setup("cuEventCreate", r);
    }
    void* staging = nullptr;
    if (CUresult r = cu_.cuMemAllocHost(&staging, options_.staging_bytes); r != CUDA_SUCCESS) {
      fail_setup("cuMemAllocHost", r);
    }
    slot.staging = static_cast<std::byte*>(staging);
    if (CUresult r = cu_.cuMemAlloc(&slot.device, options_.device_bytes); r != CUDA_SUCCESS) {
      slot.device = 0;
      fail_setup("cuMemAlloc", r);
    }
    slot.ops.reserve(8);
    slot.arg_values.reserve(kMaxKernelArgs);
    slot.arg_pointers.reserve(kMaxKernelArgs);
  }
  submissions_ = std::make_unique<SubmissionLevels>(slot_count, priority_levels_);
  completer_ = std::thread([this] {
    if (priority_levels_ == 1) {
      run_completions();
    } else {
      run_leveled_completions();
    }
  });
  pthread_setname_np(completer_.native_handle(), "cmdring-cuda");
}

void CudaBackendImpl::begin_slot(std::uint32_t slot) noexcept {
  slots_[slot].ops.clear();
}

void CudaBackendImpl::use_priority_levels(std::uint32_t levels) {
  int least = 0;
  int greatest = 0;
  ContextScope scope(cu_, context_);
  if (CUresult r = cu_.cuCtxGetStreamPriorityRange(&least, &greatest); r != CUDA_SUCCESS) {
    fail_setup("cuCtxGetStreamPriorityRange", r);
  }
  // Replaces the round-robin stream, which has run nothing yet. CUDA counts down:
  // `greatest` is the most urgent (−5 on recent GPUs), `least` the default (0). Level
  // 0 gets least, the top level greatest, the ones between spread evenly (levels share
  // a CUDA priority when there are more levels than the device has priorities).
  for (CUstream stream : streams_) cu_.cuStreamDestroy(stream);
  streams_.clear();
  for (std::uint32_t level = 0; level < levels; ++level) {
    const int priority =
        least + (greatest - least) * static_cast<int>(level) / static_cast<int>(levels - 1);
    CUstream stream = nullptr;
    if (CUresult r = cu_.cuStreamCreateWithPriority(&stream, CU_STREAM_NON_BLOCKING, priority);
        r != CUDA_SUCCESS) {
      fail_setup("cuStreamCreateWithPriority", r);
    }
    streams_.push_back(stream);
  }
  priority_levels_ = levels;
}

Status CudaBackendImpl::submit(std::uint32_t slot, std::uint64_t fence, std::uint32_t priority) {
  if (Status failure = enqueue(slot, fence, streams_[priority])) return failure;
  // Read by the completer after it pops the record below (the push releases it).
  slots_[slot].enqueued_ns = steady_clock_ns(Clock::now());
  const auto op_count = static_cast<std::uint32_t>(slots_[slot].ops.size());
  if (!submissions_->push(priority, SubmissionRecord{fence, slot, op_count})) {
    return make_error(error_code::kCommandFailed,
                      "cuda: fence " + std::to_string(fence) +
                          " found the submission ring full; the ring submitted more than "
                          "ring_size fences (a bug)");
  }
  return std::nullopt;
}

Status CudaBackendImpl::enqueue(std::uint32_t slot, std::uint64_t fence, CUstream stream) {
  SlotResources& resources = slots_[slot];
  ContextScope scope(cu_, context_);
  auto failed = [&](std::size_t op, const char* call, CUresult result) -> Status {
    return make_error(error_code::kCommandFailed,
                      "cuda: fence " + std::to_string(fence) + " (slot " + std::to_string(slot) +
                          ") op " + std::to_string(op) + ": " + call + " failed with " +
                          cuda_error_text(cu_, result));
  };
  for (std::size_t i = 0; i < resources.ops.size(); ++i) {
    Status failure = std::visit(
        Overloaded{
            [&](const CopyToDevice& op) -> Status {
              CUresult r =
                  cu_.cuMemcpyHtoDAsync(resources.device + op.device_offset,
                                        resources.staging + op.staging_offset, op.bytes, stream);
              return r == CUDA_SUCCESS ? Status() : failed(i, "cuMemcpyHtoDAsync", r);
            },
            [&](const CopyToHost& op) -> Status {
              CUresult r =
                  cu_.cuMemcpyDtoHAsync(resources.staging + op.staging_offset,
                                        resources.device + op.device_offset, op.bytes, stream);
              return r == CUDA_SUCCESS ? Status() : failed(i, "cuMemcpyDtoHAsync", r);
            },
            [&](const Launch& op) -> Status {
              resources.arg_values.clear();
              resources.arg_pointers.clear();
              for (const KernelArg& arg : op.args) {
                resources.arg_values.push_back(arg.kind() == KernelArg::Kind::kSlotDeviceAddress
                                                   ? resources.device + arg.bits()
                                                   : arg.bits());
              }
              // Pointers after all values are in: the vector does not move (reserved).
              for (std::uint64_t& value : resources.arg_values) {
                resources.arg_pointers.push_back(&value);
              }
              CUresult r = cu_.cuLaunchKernel(op.function, op.grid.x, op.grid.y, op.grid.z,
                                              op.block.x, op.block.y, op.block.z, op.shared_bytes,
                                              stream, resources.arg_pointers.data(), nullptr);
              return r == CUDA_SUCCESS ? Status() : failed(i, "cuLaunchKernel", r);
            },
        },
        resources.ops[i]);
    if (failure) return failure;
  }
  if (CUresult r = cu_.cuEventRecord(resources.done, stream); r != CUDA_SUCCESS) {
    return failed(resources.ops.size(), "cuEventRecord", r);
  }
  return std::nullopt;
}

void CudaBackendImpl::shutdown(bool abandon) noexcept {
  if (!submissions_) return;  // never started
  // Relaxed: the close below is sequentially consistent and the completer reads
  // this after it wakes.
  if (abandon) abandon_.store(true, std::memory_order_relaxed);
  submissions_->close();
  if (completer_.joinable()) completer_.join();
}

void CudaBackendImpl::report(const SubmissionRecord& record, CUresult status,
                             const CommandReport& times) {
  if (status == CUDA_SUCCESS) {
    sink_->on_completed(record.fence, times);
  } else {
    sink_->on_failed(record.fence,
                     make_error(error_code::kCommandFailed,
                                "cuda: fence " + std::to_string(record.fence) + " (slot " +
                                    std::to_string(record.slot) +
                                    ") failed on the device: " + cuda_error_text(cu_, status)),
                     times);
  }
}

void CudaBackendImpl::run_completions() {
  cu_.cuCtxSetCurrent(context_);
  // The stream runs fences one after another: each starts when it was enqueued or when the
  // one before it ended, whichever is later (up to the launch latency).
  std::uint64_t previous_end_ns = 0;
  for (;;) {
    const std::optional<LeveledSubmission> oldest = submissions_->wait_next(kIdleSpin, abandon_);
    if (!oldest || abandon_.load(std::memory_order_relaxed)) return;
    const SubmissionRecord record = oldest->record;
    // Polled rather than cuEventSynchronize: a blocked wait could not be given up
    // when close() times out on a kernel that never ends.
    const auto since = Clock::now();
    CUresult status = cu_.cuEventQuery(slots_[record.slot].done);
    while (status == CUDA_ERROR_NOT_READY) {
      if (abandon_.load(std::memory_order_relaxed)) return;
      if (Clock::now() - since < kPollSpin) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(kPollSleep);
      }
      status = cu_.cuEventQuery(slots_[record.slot].done);
    }
    const std::uint64_t end_ns = steady_clock_ns(Clock::now());
    const CommandReport times{std::max(slots_[record.slot].enqueued_ns, previous_end_ns), end_ns,
                              record.op_count};
    previous_end_ns = end_ns;
    submissions_->pop(0);
    report(record, status, times);
  }
}

// Several levels: one stream each, which the GPU's scheduler serves by priority, so
// fences finish in order within a level but in any order across levels. The completer
// watches every level's oldest fence and reports whichever is done, highest level first.
void CudaBackendImpl::run_leveled_completions() {
  cu_.cuCtxSetCurrent(context_);
  std::vector<std::uint64_t> previous_end_ns(priority_levels_, 0);  // per stream, as above
  auto since = Clock::now();  // when a fence was last reported, for the polling pace
  for (;;) {
    if (abandon_.load(std::memory_order_relaxed)) return;
    const std::uint64_t pushes = submissions_->pushes();
    const bool closed = submissions_->closed();
    bool in_flight = false;
    bool reported = false;
    submissions_->for_each_oldest([&](const LeveledSubmission& oldest) {
      in_flight = true;
      const SubmissionRecord& record = oldest.record;
      const CUresult status = cu_.cuEventQuery(slots_[record.slot].done);
      if (status == CUDA_ERROR_NOT_READY) return;
      const std::uint64_t end_ns = steady_clock_ns(Clock::now());
      const CommandReport times{
          std::max(slots_[record.slot].enqueued_ns, previous_end_ns[oldest.level]), end_ns,
          record.op_count};
      previous_end_ns[oldest.level] = end_ns;
      submissions_->pop(oldest.level);
      report(record, status, times);
      reported = true;
    });
    if (reported) {
      since = Clock::now();
    } else if (in_flight) {
      if (Clock::now() - since < kPollSpin) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(kPollSleep);
      }
    } else if (closed) {
      return;  // closed, and every level drained
    } else {
      if (!spin_until([&] { return submissions_->pushes() != pushes; }, kIdleSpin)) {
        submissions_->wait_for_push(pushes);
      }
      since = Clock::now();  // a fresh fence: poll it closely first
    }
  }
}

}  // namespace

Availability probe_cuda() {
  const CudaDriver& driver = cuda_driver();
  if (!driver.usable) return {false, driver.unusable_reason};
  return {true, {}};
}

std::unique_ptr<GpuBackend> create_cuda_backend(const GpuBackendOptions& options) {
  return std::make_unique<CudaBackendImpl>(options);
}

}  // namespace ringkit::cmdring
