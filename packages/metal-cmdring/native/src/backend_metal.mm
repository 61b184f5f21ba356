// The metal backend (metal_backend.hpp), built only on macOS, with ARC. It
// mirrors cuda_backend.cc: the stream becomes a command queue, a slot's event
// becomes an MTLSharedEvent signalled with the fence, and — the seed's defect
// corrected — each acquire gets a fresh command buffer, committed exactly once.
// Never compiled or run by this repository's CI (Linux); see the README.
#import <Foundation/Foundation.h>
#import <Metal/Metal.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ringkit/cmdring/metal_backend.hpp"

namespace ringkit::cmdring {

namespace {

constexpr std::size_t kMaxKernelArgs = 31;  // Metal's buffer argument table

constexpr const char* kBuiltinKernelsMsl = R"msl(
#include <metal_stdlib>
using namespace metal;

kernel void ringkit_spin(constant ulong& rounds [[buffer(0)]], device ulong* out [[buffer(1)]],
                         uint i [[thread_position_in_grid]]) {
  ulong state = 0x9e3779b97f4a7c15;
  for (ulong k = 0; k < rounds; ++k) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
  }
  if (i == 0) out[0] = state;
}

kernel void ringkit_saxpy(constant uint& n [[buffer(0)]], constant float& a [[buffer(1)]],
                          device const float* x [[buffer(2)]], device float* y [[buffer(3)]],
                          uint i [[thread_position_in_grid]]) {
  if (i < n) y[i] = a * x[i] + y[i];
}
)msl";

std::string describe(NSError* error) {
  return error != nil ? std::string(error.localizedDescription.UTF8String) : "no reason given";
}

// What completion handlers touch. Shared with every handler, so a handler that
// runs after an abandoned close finds it alive and reports nothing.
struct CompletionState {
  std::mutex mutex;
  std::condition_variable drained;
  CompletionSink* sink = nullptr;
  std::uint64_t next_fence = 1;  // the next fence to report: Metal's order is not relied on
  std::map<std::uint64_t, std::optional<Error>> early;
  std::uint64_t outstanding = 0;
  bool abandon = false;
};

class MetalBackendImpl final : public GpuBackend {
 public:
  explicit MetalBackendImpl(const GpuBackendOptions& options) : options_(options) {
    NSArray<id<MTLDevice>>* devices = MTLCopyAllDevices();
    if (options.device < 0 || static_cast<NSUInteger>(options.device) >= devices.count) {
      throw Failure(error_code::kInvalidOptions,
                    "metal: device must be between 0 and " + std::to_string(devices.count) +
                        " (exclusive), device=" + std::to_string(options.device));
    }
    device_ = options.device == 0 ? MTLCreateSystemDefaultDevice() : devices[options.device];
    queue_ = [device_ newCommandQueue];
    if (queue_ == nil) throw Failure(error_code::kBackendUnavailable, "metal: no command queue");
  }

  ~MetalBackendImpl() override { shutdown(true); }

  ModuleId load_module(std::string_view source) override {
    @autoreleasepool {
      return compile_library(source);
    }
  }

  KernelId kernel(ModuleId module, const std::string& name) override {
    @autoreleasepool {
      return make_pipeline(module, name);
    }
  }

 private:
  ModuleId compile_library(std::string_view source) {
    NSError* error = nil;
    NSString* text = [[NSString alloc] initWithBytes:source.data()
                                              length:source.size()
                                            encoding:NSUTF8StringEncoding];
    id<MTLLibrary> library = [device_ newLibraryWithSource:text options:nil error:&error];
    if (library == nil) {
      throw Failure(error_code::kInvalidModule,
                    "metal: the shader source did not compile: " + describe(error));
    }
    std::lock_guard lock(modules_mutex_);
    libraries_.push_back(library);
    return static_cast<ModuleId>(libraries_.size() - 1);
  }

