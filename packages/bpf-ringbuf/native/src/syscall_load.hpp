// Native helpers for tests and benchmarks: threads that call getpgid() (the bench
// program's trigger) at a chosen rate, a tight getpgid() loop on the calling
// thread, the names of every BPF program in the kernel (leak checks) and the
// number of possible CPUs.
#pragma once

#include <napi.h>

namespace ringkit::bpf {

// Adds startSyscallLoad, getpgidLoop, loadedProgramNames and possibleCpus.
void register_syscall_load(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
