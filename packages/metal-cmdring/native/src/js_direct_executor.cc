#include "js_direct_executor.hpp"

namespace ringkit::cmdring::js {

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
