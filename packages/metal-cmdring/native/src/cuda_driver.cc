#include "cuda_driver.hpp"

#include <dlfcn.h>

#include <string>

namespace ringkit::cmdring {

namespace {

// Two steps so the argument is macro-expanded first: cuMemAlloc → "cuMemAlloc_v2".
#define RINGKIT_CUDA_SYMBOL_NAME(function) RINGKIT_CUDA_STRINGIFY(function)
#define RINGKIT_CUDA_STRINGIFY(text) #text

CudaDriver open_driver() {
  CudaDriver driver;
  void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    driver.unusable_reason =
        "libcuda.so.1 not found: the NVIDIA driver is not installed or not on the loader path (" +
        std::string(why != nullptr ? why : "dlopen failed") + ").";
    return driver;
  }
  const char* missing = nullptr;
#define RINGKIT_CUDA_DRIVER_LOAD(function)                                 \
  if (missing == nullptr) {                                                \
    void* symbol = dlsym(library, RINGKIT_CUDA_SYMBOL_NAME(function));     \
    if (symbol == nullptr) missing = RINGKIT_CUDA_SYMBOL_NAME(function);   \
    driver.function = reinterpret_cast<decltype(driver.function)>(symbol); \
  }
  RINGKIT_CUDA_DRIVER_FUNCTIONS(RINGKIT_CUDA_DRIVER_LOAD)
#undef RINGKIT_CUDA_DRIVER_LOAD
  if (missing != nullptr) {
    driver.unusable_reason = "libcuda.so.1 is too old for this package: it has no " +
                             std::string(missing) + " (CUDA 11.0 or newer is needed).";
    return driver;
  }
  if (const CUresult result = driver.cuInit(0); result != CUDA_SUCCESS) {
    driver.unusable_reason =
        result == CUDA_ERROR_NO_DEVICE
            ? "no CUDA device: the driver is installed but sees no GPU."
            : "no usable CUDA device: cuInit failed with " + cuda_error_text(driver, result) + ".";
    return driver;
  }
  int count = 0;
  if (const CUresult result = driver.cuDeviceGetCount(&count);
      result != CUDA_SUCCESS || count == 0) {
    driver.unusable_reason = "no CUDA device: the driver is installed but sees no GPU.";
    return driver;
  }
  driver.device_count = count;
  driver.usable = true;
  return driver;
}

}  // namespace

const CudaDriver& cuda_driver() {
  static const CudaDriver driver = open_driver();
  return driver;
}

std::string cuda_error_text(const CudaDriver& driver, CUresult result) {
  const char* name = nullptr;
  const char* text = nullptr;
  if (driver.cuGetErrorName != nullptr) driver.cuGetErrorName(result, &name);
  if (driver.cuGetErrorString != nullptr) driver.cuGetErrorString(result, &text);
  std::string out = name != nullptr ? name : "CUresult " + std::to_string(static_cast<int>(result));
  if (text != nullptr) out += std::string(" (") + text + ")";
  return out;
}

}  // namespace ringkit::cmdring
