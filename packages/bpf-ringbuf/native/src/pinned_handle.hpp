// What the JS handles of maps and links share: methods bound to the native object they hold,
// and the pin methods (pinnedPath, pin(path), unpin(path?)) both kinds of object have.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "js_error.hpp"

namespace ringkit::bpf {

// A method of a handle: `body(info, object)` on the object the handle holds.
template <typename Object, typename Body>
Napi::Function bound_method(Napi::Env env, const std::shared_ptr<Object>& object, Body body) {
  return Napi::Function::New(env, [object, body](const Napi::CallbackInfo& info) -> Napi::Value {
    return body(info, object);
  });
}

// A bpffs path argument: a non-empty string (or, when `optional`, absent: "").
inline std::string pin_path_argument(const Napi::Value& value, bool optional) {
  if (optional && (value.IsNull() || value.IsUndefined())) return "";
  if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty())
    throw js_error(value.Env(), "INVALID_OPTIONS", "a pin path must be a non-empty string");
  return value.As<Napi::String>().Utf8Value();
}

// pinnedPath(), pin(path) and unpin(path?) on a handle whose object has pinned_path(), pin()
// and unpin() (BpfMap, BpfLink).
template <typename Object>
void set_pin_methods(Napi::Env env, Napi::Object& handle, const std::shared_ptr<Object>& object) {
  using Held = std::shared_ptr<Object>;
  handle.Set("pinnedPath",
             bound_method(env, object, [](const Napi::CallbackInfo& info, const Held& held) {
               return Napi::String::New(info.Env(), held->pinned_path());
             }));
  handle.Set("pin", bound_method(env, object, [](const Napi::CallbackInfo& info, const Held& held) {
               const std::string path = pin_path_argument(info[0], false);
               translating(info.Env(), [&] { held->pin(path); });
               return info.Env().Undefined();
             }));
  handle.Set("unpin",
             bound_method(env, object, [](const Napi::CallbackInfo& info, const Held& held) {
               const std::string path = pin_path_argument(info[0], true);
               translating(info.Env(), [&] { held->unpin(path); });
               return info.Env().Undefined();
             }));
}

}  // namespace ringkit::bpf
