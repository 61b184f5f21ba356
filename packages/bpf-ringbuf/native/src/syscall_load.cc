#include "syscall_load.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "js_error.hpp"
#include "privileges.hpp"

namespace ringkit::bpf {
namespace {

using Clock = std::chrono::steady_clock;

// Calls between clock checks: at most 64 (the clock then costs nothing at 1 M calls/s), and
// about 64 µs worth at lower rates, so slow runs are paced call by call rather than in bursts.
constexpr std::uint64_t kMaxPaceChunk = 64;

std::uint64_t pace_chunk(double rate) {
  if (rate <= 0) return kMaxPaceChunk;
  const double calls = rate * 64e-6;
  return calls >= kMaxPaceChunk ? kMaxPaceChunk : calls < 1 ? 1 : static_cast<std::uint64_t>(calls);
}

void call_getpgid() {
  syscall(SYS_getpgid, 0);
}

// Waits until `target`: sleeps while it is far (the sleep overshoots by tens of
// microseconds), spins the rest.
void wait_until(Clock::time_point target) {
  using std::chrono::microseconds;
  for (Clock::time_point now = Clock::now(); now < target; now = Clock::now()) {
    if (target - now > microseconds(200))
      std::this_thread::sleep_for(target - now - microseconds(100));
  }
}

// One startSyscallLoad run, shared by its threads, the JS handle and the
// completion callback, so whichever finishes last frees it.
struct SyscallLoad {
  std::vector<int> cpus;
  std::uint64_t calls_per_thread = 0;
  double rate = 0;
  std::atomic<bool> stop{false};

  std::vector<pid_t> tids;
  std::vector<std::uint64_t> calls;
  // Each worker's own CPU time (CLOCK_THREAD_CPUTIME_ID) when it finished: what a
  // consumer-cost bench subtracts from the process's CPU, the BPF program's run included.
  std::vector<double> cpu_ns;
  std::vector<int> pin_errors;
  double seconds = 0;

  // Workers report their tid, then wait for every other worker: they start together.
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t ready = 0;
  bool go = false;

  std::vector<std::thread> workers;
  std::thread coordinator;
  Napi::ThreadSafeFunction completion;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
  napi_env env = nullptr;
  bool hook_registered = false;  // JS thread only

  void run_worker(std::size_t index) {
    const int cpu = cpus[index];
    int pin_error = 0;
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      pin_error = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    {
      std::unique_lock lock(mutex);
      tids[index] = static_cast<pid_t>(syscall(SYS_gettid));
      pin_errors[index] = pin_error;
      ready++;
      changed.notify_all();
      changed.wait(lock, [this] { return go; });
    }
    std::uint64_t made = 0;
    const Clock::time_point start = Clock::now();
    const double period_ns = rate > 0 ? 1e9 / rate : 0;
    const std::uint64_t pace = pace_chunk(rate);
    while (made < calls_per_thread && !stop.load(std::memory_order_relaxed)) {
      if (period_ns > 0)
        wait_until(start + std::chrono::nanoseconds(
                               static_cast<std::int64_t>(static_cast<double>(made) * period_ns)));
      const std::uint64_t chunk = std::min(pace, calls_per_thread - made);
      for (std::uint64_t call = 0; call < chunk; call++) call_getpgid();
      made += chunk;
    }
    calls[index] = made;
    timespec used{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &used);
    cpu_ns[index] = static_cast<double>(used.tv_sec) * 1e9 + static_cast<double>(used.tv_nsec);
  }

  void release_workers() {
    std::lock_guard lock(mutex);
    go = true;
    changed.notify_all();
  }

