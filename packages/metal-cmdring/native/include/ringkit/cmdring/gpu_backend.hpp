// What the GPU backends (cuda, metal) share: per-slot staging memory the caller
// fills and reads, per-slot device memory, and three recorded ops — copy to the
// device, launch a kernel from a loaded module, copy back. One interface, so a
// binding (or a benchmark) treats both the same; only the module source differs
// (PTX for cuda, Metal Shading Language for metal).
//
// Record into a slot only between its acquire and its commit; read its staging
// memory in its completion callback (or after its fence, before the slot is
// acquired again).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ringkit/cmdring/backend.hpp"
#include "ringkit/cmdring/kernel_args.hpp"
#include "ringkit/cmdring/slot.hpp"

namespace ringkit::cmdring {

struct GpuBackendOptions {
  int device = 0;
  std::size_t staging_bytes = std::size_t{1} << 20;  // per slot, host-visible (pinned) memory
  std::size_t device_bytes = std::size_t{1} << 20;   // per slot
};

enum class BuiltinKernel {
  // cuda: (u64 nanoseconds, slot address of 2 × u64, or u64 0): one thread spins
  // on %globaltimer, then writes its start and end times in ns. Launch 1×1.
  // metal: (u64 rounds, slot address of 1 × u64): no shader clock exists, so it
  // spins a counted loop and writes its state.
  kSpin,
  // (u32 n, f32 a, slot address x, slot address y): y[i] = a·x[i] + y[i].
  kSaxpy,
};

using ModuleId = std::uint32_t;
using KernelId = std::uint32_t;

class GpuBackend : public Backend {
 public:
  // Throws Failure(INVALID_MODULE) with the compiler's log.
  virtual ModuleId load_module(std::string_view source) = 0;
  // Throws Failure(UNKNOWN_KERNEL) when the module has no such kernel.
  virtual KernelId kernel(ModuleId module, const std::string& name) = 0;
  virtual KernelId builtin_kernel(BuiltinKernel which) = 0;

  // Recording: each throws Failure(INVALID_OP) naming an out-of-range argument.
  virtual void copy_to_device(Slot slot, std::size_t staging_offset, std::size_t device_offset,
                              std::size_t bytes) = 0;
  // grid counts blocks (threadgroups), block counts threads in one.
  virtual void launch(Slot slot, KernelId kernel, Dim3 grid, Dim3 block,
                      std::span<const KernelArg> args, std::uint32_t shared_bytes = 0) = 0;
  virtual void copy_to_host(Slot slot, std::size_t device_offset, std::size_t staging_offset,
                            std::size_t bytes) = 0;

  virtual std::span<std::byte> staging(Slot slot) = 0;
  virtual std::string device_name() const = 0;
  virtual const GpuBackendOptions& options() const noexcept = 0;
};

}  // namespace ringkit::cmdring
