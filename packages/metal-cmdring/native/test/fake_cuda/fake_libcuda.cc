// A stand-in libcuda.so.1 for machines without a GPU: the driver calls the cuda
// backend makes, with a stream that runs its work in order on a host thread.
// It knows the built-in kernels and the tests' user_fill by name, takes their
// parameters the way the driver does (by pointer, at launch), and refuses what
// the driver would (a block over 1024 threads, PTX without an .entry). Its
// purpose is the backend's plumbing — dlopen and versioned symbols, argument
// marshalling, the completion thread, poisoning — under the sanitizers; it says
// nothing about real GPU behaviour or timing. Used as:
//   LD_LIBRARY_PATH=build/test/fake-cuda build/test/cmdring_test --cuda
#include <cuda.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct CUctx_st {};
struct CUfunc_st {
  std::string name;
};
struct CUmod_st {
  std::string ptx;
  std::deque<CUfunc_st> functions;  // freed with the module, as the driver does
};
struct CUevent_st {
  std::atomic<std::uint64_t> recorded{0};
  std::atomic<std::uint64_t> reached{0};
};
struct CUstream_st {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::function<void()>> work;
  std::atomic<std::uint64_t> unfinished{0};  // queued or running
  bool stopping = false;
  std::thread worker;
};

namespace {

CUctx_st the_context;
std::mutex priorities_mutex;
std::vector<int> stream_priorities;  // what cuStreamCreateWithPriority was given

void run_stream(CUstream_st* stream) {
  for (;;) {
    std::function<void()> next;
    {
      std::unique_lock lock(stream->mutex);
      stream->changed.wait(lock, [&] { return !stream->work.empty() || stream->stopping; });
      if (stream->work.empty()) return;
      next = std::move(stream->work.front());
      stream->work.pop_front();
    }
    next();
    stream->unfinished.fetch_sub(1, std::memory_order_release);
  }
}

void enqueue(CUstream stream, std::function<void()> work) {
  stream->unfinished.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(stream->mutex);
    stream->work.push_back(std::move(work));
  }
  stream->changed.notify_one();
}

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

template <typename T>
T param(void** params, int index) {
  T value;
  std::memcpy(&value, params[index], sizeof value);
  return value;
}

}  // namespace

