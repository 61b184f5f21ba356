// The overhead benchmarks' baselines, not part of the package's API (bench/
// reaches them through the addon): DirectExecutor (direct_executor.hpp) —
// new DirectExecutor(spinUs), run(microseconds) (blocks until done), close() —
// and BackendLoop (backend_loop.hpp) — new BackendLoop(slots),
// run(commands, microseconds) → nanoseconds (blocks this thread), close().
#pragma once

#include <napi.h>

#include <memory>

#include "ringkit/cmdring/backend_loop.hpp"
#include "ringkit/cmdring/direct_executor.hpp"

namespace ringkit::cmdring::js {

class BackendLoopHandle : public Napi::ObjectWrap<BackendLoopHandle> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit BackendLoopHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value run(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);

  std::unique_ptr<BackendLoop> loop_;
};

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
