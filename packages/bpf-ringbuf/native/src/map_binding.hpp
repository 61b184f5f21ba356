// A BpfMap (bpf_map.hpp) as JavaScript sees it: RawMap in src/native-binding.ts.
// Keys and values cross as Uint8Arrays; per-CPU values as one per possible CPU.
#pragma once

#include <napi.h>

#include <memory>

#include "bpf_map.hpp"

namespace ringkit::bpf {

// The RawMap over `map`; the map's fd closes on close() or when JavaScript lets go of it.
Napi::Value map_handle(Napi::Env env, std::unique_ptr<BpfMap> map);

// Adds openPinnedMap.
void register_map_binding(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
