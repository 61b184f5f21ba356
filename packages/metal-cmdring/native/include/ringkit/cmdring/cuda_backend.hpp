// The cuda backend: one stream (with priority levels, one per level, made with
// cuStreamCreateWithPriority), one event per slot (recorded after the slot's
// work; its completion is the fence), per-slot pinned staging and device memory,
// kernels from PTX. libcuda.so.1 is opened at run time, so the package builds and
// loads where CUDA is absent; create_cuda_backend() then throws the reason.
#pragma once

#include <memory>

#include "ringkit/cmdring/availability.hpp"
#include "ringkit/cmdring/gpu_backend.hpp"

namespace ringkit::cmdring {

// Opens the driver (once per process) and says whether a device is usable here.
Availability probe_cuda();

// Throws Failure(BACKEND_UNAVAILABLE) with probe_cuda()'s reason, or when the
// device cannot provide the context, stream or memory.
std::unique_ptr<GpuBackend> create_cuda_backend(const GpuBackendOptions& options = {});

}  // namespace ringkit::cmdring
