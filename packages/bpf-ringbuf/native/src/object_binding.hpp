// openObject: a BpfObject (bpf_object.hpp) as JavaScript sees it (RawObject in
// src/native-binding.ts), and the kernel rings readers take from it.
#pragma once

#include <napi.h>

namespace ringkit::bpf {

// Adds openObject.
void register_object_binding(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
