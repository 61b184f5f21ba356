#include "js_thread.hpp"

#include <thread>
#include <utility>

#include "js_arguments.hpp"

namespace ringkit::buffer_pool::js {

NativeThread::~NativeThread() {
  // Finished: the references were released on the JS thread. Otherwise the environment is
  // shutting down, and a reference must not be deleted from another thread: leave it.
  if (!finished_) static_cast<void>(keep_alive_.release());
}

std::byte* NativeThread::keep(Napi::Uint8Array view) {
  keep_alive_->push_back(Napi::Persistent(view));
  return reinterpret_cast<std::byte*>(view.Data());
}

void NativeThread::tell(const char* kind, std::uint32_t block) {
  events_.NonBlockingCall([kind, block](Napi::Env env, Napi::Function on_event) {
    try {
      on_event.Call({Napi::String::New(env, kind), Napi::Number::New(env, block)});
    } catch (const Napi::Error&) {
      // The JS side could not act (its channel closed): the thread's bounded waits report it.
    }
  });
}

bool NativeThread::add_block(double block, Napi::Uint8Array bytes) {
  if (finished_ || !(block >= 0 && block < blocks->capacity()) ||
      block != static_cast<std::uint32_t>(block) || bytes.ByteLength() != block_bytes)
    return false;
  const auto index = static_cast<std::uint32_t>(block);
  if (blocks->find(index) != nullptr) return false;
  return blocks->add(index, keep(bytes), true);
}

Napi::Object NativeThread::start(const std::shared_ptr<NativeThread>& self, Napi::Env env,
                                 Napi::Function on_event, const char* name,
                                 std::function<ResultBuilder()> work) {
  self->deferred_ = std::make_unique<Napi::Promise::Deferred>(env);
  self->events_ = Napi::ThreadSafeFunction::New(env, on_event, name, 0, 1);
  Napi::Promise promise = self->deferred_->Promise();
  std::thread([self, work = std::move(work)] {
    ResultBuilder result = work();
    self->events_.BlockingCall(
        [self, result = std::move(result)](Napi::Env call_env, Napi::Function) {
          self->finished_ = true;
          self->deferred_->Resolve(result(call_env));
          self->keep_alive_->clear();
        });
    self->events_.Release();
  }).detach();  // completion is reported through the promise

  // The promise is handed over as a property: a napi_value must not outlive this call's scope.
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("done", promise);
  handle.Set("stop", Napi::Function::New(env, [self](const Napi::CallbackInfo& call) {
               self->stop.store(true);
               return call.Env().Undefined();
             }));
  handle.Set("addBlock", Napi::Function::New(env, [self](const Napi::CallbackInfo& call) {
               const bool added = self->add_block(call[0].As<Napi::Number>().DoubleValue(),
                                                  view_of(call[1], "a block"));
               return Napi::Boolean::New(call.Env(), added);
             }));
  // takeRequest(block) → true when the thread still waits for block N (only replenish asks).
  handle.Set("takeRequest", Napi::Function::New(env, [self](const Napi::CallbackInfo& call) {
               const double block = call[0].As<Napi::Number>().DoubleValue();
               const bool taken = !self->finished_ && block >= 0 &&
                                  block == static_cast<std::uint32_t>(block) &&
                                  self->blocks->take_request(static_cast<std::uint32_t>(block));
               return Napi::Boolean::New(call.Env(), taken);
             }));
  return handle;
}

}  // namespace ringkit::buffer_pool::js
