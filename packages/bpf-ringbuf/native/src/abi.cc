#include "abi.hpp"

#include <sys/syscall.h>

#include <string>
#include <string_view>

#include "ringkit/bpf_ringbuf/layout.hpp"

namespace ringkit::bpf {
namespace {

Napi::Value Abi(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  struct Set {
    Napi::Env env;
    Napi::Object& out;
    void operator()(const char* name, double value) const {
      out.Set(name, Napi::Number::New(env, value));
    }
    void operator()(const char* name, std::string_view value) const {
      out.Set(name, Napi::String::New(env, std::string(value)));
    }
  };
  layout::for_each_constant(Set{env, out});
  // Not part of the ABI but a fact of this build's architecture, which TypeScript cannot know:
  // the syscall the bench program answers (the loader writes it into Config.BENCH_SYSCALL_NR).
  out.Set("syscall.getpgid", Napi::Number::New(env, SYS_getpgid));
  return out;
}

}  // namespace

void register_abi(Napi::Env env, Napi::Object exports) {
  exports.Set("abi", Napi::Function::New(env, Abi));
}

}  // namespace ringkit::bpf
