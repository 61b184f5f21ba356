// The metal backend (macOS only): a fresh command buffer per acquire (Metal
// commits a command buffer once), an MTLSharedEvent per slot signalled with the
// fence, shared-storage staging and private device buffers, kernels compiled
// from Metal Shading Language source.
#pragma once

#include <memory>

#include "ringkit/cmdring/availability.hpp"
#include "ringkit/cmdring/gpu_backend.hpp"

namespace ringkit::cmdring {

Availability probe_metal();

// Throws Failure(BACKEND_UNAVAILABLE) with probe_metal()'s reason.
std::unique_ptr<GpuBackend> create_metal_backend(const GpuBackendOptions& options = {});

}  // namespace ringkit::cmdring