  KernelId make_pipeline(ModuleId module, const std::string& name) {
    std::lock_guard lock(modules_mutex_);
    if (module >= libraries_.size()) {
      throw Failure(error_code::kInvalidOp,
                    "metal: module " + std::to_string(module) + " was never loaded");
    }
    id<MTLFunction> function =
        [libraries_[module] newFunctionWithName:[NSString stringWithUTF8String:name.c_str()]];
    if (function == nil) {
      throw Failure(error_code::kUnknownKernel, "metal: module " + std::to_string(module) +
                                                    " has no kernel function named '" + name + "'");
    }
    NSError* error = nil;
    id<MTLComputePipelineState> pipeline = [device_ newComputePipelineStateWithFunction:function
                                                                                  error:&error];
    if (pipeline == nil) {
      throw Failure(error_code::kInvalidModule,
                    "metal: kernel '" + name + "' has no pipeline: " + describe(error));
    }
    pipelines_.push_back(pipeline);
    return static_cast<KernelId>(pipelines_.size() - 1);
  }

 public:
  KernelId builtin_kernel(BuiltinKernel which) override {
    if (!builtin_module_) {
      builtin_module_ = load_module(kBuiltinKernelsMsl);
    }
    return kernel(*builtin_module_,
                  which == BuiltinKernel::kSpin ? "ringkit_spin" : "ringkit_saxpy");
  }

  void copy_to_device(Slot slot, std::size_t staging_offset, std::size_t device_offset,
                      std::size_t bytes) override {
    check_range("copy_to_device source", staging_offset, bytes, options_.staging_bytes);
    check_range("copy_to_device destination", device_offset, bytes, options_.device_bytes);
    recording(slot).ops.emplace_back(Copy{true, staging_offset, device_offset, bytes});
  }

  void copy_to_host(Slot slot, std::size_t device_offset, std::size_t staging_offset,
                    std::size_t bytes) override {
    check_range("copy_to_host source", device_offset, bytes, options_.device_bytes);
    check_range("copy_to_host destination", staging_offset, bytes, options_.staging_bytes);
    recording(slot).ops.emplace_back(Copy{false, staging_offset, device_offset, bytes});
  }

  void launch(Slot slot, KernelId kernel, Dim3 grid, Dim3 block, std::span<const KernelArg> args,
              std::uint32_t shared_bytes) override {
    SlotResources& resources = recording(slot);
    if (args.size() > kMaxKernelArgs) {
      throw Failure(error_code::kInvalidOp, "metal: a launch takes at most " +
                                                std::to_string(kMaxKernelArgs) +
                                                " arguments, got " + std::to_string(args.size()));
    }
    std::lock_guard lock(modules_mutex_);
    if (kernel >= pipelines_.size()) {
      throw Failure(error_code::kUnknownKernel,
                    "metal: kernel " + std::to_string(kernel) + " was never looked up");
    }
    resources.ops.emplace_back(Dispatch{pipelines_[kernel], grid, block, shared_bytes,
                                        std::vector<KernelArg>(args.begin(), args.end())});
  }

  std::span<std::byte> staging(Slot slot) override {
    return {static_cast<std::byte*>(recording(slot).staging.contents), options_.staging_bytes};
  }
  std::string device_name() const override { return device_.name.UTF8String; }
  const GpuBackendOptions& options() const noexcept override { return options_; }

  std::string_view name() const noexcept override { return "metal"; }

  void start(CompletionSink& sink, std::uint32_t slot_count) override {
    completion_->sink = &sink;
    slots_.resize(slot_count);
    for (SlotResources& slot : slots_) {
      slot.event = [device_ newSharedEvent];
      slot.staging = [device_ newBufferWithLength:options_.staging_bytes
                                          options:MTLResourceStorageModeShared];
      slot.device = [device_ newBufferWithLength:options_.device_bytes
                                         options:MTLResourceStorageModePrivate];
      if (slot.event == nil || slot.staging == nil || slot.device == nil) {
        throw Failure(error_code::kBackendUnavailable,
                      "metal: could not allocate a slot's event and buffers (" +
                          std::to_string(options_.staging_bytes) + " + " +
                          std::to_string(options_.device_bytes) + " bytes)");
      }
    }
  }

