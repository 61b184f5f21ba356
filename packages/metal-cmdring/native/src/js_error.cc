#include "js_error.hpp"

namespace ringkit::cmdring::js {

Napi::Error to_js(Napi::Env env, const Error& error) {
  // Sentences are written without their full stop, so one place adds it.
  const bool ended = !error.message.empty() && error.message.back() == '.';
  Napi::Error js_error = Napi::Error::New(env, ended ? error.message : error.message + ".");
  js_error.Set("code", Napi::String::New(env, error.code));
  if (error.cause) js_error.Set("cause", to_js(env, *error.cause).Value());
  return js_error;
}

}  // namespace ringkit::cmdring::js
