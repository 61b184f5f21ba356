// abi(): every constant and offset of bpf/ringkit_abi.h and reader.hpp as this
// build compiled them, for the test that checks src/abi.ts against both.
#pragma once

#include <napi.h>

namespace ringkit::bpf {

// Adds abi.
void register_abi(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
