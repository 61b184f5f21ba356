// mapRing: a kernel BPF ring buffer mapped into this process and handed to JavaScript as
// ArrayBuffers over the mappings themselves, for the direct reader (src/direct-reader.ts),
// which walks the ring on the JS thread with no reader thread between (RawRingMapping in
// src/native-binding.ts).
#pragma once

#include <napi.h>

namespace ringkit::bpf {

// Adds mapRing.
void register_ring_mapping(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
