#include "ringkit/cmdring/backends.hpp"

#include <string>

#include "ringkit/cmdring/cuda_backend.hpp"
#include "ringkit/cmdring/metal_backend.hpp"

namespace ringkit::cmdring {

std::vector<BackendInfo> backends() {
  return {
      {"cpu", {true, {}}},
      {"cuda", probe_cuda()},
      {"metal", probe_metal()},
  };
}

std::unique_ptr<Backend> create_backend(std::string_view name, const BackendOptions& options) {
  if (name == "cpu") return std::make_unique<CpuBackend>(options.cpu);
  if (name == "cuda") return create_cuda_backend(options.gpu);
  if (name == "metal") return create_metal_backend(options.gpu);
  if (name == "auto") {
    if (probe_metal().available) return create_metal_backend(options.gpu);
    if (probe_cuda().available) return create_cuda_backend(options.gpu);
    return std::make_unique<CpuBackend>(options.cpu);
  }
  throw Failure(
      error_code::kInvalidOptions,
      "backend must be 'auto', 'cpu', 'cuda' or 'metal', backend='" + std::string(name) + "'");
}

}  // namespace ringkit::cmdring