extern "C" {

CUresult CUDAAPI cuInit(unsigned int) {
  return std::getenv("RINGKIT_FAKE_CUDA_NO_DEVICE") != nullptr ? CUDA_ERROR_NO_DEVICE
                                                               : CUDA_SUCCESS;
}
CUresult CUDAAPI cuDriverGetVersion(int* version) {
  *version = 11000;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDeviceGetCount(int* count) {
  *count = 1;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDeviceGet(CUdevice* device, int ordinal) {
  if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDeviceGetName(char* name, int length, CUdevice) {
  std::snprintf(name, static_cast<std::size_t>(length), "ringkit fake CUDA driver (no GPU)");
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice) {
  *context = &the_context;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice) {
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuCtxPushCurrent(CUcontext) {
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuCtxPopCurrent(CUcontext* context) {
  if (context != nullptr) *context = &the_context;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuCtxSetCurrent(CUcontext) {
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamCreate(CUstream* stream, unsigned int) {
  auto* created = new CUstream_st;
  created->worker = std::thread(run_stream, created);
  *stream = created;
  return CUDA_SUCCESS;
}

// The range recent GPUs report: 0 the default and least urgent, −5 the most.
CUresult CUDAAPI cuCtxGetStreamPriorityRange(int* least, int* greatest) {
  if (least != nullptr) *least = 0;
  if (greatest != nullptr) *greatest = -5;
  return CUDA_SUCCESS;
}
// Each stream still runs on its own host thread: the priority is recorded (for the
// tests to read through ringkit_fake_cuda_stream_priorities), not scheduled by.
CUresult CUDAAPI cuStreamCreateWithPriority(CUstream* stream, unsigned int flags, int priority) {
  if (priority > 0 || priority < -5) return CUDA_ERROR_INVALID_VALUE;
  {
    std::lock_guard lock(priorities_mutex);
    stream_priorities.push_back(priority);
  }
  return cuStreamCreate(stream, flags);
}

// Not a driver call: the priorities cuStreamCreateWithPriority was given, in order,
// into `out` (up to `capacity`); returns how many there were.
int ringkit_fake_cuda_stream_priorities(int* out, int capacity) {
  std::lock_guard lock(priorities_mutex);
  for (int i = 0; i < capacity && i < static_cast<int>(stream_priorities.size()); ++i) {
    out[i] = stream_priorities[static_cast<std::size_t>(i)];
  }
  return static_cast<int>(stream_priorities.size());
}
// The real driver returns at once and finishes the work later; joining here is
// the simple equivalent for a test double.
CUresult CUDAAPI cuStreamDestroy(CUstream stream) {
  {
    std::lock_guard lock(stream->mutex);
    stream->stopping = true;
  }
  stream->changed.notify_all();
  stream->worker.join();
  delete stream;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamQuery(CUstream stream) {
  return stream->unfinished.load(std::memory_order_acquire) == 0 ? CUDA_SUCCESS
                                                                 : CUDA_ERROR_NOT_READY;
}

CUresult CUDAAPI cuEventCreate(CUevent* event, unsigned int) {
  *event = new CUevent_st;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuEventDestroy(CUevent event) {
  delete event;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuEventRecord(CUevent event, CUstream stream) {
  const std::uint64_t ticket = event->recorded.fetch_add(1) + 1;
  enqueue(stream, [event, ticket] { event->reached.store(ticket, std::memory_order_release); });
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuEventQuery(CUevent event) {
  return event->reached.load(std::memory_order_acquire) >= event->recorded.load()
             ? CUDA_SUCCESS
             : CUDA_ERROR_NOT_READY;
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr* pointer, size_t bytes) {
  *pointer = reinterpret_cast<CUdeviceptr>(std::calloc(1, bytes));
  return *pointer != 0 ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
CUresult CUDAAPI cuMemFree(CUdeviceptr pointer) {
  std::free(reinterpret_cast<void*>(pointer));
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuMemAllocHost(void** pointer, size_t bytes) {
  *pointer = std::calloc(1, bytes);
  return *pointer != nullptr ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
CUresult CUDAAPI cuMemFreeHost(void* pointer) {
  std::free(pointer);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr to, const void* from, size_t bytes,
                                   CUstream stream) {
  enqueue(stream, [to, from, bytes] { std::memcpy(reinterpret_cast<void*>(to), from, bytes); });
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuMemcpyDtoHAsync(void* to, CUdeviceptr from, size_t bytes, CUstream stream) {
  enqueue(stream, [to, from, bytes] { std::memcpy(to, reinterpret_cast<void*>(from), bytes); });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleLoadDataEx(CUmodule* module, const void* image, unsigned int count,
                                    CUjit_option* options, void** values) {
  const std::string ptx(static_cast<const char*>(image));
  if (ptx.find(".entry") == std::string::npos) {
    for (unsigned int i = 0; i < count; ++i) {
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER) {
        std::strcpy(static_cast<char*>(values[i]), "fake JIT: the module has no .entry");
      }
    }
    return CUDA_ERROR_INVALID_PTX;
  }
  *module = new CUmod_st{ptx, {}};
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuModuleUnload(CUmodule module) {
  delete module;
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
  if (module->ptx.find(std::string(".entry ") + name + "(") == std::string::npos) {
    return CUDA_ERROR_NOT_FOUND;
  }
  *function = &module->functions.emplace_back(CUfunc_st{name});
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuLaunchKernel(CUfunction function, unsigned int grid_x, unsigned int grid_y,
                                unsigned int grid_z, unsigned int block_x, unsigned int block_y,
                                unsigned int block_z, unsigned int, CUstream stream, void** params,
                                void**) {
  if (std::uint64_t{block_x} * block_y * block_z > 1024) return CUDA_ERROR_INVALID_VALUE;
  const std::uint64_t threads =
      std::uint64_t{grid_x} * grid_y * grid_z * block_x * block_y * block_z;
  // Parameters are read now, as the driver copies them at launch.
  if (function->name == "ringkit_spin") {
    const auto nanoseconds = param<std::uint64_t>(params, 0);
    const auto stamps = param<std::uint64_t>(params, 1);
    enqueue(stream, [nanoseconds, stamps] {
      const std::uint64_t start = now_ns();
      std::uint64_t end = start;
      while (end - start < nanoseconds) end = now_ns();
      if (stamps != 0) {
        std::memcpy(reinterpret_cast<void*>(stamps), &start, 8);
        std::memcpy(reinterpret_cast<void*>(stamps + 8), &end, 8);
      }
    });
  } else if (function->name == "ringkit_saxpy") {
    const auto n = param<std::uint32_t>(params, 0);
    const auto a = param<float>(params, 1);
    auto* x = reinterpret_cast<const float*>(param<std::uint64_t>(params, 2));
    auto* y = reinterpret_cast<float*>(param<std::uint64_t>(params, 3));
    enqueue(stream, [=] {
      for (std::uint64_t i = 0; i < n && i < threads; ++i) y[i] = a * x[i] + y[i];
    });
  } else if (function->name == "user_fill") {
    auto* out = reinterpret_cast<std::uint32_t*>(param<std::uint64_t>(params, 0));
    const auto n = param<std::uint32_t>(params, 1);
    const auto value = param<std::uint32_t>(params, 2);
    enqueue(stream, [=] {
      for (std::uint64_t i = 0; i < n && i < threads; ++i) out[i] = value;
    });
  } else {
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorName(CUresult error, const char** name) {
  switch (error) {
    case CUDA_ERROR_INVALID_VALUE:
      *name = "CUDA_ERROR_INVALID_VALUE";
      return CUDA_SUCCESS;
    case CUDA_ERROR_NO_DEVICE:
      *name = "CUDA_ERROR_NO_DEVICE";
      return CUDA_SUCCESS;
    case CUDA_ERROR_INVALID_PTX:
      *name = "CUDA_ERROR_INVALID_PTX";
      return CUDA_SUCCESS;
    case CUDA_ERROR_NOT_FOUND:
      *name = "CUDA_ERROR_NOT_FOUND";
      return CUDA_SUCCESS;
    default:
      *name = nullptr;
      return CUDA_ERROR_INVALID_VALUE;
  }
}
CUresult CUDAAPI cuGetErrorString(CUresult, const char** text) {
  *text = "reported by the fake driver";
  return CUDA_SUCCESS;
}

}  // extern "C"
