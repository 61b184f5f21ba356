#include "js_error.hpp"

namespace ringkit::bpf {

Napi::Error js_error(Napi::Env env, const std::string& code, const std::string& message) {
  // Sentences are written without their full stop, so one place adds it.
  const bool ended = !message.empty() && message.back() == '.';
  Napi::Error error = Napi::Error::New(env, ended ? message : message + ".");
  error.Set("code", Napi::String::New(env, code));
  return error;
}

}  // namespace ringkit::bpf