  void begin_slot(std::uint32_t slot) noexcept override {
    SlotResources& resources = slots_[slot];
    resources.ops.clear();
    // The callers' threads (Node's among them) have no autorelease pool of their
    // own: without one here, every command buffer would stay alive forever.
    @autoreleasepool {
      // A command buffer is committed once; every acquisition gets a new one.
      resources.command_buffer = [queue_ commandBuffer];
    }
  }

  // Priority levels stay refused (Backend's default use_priority_levels): one queue
  // in commit order, as this backend has never run on the real SDK to test more.
  Status submit(std::uint32_t slot, std::uint64_t fence, std::uint32_t) override {
    @autoreleasepool {
      return encode_and_commit(slot, fence);
    }
  }

  void shutdown(bool abandon) noexcept override {
    std::unique_lock lock(completion_->mutex);
    if (abandon) {
      completion_->abandon = true;
      return;
    }
    // The ring saw every fence complete; wait for the handlers to return too.
    completion_->drained.wait(lock, [this] { return completion_->outstanding == 0; });
  }

 private:
  Status encode_and_commit(std::uint32_t slot, std::uint64_t fence) {
    SlotResources& resources = slots_[slot];
    id<MTLCommandBuffer> command_buffer = resources.command_buffer;
    resources.command_buffer = nil;
    if (command_buffer == nil) {
      return make_error(error_code::kCommandFailed, "metal: fence " + std::to_string(fence) +
                                                        " (slot " + std::to_string(slot) +
                                                        ") has no command buffer to commit");
    }
    for (const Op& op : resources.ops) {
      if (const Copy* copy = std::get_if<Copy>(&op)) {
        id<MTLBlitCommandEncoder> blit = [command_buffer blitCommandEncoder];
        id<MTLBuffer> from = copy->to_device ? resources.staging : resources.device;
        id<MTLBuffer> to = copy->to_device ? resources.device : resources.staging;
        [blit copyFromBuffer:from
                 sourceOffset:copy->to_device ? copy->staging_offset : copy->device_offset
                     toBuffer:to
            destinationOffset:copy->to_device ? copy->device_offset : copy->staging_offset
                         size:copy->bytes];
        [blit endEncoding];
      } else {
        const Dispatch& dispatch = std::get<Dispatch>(op);
        id<MTLComputeCommandEncoder> encoder = [command_buffer computeCommandEncoder];
        [encoder setComputePipelineState:dispatch.pipeline];
        for (NSUInteger index = 0; index < dispatch.args.size(); ++index) {
          const KernelArg& arg = dispatch.args[index];
          if (arg.kind() == KernelArg::Kind::kSlotDeviceAddress) {
            [encoder setBuffer:resources.device offset:arg.bits() atIndex:index];
          } else {
            const std::uint64_t bits = arg.bits();
            [encoder setBytes:&bits length:arg.size() atIndex:index];
          }
        }
        if (dispatch.shared_bytes > 0) {
          [encoder setThreadgroupMemoryLength:dispatch.shared_bytes atIndex:0];
        }
        [encoder dispatchThreadgroups:MTLSizeMake(dispatch.grid.x, dispatch.grid.y, dispatch.grid.z)
                threadsPerThreadgroup:MTLSizeMake(dispatch.block.x, dispatch.block.y,
                                                  dispatch.block.z)];
        [encoder endEncoding];
      }
    }
    // The slot's event carries the fence on the device timeline, where other
    // queues (or a listener) can wait for it; the handler reports it to the ring.
    [command_buffer encodeSignalEvent:resources.event value:fence];
    std::shared_ptr<CompletionState> state = completion_;
    [command_buffer addCompletedHandler:^(id<MTLCommandBuffer> done) {
      std::optional<Error> failure;
      if (done.status == MTLCommandBufferStatusError) {
        failure =
            make_error(error_code::kCommandFailed,
                       "metal: fence " + std::to_string(fence) + " (slot " + std::to_string(slot) +
                           ") failed on the device: " + describe(done.error));
      }
      report(*state, fence, std::move(failure));
    }];
    {
      std::lock_guard lock(completion_->mutex);
      ++completion_->outstanding;
    }
    [command_buffer commit];
    return std::nullopt;
  }

