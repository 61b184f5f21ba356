// The CUDA driver API, opened at run time. cuda.h supplies the types and
// prototypes only; nothing links libcuda, so the package loads where no NVIDIA
// driver is installed and says so instead of failing to load.
#pragma once

#include <cuda.h>

#include <string>

namespace ringkit::cmdring {

// cuda.h maps several names to versioned symbols (cuMemAlloc → cuMemAlloc_v2);
// members and dlsym names go through the same macros, so they stay in step.
#define RINGKIT_CUDA_DRIVER_FUNCTIONS(X) \
  X(cuInit)                              \
  X(cuDriverGetVersion)                  \
  X(cuDeviceGetCount)                    \
  X(cuDeviceGet)                         \
  X(cuDeviceGetName)                     \
  X(cuDevicePrimaryCtxRetain)            \
  X(cuDevicePrimaryCtxRelease)           \
  X(cuCtxPushCurrent)                    \
  X(cuCtxPopCurrent)                     \
  X(cuCtxSetCurrent)                     \
  X(cuCtxGetStreamPriorityRange)         \
  X(cuStreamCreate)                      \
  X(cuStreamCreateWithPriority)          \
  X(cuStreamDestroy)                     \
  X(cuStreamQuery)                       \
  X(cuEventCreate)                       \
  X(cuEventDestroy)                      \
  X(cuEventRecord)                       \
  X(cuEventQuery)                        \
  X(cuMemAlloc)                          \
  X(cuMemFree)                           \
  X(cuMemAllocHost)                      \
  X(cuMemFreeHost)                       \
  X(cuMemcpyHtoDAsync)                   \
  X(cuMemcpyDtoHAsync)                   \
  X(cuModuleLoadDataEx)                  \
  X(cuModuleUnload)                      \
  X(cuModuleGetFunction)                 \
  X(cuLaunchKernel)                      \
  X(cuGetErrorName)                      \
  X(cuGetErrorString)

struct CudaDriver {
#define RINGKIT_CUDA_DRIVER_MEMBER(function) decltype(&::function) function = nullptr;
  RINGKIT_CUDA_DRIVER_FUNCTIONS(RINGKIT_CUDA_DRIVER_MEMBER)
#undef RINGKIT_CUDA_DRIVER_MEMBER

  bool usable = false;
  int device_count = 0;
  // Why the driver is not usable: one sentence.
  std::string unusable_reason;
};

// Opened and initialised on first use, once per process; never closed (unloading
// libcuda while its threads run is unsafe).
const CudaDriver& cuda_driver();

// "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)".
std::string cuda_error_text(const CudaDriver& driver, CUresult result);

}  // namespace ringkit::cmdring
