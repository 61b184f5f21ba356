// The metal backend off macOS: the API is there, so callers need no conditional
// code, and it says why it cannot run.
#include <string>

#include "ringkit/cmdring/metal_backend.hpp"

namespace ringkit::cmdring {

namespace {

constexpr const char* kReason = "metal runs only on macOS, and this build is not for macOS.";

}  // namespace

Availability probe_metal() {
  return {false, kReason};
}

std::unique_ptr<GpuBackend> create_metal_backend(const GpuBackendOptions&) {
  throw Failure(error_code::kBackendUnavailable, std::string("metal: ") + kReason);
}

}  // namespace ringkit::cmdring