  // JS thread: stops the run, and joins it when the environment goes away.
  static void on_teardown(void* arg) {
    auto* load = static_cast<SyscallLoad*>(arg);
    load->hook_registered = false;
    load->stop.store(true);
    // The completion call never blocks (unbounded queue), so the join ends.
    if (load->coordinator.joinable()) load->coordinator.join();
  }
};

Napi::Object result_object(Napi::Env env, const SyscallLoad& load) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array tids = Napi::Array::New(env, load.tids.size());
  Napi::Array calls = Napi::Array::New(env, load.calls.size());
  Napi::Array cpu_ns = Napi::Array::New(env, load.cpu_ns.size());
  for (std::uint32_t index = 0; index < load.tids.size(); index++) {
    tids.Set(index, Napi::Number::New(env, load.tids[index]));
    calls.Set(index, Napi::Number::New(env, static_cast<double>(load.calls[index])));
    cpu_ns.Set(index, Napi::Number::New(env, load.cpu_ns[index]));
  }
  out.Set("tids", tids);
  out.Set("calls", calls);
  out.Set("cpuNs", cpu_ns);
  out.Set("seconds", Napi::Number::New(env, load.seconds));
  return out;
}

double number_option(const Napi::Object& options, const char* name, double max) {
  const Napi::Value value = options.Get(name);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= max && std::floor(number) == number))
    throw js_error(options.Env(), "INVALID_OPTIONS",
                   std::string(name) + " must be a whole number from 0 to " +
                       std::to_string(static_cast<std::uint64_t>(max)));
  return number;
}

void read_options(const Napi::Object& options, SyscallLoad& load) {
  const Napi::Env env = options.Env();
  const Napi::Value cpus = options.Get("cpus");
  if (!cpus.IsArray() || cpus.As<Napi::Array>().Length() == 0)
    throw js_error(env, "INVALID_OPTIONS", "cpus must list one CPU (or -1) per thread");
  const auto list = cpus.As<Napi::Array>();
  const int cpu_limit = CPU_SETSIZE - 1;
  for (std::uint32_t index = 0; index < list.Length(); index++) {
    const Napi::Value entry = list.Get(index);
    const double cpu = entry.IsNumber() ? entry.As<Napi::Number>().DoubleValue() : -2;
    if (!(cpu >= -1 && cpu <= cpu_limit && std::floor(cpu) == cpu))
      throw js_error(env, "INVALID_OPTIONS",
                     "cpus[" + std::to_string(index) + "] must be a CPU number or -1 (not pinned)");
    load.cpus.push_back(static_cast<int>(cpu));
  }
  load.calls_per_thread =
      static_cast<std::uint64_t>(number_option(options, "callsPerThread", 9007199254740991.0));
  const Napi::Value rate = options.Get("ratePerSecond");
  load.rate = rate.IsNumber() ? rate.As<Napi::Number>().DoubleValue() : -1;
  if (!(load.rate >= 0 && std::isfinite(load.rate)))
    throw js_error(env, "INVALID_OPTIONS",
                   "ratePerSecond must be a finite number of calls per second, or 0 for as fast "
                   "as possible");
}

