// The cuda backend where the build found no cuda.h: the API is there, so callers
// need no conditional code, and it says why it cannot run.
#include <string>

#include "ringkit/cmdring/cuda_backend.hpp"

namespace ringkit::cmdring {

namespace {

constexpr const char* kReason =
    "built without CUDA headers: cuda.h was not found when this package was built (set "
    "CUDA_HOME or install the CUDA toolkit headers, then rebuild).";

}  // namespace

Availability probe_cuda() {
  return {false, kReason};
}

std::unique_ptr<GpuBackend> create_cuda_backend(const GpuBackendOptions&) {
  throw Failure(error_code::kBackendUnavailable, std::string("cuda: ") + kReason);
}

}  // namespace ringkit::cmdring
