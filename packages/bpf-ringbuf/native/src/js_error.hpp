// Raising a Failure (errors.hpp) in JavaScript: an Error whose message is the
// sentence, whose `code` property is the code, and which carries the Failure's fields.
#pragma once

#include <napi.h>

#include <string>

#include "errors.hpp"

namespace ringkit::bpf {

Napi::Error js_error(Napi::Env env, const std::string& code, const std::string& message);

inline Napi::Error js_error(Napi::Env env, const Failure& failure) {
  Napi::Error error = js_error(env, failure.code(), failure.what());
  for (const auto& [name, value] : failure.fields()) error.Set(name, Napi::String::New(env, value));
  return error;
}

// Runs `body`, rethrowing a Failure as the JS error it stands for.
template <typename Body>
auto translating(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Failure& failure) {
    throw js_error(env, failure);
  }
}

}  // namespace ringkit::bpf
