// @ringkit/buffer-pool's native addon: native threads for every role of a pool — a
// producer (js_producer.cc), and drains, collectors and replenish, one or several to a
// thread (js_roles.cc) — and the control-block layout as C++ sees it (js_layout.cc).
// Node-API only, so one binary serves every Node version.
#include <napi.h>

#include "js_layout.hpp"
#include "js_producer.hpp"
#include "js_roles.hpp"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  namespace js = ringkit::buffer_pool::js;
  exports.Set("layout", Napi::Function::New(env, js::Layout));
  exports.Set("controlGeometry", Napi::Function::New(env, js::ControlGeometry));
  exports.Set("startProducer", Napi::Function::New(env, js::StartProducer));
  exports.Set("startRoles", Napi::Function::New(env, js::StartRoles));
  return exports;
}

}  // namespace

NODE_API_MODULE(ringkit_buffer_pool, Init)
