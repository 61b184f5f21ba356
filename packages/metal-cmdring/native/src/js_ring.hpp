// RingHandle: one command ring as the TypeScript layer drives it. Methods are
// thin: the ring (ring.hpp) owns ordering, waiting and failure; this class
// turns its callbacks into mailbox messages and its errors into JS errors.
// Slot arguments are (index, fence) pairs; the TS layer refuses ops on a slot
// it has already committed, so recording never races the device.
#pragma once

#include <napi.h>

#include <memory>

#include "js_mailbox.hpp"
#include "ringkit/cmdring/cpu_backend.hpp"
#include "ringkit/cmdring/gpu_backend.hpp"
#include "ringkit/cmdring/ring.hpp"

namespace ringkit::cmdring::js {

class RingHandle : public Napi::ObjectWrap<RingHandle> {
 public:
  static Napi::Function define(Napi::Env env);

  // new RingHandle(options, statistics: Uint8Array over a SharedArrayBuffer, dispatch,
  //                completions: Uint8Array over the completion ring's SharedArrayBuffer)
  explicit RingHandle(const Napi::CallbackInfo& info);
  ~RingHandle() override;

 private:
  // Ring
  Napi::Value backend_name(const Napi::CallbackInfo& info);
  Napi::Value acquire(const Napi::CallbackInfo& info);
  Napi::Value acquire_sync(const Napi::CallbackInfo& info);
  Napi::Value expire_acquire(const Napi::CallbackInfo& info);
  Napi::Value abort_acquire(const Napi::CallbackInfo& info);
  Napi::Value commit(const Napi::CallbackInfo& info);
  Napi::Value wait_sync(const Napi::CallbackInfo& info);
  Napi::Value keep_alive(const Napi::CallbackInfo& info);
  Napi::Value close(const Napi::CallbackInfo& info);
  Napi::Value close_sync(const Napi::CallbackInfo& info);
  Napi::Value abandoned_fences(const Napi::CallbackInfo& info);
  // cpu backend
  Napi::Value busy_for(const Napi::CallbackInfo& info);
  Napi::Value fill(const Napi::CallbackInfo& info);
  Napi::Value copy(const Napi::CallbackInfo& info);
  Napi::Value checksum(const Napi::CallbackInfo& info);
  Napi::Value fail(const Napi::CallbackInfo& info);
  Napi::Value buffers(const Napi::CallbackInfo& info);
  Napi::Value result(const Napi::CallbackInfo& info);
  Napi::Value busy_ns(const Napi::CallbackInfo& info);
  // gpu backends
  Napi::Value load_module(const Napi::CallbackInfo& info);
  Napi::Value kernel(const Napi::CallbackInfo& info);
  Napi::Value builtin_kernel(const Napi::CallbackInfo& info);
  Napi::Value copy_to_device(const Napi::CallbackInfo& info);
  Napi::Value launch(const Napi::CallbackInfo& info);
  Napi::Value copy_to_host(const Napi::CallbackInfo& info);
  Napi::Value stagings(const Napi::CallbackInfo& info);
  Napi::Value device_name(const Napi::CallbackInfo& info);

  // The methods called once or more per command (acquire, commit, recording) are own
  // properties of each handle, each a function whose data is the handle: an instance method
  // pays napi_unwrap, a private-symbol lookup, on every call — a tenth of the JS thread's time
  // in a stream of commands. The handle object owns these functions and the TS layer reaches
  // them only through it, so the pointer never outlives the handle.
  template <Napi::Value (RingHandle::*Method)(const Napi::CallbackInfo&)>
  static Napi::Value call_with_data(const Napi::CallbackInfo& info) {
    return (static_cast<RingHandle*>(info.Data())->*Method)(info);
  }
  template <Napi::Value (RingHandle::*Method)(const Napi::CallbackInfo&)>
  Napi::PropertyDescriptor per_command(Napi::Env env, const char* name) {
    return Napi::PropertyDescriptor::Value(
        name, Napi::Function::New<call_with_data<Method>>(env, name, this), napi_default);
  }
  void define_per_command_methods(Napi::Object self);

  CpuBackend& cpu(Napi::Env env, const char* op);
  GpuBackend& gpu(Napi::Env env, const char* op);
  // A Uint8Array over native memory that keeps the ring (and so the memory) alive.
  Napi::Uint8Array view_of(Napi::Env env, std::span<std::byte> memory);
  void finish_close(Napi::Env env);

  // Declared before ring_: the ring's callbacks post here until close() has
  // joined its threads, so the mailbox must outlive it.
  std::shared_ptr<Mailbox> mailbox_;
  // Shared with the views over slot memory, which may outlive this handle.
  std::shared_ptr<Ring> ring_;
  CpuBackend* cpu_ = nullptr;
  GpuBackend* gpu_ = nullptr;
  Napi::Reference<Napi::Uint8Array> statistics_;
  Napi::Reference<Napi::Uint8Array> completions_;  // the completion ring's memory, kept alive
  bool closing_ = false;
  bool released_ = false;
};

}  // namespace ringkit::cmdring::js
