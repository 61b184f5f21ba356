// abi(): every constant of native/include/ringkit/bpf_ringbuf/layout.hpp's lists, by its
// src/layout.ts name, for test/layout.test.ts; and syscall.getpgid, this build's number for the
// bench program's syscall, for the loader.
#pragma once

#include <napi.h>

namespace ringkit::bpf {

// Adds abi.
void register_abi(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