// startSyscallLoad({ cpus, callsPerThread, ratePerSecond }) → { tids, done, stop() }.
Napi::Value StartSyscallLoad(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject())
    throw js_error(env, "INVALID_OPTIONS", "startSyscallLoad needs an options object");
  auto load = std::make_shared<SyscallLoad>();
  read_options(info[0].As<Napi::Object>(), *load);
  const std::size_t threads = load->cpus.size();
  load->tids.assign(threads, 0);
  load->calls.assign(threads, 0);
  load->cpu_ns.assign(threads, 0);
  load->pin_errors.assign(threads, 0);
  for (std::size_t index = 0; index < threads; index++)
    load->workers.emplace_back([load, index] { load->run_worker(index); });
  {
    std::unique_lock lock(load->mutex);
    load->changed.wait(lock, [&] { return load->ready == threads; });
  }
  for (std::size_t index = 0; index < threads; index++) {
    if (load->pin_errors[index] == 0) continue;
    load->stop.store(true);
    load->release_workers();
    for (std::thread& worker : load->workers) worker.join();
    throw js_error(env, "INVALID_OPTIONS",
                   "cannot pin a thread to CPU " + std::to_string(load->cpus[index]) + " (" +
                       errno_text(load->pin_errors[index]) +
                       "): choose CPUs this process may run on, or -1");
  }

  load->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  // The function is never called: the completion runs as the call's own callback.
  load->completion =
      Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                    "ringkit-syscall-load", 0, 1);
  load->env = env;
  if (napi_add_env_cleanup_hook(env, SyscallLoad::on_teardown, load.get()) == napi_ok)
    load->hook_registered = true;
  load->coordinator = std::thread([load] {
    const Clock::time_point start = Clock::now();
    load->release_workers();
    for (std::thread& worker : load->workers) worker.join();
    load->seconds = std::chrono::duration<double>(Clock::now() - start).count();
    load->completion.BlockingCall([load](Napi::Env call_env, Napi::Function) {
      if (load->hook_registered)
        napi_remove_env_cleanup_hook(load->env, SyscallLoad::on_teardown, load.get());
      load->hook_registered = false;
      // Joined here, on the JS thread, so the thread object is never destroyed running.
      if (load->coordinator.joinable()) load->coordinator.detach();
      load->deferred->Resolve(result_object(call_env, *load));
    });
    load->completion.Release();
  });

  Napi::Object handle = Napi::Object::New(env);
  Napi::Array tids = Napi::Array::New(env, threads);
  for (std::uint32_t index = 0; index < threads; index++)
    tids.Set(index, Napi::Number::New(env, load->tids[index]));
  handle.Set("tids", tids);
  handle.Set("done", load->deferred->Promise());
  handle.Set("stop", Napi::Function::New(env, [load](const Napi::CallbackInfo& call) {
               load->stop.store(true);
               return call.Env().Undefined();
             }));
  return handle;
}

// getpgidLoop(calls) → nanoseconds the calls took on this thread.
Napi::Value GetpgidLoop(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const double calls = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(calls >= 0 && calls <= 9007199254740991.0 && std::floor(calls) == calls))
    throw js_error(env, "INVALID_OPTIONS", "getpgidLoop(calls) needs a whole number of calls");
  const auto count = static_cast<std::uint64_t>(calls);
  const Clock::time_point start = Clock::now();
  for (std::uint64_t call = 0; call < count; call++) call_getpgid();
  return Napi::Number::New(
      env, static_cast<double>(
               std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count()));
}

Failure listing_failure(int errnum) {
  if (is_permission_error(errnum))
    return not_permitted(errnum, "listing the kernel's BPF programs");
  return Failure("LOAD_FAILED", "listing the kernel's BPF programs failed (" + errno_text(errnum) +
                                    "): this kernel may lack BPF_PROG_GET_NEXT_ID (Linux 4.13+)");
}

// Every program the kernel has loaded now, by its (15-character) kernel name.
Napi::Value LoadedProgramNames(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  std::vector<std::string> names;
  std::uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    const int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // unloaded since it was listed
      throw js_error(env, listing_failure(errno));
    }
    bpf_prog_info program{};
    std::uint32_t length = sizeof program;
    const int got = bpf_obj_get_info_by_fd(fd, &program, &length);
    close(fd);
    if (got == 0) names.emplace_back(program.name);
  }
  if (errno != ENOENT) throw js_error(env, listing_failure(errno));
  Napi::Array out = Napi::Array::New(env, names.size());
  for (std::uint32_t index = 0; index < names.size(); index++) out.Set(index, names[index]);
  return out;
}

Napi::Value PossibleCpus(const Napi::CallbackInfo& info) {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0)
    throw js_error(info.Env(), "LOAD_FAILED",
                   "the number of possible CPUs is unknown (" + errno_text(-cpus) +
                       "): /sys/devices/system/cpu/possible must be readable");
  return Napi::Number::New(info.Env(), cpus);
}

}  // namespace

void register_syscall_load(Napi::Env env, Napi::Object exports) {
  exports.Set("startSyscallLoad", Napi::Function::New(env, StartSyscallLoad));
  exports.Set("getpgidLoop", Napi::Function::New(env, GetpgidLoop));
  exports.Set("loadedProgramNames", Napi::Function::New(env, LoadedProgramNames));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus));
}

}  // namespace ringkit::bpf
