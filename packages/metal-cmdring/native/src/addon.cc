// The command ring's Node-API addon: backends() and the RingHandle class, plus
// the statistics layout for the test that checks the TS mirror against it, and
// the overhead benchmark's DirectExecutor baseline.
#include <napi.h>

#include "js_direct_executor.hpp"
#include "js_ring.hpp"
#include "ringkit/cmdring/backends.hpp"
#include "ringkit/cmdring/stats_layout.hpp"

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

Napi::Value statistics_layout(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("magic", stats_layout::kMagic);
  layout.Set("version", stats_layout::kVersion);
  layout.Set("byteLength", static_cast<double>(stats_layout::kByteLength));
  Napi::Array fields = Napi::Array::New(env, stats_layout::fields().size());
  for (std::uint32_t i = 0; i < stats_layout::fields().size(); ++i) {
    const stats_layout::Field& field = stats_layout::fields()[i];
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", std::string(field.name));
    entry.Set("offset", static_cast<double>(field.offset));
    entry.Set("type", field.type == stats_layout::FieldType::kU32 ? "u32" : "f64");
    fields.Set(i, entry);
  }
  layout.Set("fields", fields);
  return layout;
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
  return exports;
}

NODE_API_MODULE(ringkit_metal_cmdring, init)
