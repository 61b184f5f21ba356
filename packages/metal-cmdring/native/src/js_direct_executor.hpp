// DirectExecutor (direct_executor.hpp) for the overhead benchmark's baseline:
// new DirectExecutor(spinUs), run(microseconds) (blocks until done), close().
// Not part of the package's API; bench/ reaches it through the addon.
#pragma once

#include <napi.h>

#include <memory>

#include "ringkit/cmdring/direct_executor.hpp"

namespace ringkit::cmdring::js {

class DirectExecutorHandle : public Napi::ObjectWrap<DirectExecutorHandle> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit DirectExecutorHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value run(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);

  std::unique_ptr<DirectExecutor> executor_;
};

}  // namespace ringkit::cmdring::js
