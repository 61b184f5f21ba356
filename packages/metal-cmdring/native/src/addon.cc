// The command ring's Node-API addon: backends() and the RingHandle class, plus
// the statistics block's layout as C++ defines it (for test/layout.test.ts), and
// the overhead benchmarks' baselines (DirectExecutor, BackendLoop).
#include <napi.h>

#include "js_direct_executor.hpp"
#include "js_ring.hpp"
#include "ringkit/cmdring/backends.hpp"
#include "ringkit/cmdring/layout.hpp"

namespace ringkit::cmdring::js {
namespace {

Napi::Value backends_here(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::vector<BackendInfo> all = backends();
  Napi::Array list = Napi::Array::New(env, all.size());
  for (std::uint32_t i = 0; i < all.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", std::string(all[i].name));
    entry.Set("available", all[i].availability.available);
    entry.Set("reason", all[i].availability.reason);
    list.Set(i, entry);
  }
  return list;
}

// Every constant of layout.hpp's lists, by its TypeScript name, for test/layout.test.ts.
Napi::Value statistics_layout(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  layout::for_each_constant(
      [&](const char* name, double value) { out.Set(name, Napi::Number::New(env, value)); });
  return out;
}

}  // namespace
}  // namespace ringkit::cmdring::js

// At file scope: NODE_API_MODULE takes an unqualified name.
static Napi::Object init(Napi::Env env, Napi::Object exports) {
  using namespace ringkit::cmdring::js;
  exports.Set("backends", Napi::Function::New<backends_here>(env, "backends"));
  exports.Set("statisticsLayout", Napi::Function::New<statistics_layout>(env, "statisticsLayout"));
  exports.Set("RingHandle", RingHandle::define(env));
  exports.Set("DirectExecutor", DirectExecutorHandle::define(env));
  exports.Set("BackendLoop", BackendLoopHandle::define(env));
  return exports;
}

NODE_API_MODULE(ringkit_metal_cmdring, init)