  struct Copy {
    bool to_device;
    std::size_t staging_offset;
    std::size_t device_offset;
    std::size_t bytes;
  };
  struct Dispatch {
    id<MTLComputePipelineState> pipeline;
    Dim3 grid;
    Dim3 block;
    std::uint32_t shared_bytes;
    std::vector<KernelArg> args;
  };
  using Op = std::variant<Copy, Dispatch>;

  struct SlotResources {
    id<MTLSharedEvent> event = nil;
    id<MTLBuffer> staging = nil;
    id<MTLBuffer> device = nil;
    id<MTLCommandBuffer> command_buffer = nil;
    std::vector<Op> ops;
  };

  // Reports fences in order, holding back any handler that runs early. The sink
  // is called with the mutex released: it takes the ring's lock.
  static void report(CompletionState& state, std::uint64_t fence, std::optional<Error> failure) {
    std::unique_lock lock(state.mutex);
    state.early.emplace(fence, std::move(failure));
    while (!state.abandon && !state.early.empty() &&
           state.early.begin()->first == state.next_fence) {
      auto next = state.early.extract(state.early.begin());
      ++state.next_fence;
      lock.unlock();
      if (next.mapped()) {
        state.sink->on_failed(next.key(), std::move(*next.mapped()));
      } else {
        state.sink->on_completed(next.key());
      }
      lock.lock();
    }
    --state.outstanding;
    state.drained.notify_all();
  }

  SlotResources& recording(Slot slot) {
    if (slot.index >= slots_.size()) {
      throw Failure(error_code::kInvalidOp, "metal: slot index " + std::to_string(slot.index) +
                                                " is out of range for " +
                                                std::to_string(slots_.size()) + " slots");
    }
    return slots_[slot.index];
  }

  static void check_range(const char* what, std::size_t offset, std::size_t bytes,
                          std::size_t limit) {
    if (offset > limit || bytes > limit - offset) {
      throw Failure(error_code::kInvalidOp, std::string("metal: ") + what + " of " +
                                                std::to_string(bytes) + " bytes at offset " +
                                                std::to_string(offset) + " overruns the slot's " +
                                                std::to_string(limit) + " bytes");
    }
  }

  const GpuBackendOptions options_;
  id<MTLDevice> device_ = nil;
  id<MTLCommandQueue> queue_ = nil;
  std::vector<SlotResources> slots_;
  std::mutex modules_mutex_;
  std::vector<id<MTLLibrary>> libraries_;
  std::vector<id<MTLComputePipelineState>> pipelines_;
  std::optional<ModuleId> builtin_module_;
  std::shared_ptr<CompletionState> completion_ = std::make_shared<CompletionState>();
};

}  // namespace

Availability probe_metal() {
  if (MTLCreateSystemDefaultDevice() == nil) {
    return {false, "no Metal device: MTLCreateSystemDefaultDevice returned none (a virtual "
                   "machine or a session without GPU access)."};
  }
  return {true, {}};
}

std::unique_ptr<GpuBackend> create_metal_backend(const GpuBackendOptions& options) {
  if (Availability availability = probe_metal(); !availability.available) {
    throw Failure(error_code::kBackendUnavailable, "metal: " + availability.reason);
  }
  return std::make_unique<MetalBackendImpl>(options);
}

}  // namespace ringkit::cmdring
