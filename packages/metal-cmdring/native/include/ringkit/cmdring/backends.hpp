// Which backends can run here (and why not), and choosing one by name:
// 'auto' | 'cpu' | 'cuda' | 'metal'.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "ringkit/cmdring/availability.hpp"
#include "ringkit/cmdring/backend.hpp"
#include "ringkit/cmdring/cpu_backend.hpp"
#include "ringkit/cmdring/gpu_backend.hpp"

namespace ringkit::cmdring {

struct BackendInfo {
  std::string_view name;
  Availability availability;
};

// cpu, cuda, metal, in that order; cpu is always available.
std::vector<BackendInfo> backends();

struct BackendOptions {
  CpuBackendOptions cpu;
  GpuBackendOptions gpu;
};

// 'auto' takes metal, else cuda, where available, else cpu. Throws
// Failure(INVALID_OPTIONS) for an unknown name, Failure(BACKEND_UNAVAILABLE) with
// the reason for one that cannot run here.
std::unique_ptr<Backend> create_backend(std::string_view name, const BackendOptions& options = {});

}  // namespace ringkit::cmdring
