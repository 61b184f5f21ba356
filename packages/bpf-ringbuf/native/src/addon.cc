// @ringkit/bpf-ringbuf's native addon: loading and attaching BPF objects with
// libbpf, their maps and links, the reader thread that carries their rings into JavaScript (or
// their rings mapped for JavaScript to walk itself, on its own period timer), the ABI as C++
// sees it, and syscall load for tests and benchmarks. The exports are src/native-binding.ts's
// NativeBinding. Node-API, and for the period timer libuv, which the node binary exports.
#include <napi.h>

#include "abi.hpp"
#include "link_binding.hpp"
#include "map_binding.hpp"
#include "object_binding.hpp"
#include "period_timer.hpp"
#include "reader_binding.hpp"
#include "ring_mapping.hpp"
#include "syscall_load.hpp"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ringkit::bpf::register_abi(env, exports);
  ringkit::bpf::register_object_binding(env, exports);
  ringkit::bpf::register_reader_binding(env, exports);
  ringkit::bpf::register_ring_mapping(env, exports);
  ringkit::bpf::register_period_timer(env, exports);
  ringkit::bpf::register_map_binding(env, exports);
  ringkit::bpf::register_link_binding(env, exports);
  ringkit::bpf::register_syscall_load(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ringkit_bpf_ringbuf, Init)
