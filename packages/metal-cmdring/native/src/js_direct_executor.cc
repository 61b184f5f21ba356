#include "js_direct_executor.hpp"

#include <exception>

namespace ringkit::cmdring::js {

Napi::Function BackendLoopHandle::define(Napi::Env env) {
  return DefineClass(env, "BackendLoop",
                     {
                         InstanceMethod<&BackendLoopHandle::run>("run"),
                         InstanceMethod<&BackendLoopHandle::close>("close"),
                     });
}

BackendLoopHandle::BackendLoopHandle(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<BackendLoopHandle>(info) {
  const double slots = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
  if (!(slots >= 1 && slots <= 64)) {
    throw Napi::RangeError::New(info.Env(), "new BackendLoop(slots) takes 1–64 slots.");
  }
  // The ring's poll before sleeping (50 µs): short commands complete while it polls.
  loop_ = std::make_unique<BackendLoop>(static_cast<std::uint32_t>(slots));
}

Napi::Value BackendLoopHandle::run(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!loop_) throw Napi::Error::New(env, "the backend loop is closed.");
  if (!info[0].IsNumber() || !info[1].IsNumber() || info[0].As<Napi::Number>().DoubleValue() < 1) {
    throw Napi::RangeError::New(env, "run(commands, microseconds) takes two whole numbers.");
  }
  try {
    const auto elapsed = loop_->run(info[0].As<Napi::Number>().Int64Value(),
                                    info[1].As<Napi::Number>().Uint32Value());
    return Napi::Number::New(env, static_cast<double>(elapsed.count()));
  } catch (const std::exception& error) {
    throw Napi::Error::New(env, error.what());
  }
}

Napi::Value BackendLoopHandle::close(const Napi::CallbackInfo& info) {
  loop_.reset();
  return info.Env().Undefined();
}

Napi::Function DirectExecutorHandle::define(Napi::Env env) {
  return DefineClass(env, "DirectExecutor",
                     {
                         InstanceMethod<&DirectExecutorHandle::run>("run"),
                         InstanceMethod<&DirectExecutorHandle::close>("close"),
                     });
}

DirectExecutorHandle::DirectExecutorHandle(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<DirectExecutorHandle>(info) {
  const double spin_us = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 50;
  executor_ = std::make_unique<DirectExecutor>(spin_us);
}

Napi::Value DirectExecutorHandle::run(const Napi::CallbackInfo& info) {
  if (!executor_) throw Napi::Error::New(info.Env(), "the direct executor is closed.");
  executor_->run(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

Napi::Value DirectExecutorHandle::close(const Napi::CallbackInfo& info) {
  executor_.reset();
  return info.Env().Undefined();
}

}  // namespace ringkit::cmdring::js
