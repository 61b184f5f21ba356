#include "js_ring.hpp"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "js_error.hpp"
#include "js_options.hpp"
#include "ringkit/cmdring/backends.hpp"
#include "ringkit/cmdring/layout.hpp"

namespace ringkit::cmdring::js {
namespace {

// A finalizer's shutdown must not hang the thread it runs on: in-flight work
// gets this long before the ring gives up on it.
constexpr double kFinalizerCloseMs = 100;

double number_at(const Napi::CallbackInfo& info, std::size_t index, const char* what) {
  if (!info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return info[index].As<Napi::Number>().DoubleValue();
}

std::uint64_t whole_at(const Napi::CallbackInfo& info, std::size_t index, const char* what) {
  const double value = number_at(info, index, what);
  if (!(value >= 0) || std::floor(value) != value || value > 9007199254740991.0) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be a whole number from 0");
  }
  return static_cast<std::uint64_t>(value);
}

std::uint32_t u32_at(const Napi::CallbackInfo& info, std::size_t index, const char* what) {
  const std::uint64_t value = whole_at(info, index, what);
  if (value > 0xffffffffu) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must fit in 32 bits");
  }
  return static_cast<std::uint32_t>(value);
}

// (index, fence) at `first`, `first + 1`.
Slot slot_at(const Napi::CallbackInfo& info, std::size_t first) {
  return Slot{u32_at(info, first, "slot index"), whole_at(info, first + 1, "fence")};
}

// An acquired slot as one number, fence × kMaxRingSize + index (src/ring.ts's
// #slotFor reads it back): with priorities the index no longer follows from
// the fence, and one number costs the hot path no array. Exact while fences stay
// below 2^53 / 64, i.e. 1.4·10^14 acquisitions.
std::uint64_t slot_number(Slot slot) {
  return slot.fence * kMaxRingSize + slot.index;
}

std::optional<double> optional_ms(const Napi::CallbackInfo& info, std::size_t index) {
  if (info[index].IsUndefined() || info[index].IsNull()) return std::nullopt;
  return number_at(info, index, "timeoutMs");
}

Dim3 dim3_at(const Napi::CallbackInfo& info, std::size_t index, const char* what) {
  if (!info[index].IsArray() || info[index].As<Napi::Array>().Length() != 3) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be [x, y, z]");
  }
  const Napi::Array array = info[index].As<Napi::Array>();
  Dim3 dim;
  std::uint32_t* parts[] = {&dim.x, &dim.y, &dim.z};
  for (std::uint32_t i = 0; i < 3; ++i) {
    const Napi::Value part = array.Get(i);
    if (!part.IsNumber() || part.As<Napi::Number>().DoubleValue() < 1) {
      throw Napi::RangeError::New(info.Env(), std::string(what) + " sizes must be at least 1");
    }
    *parts[i] = part.As<Napi::Number>().Uint32Value();
  }
  return dim;
}

std::uint64_t bits64(const Napi::Env& env, const Napi::Value& value, bool is_signed) {
  if (value.IsBigInt()) {
    bool lossless = false;
    if (is_signed) {
      return static_cast<std::uint64_t>(value.As<Napi::BigInt>().Int64Value(&lossless));
    }
    return value.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  if (value.IsNumber()) {
    const double number = value.As<Napi::Number>().DoubleValue();
    return is_signed ? static_cast<std::uint64_t>(static_cast<std::int64_t>(number))
                     : static_cast<std::uint64_t>(number);
  }
  throw Napi::TypeError::New(env, "a 64-bit kernel argument must be a number or a bigint");
}

// [kind, value] pairs, as the TS layer encodes KernelArg.
std::vector<KernelArg> kernel_args_at(const Napi::CallbackInfo& info, std::size_t index) {
  const Napi::Env env = info.Env();
  if (!info[index].IsArray()) throw Napi::TypeError::New(env, "kernel args must be an array");
  const Napi::Array array = info[index].As<Napi::Array>();
  std::vector<KernelArg> args;
  args.reserve(array.Length());
  for (std::uint32_t i = 0; i < array.Length(); ++i) {
    const Napi::Array pair = array.Get(i).As<Napi::Array>();
    const std::string kind = pair.Get(0u).As<Napi::String>().Utf8Value();
    const Napi::Value value = pair.Get(1u);
    const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : 0;
    if (kind == "u32") {
      args.push_back(KernelArg::u32(static_cast<std::uint32_t>(number)));
    } else if (kind == "i32") {
      args.push_back(KernelArg::i32(static_cast<std::int32_t>(number)));
    } else if (kind == "f32") {
      args.push_back(KernelArg::f32(static_cast<float>(number)));
    } else if (kind == "f64") {
      args.push_back(KernelArg::f64(number));
    } else if (kind == "u64") {
      args.push_back(KernelArg::u64(bits64(env, value, false)));
    } else if (kind == "i64") {
      args.push_back(KernelArg::i64(static_cast<std::int64_t>(bits64(env, value, true))));
    } else if (kind == "slot") {
      args.push_back(KernelArg::slot_device_address(bits64(env, value, false)));
    } else {
      throw Napi::TypeError::New(env, "unknown kernel argument kind '" + kind + "'");
    }
  }
  return args;
}

class CloseWorker final : public Napi::AsyncWorker {
 public:
  CloseWorker(const Napi::Object& handle, std::shared_ptr<Ring> ring, double timeout_ms,
              std::function<void(Napi::Env)> finish)
      : Napi::AsyncWorker(handle.Env()),
        handle_(Napi::Persistent(handle)),
        deferred_(Napi::Promise::Deferred::New(handle.Env())),
        ring_(std::move(ring)),
        timeout_ms_(timeout_ms),
        finish_(std::move(finish)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override { status_ = ring_->close(timeout_ms_); }

  void OnOK() override {
    finish_(Env());
    deferred_.Resolve(status_ ? to_js(Env(), *status_).Value() : Env().Undefined());
  }

 private:
  Napi::ObjectReference handle_;  // the RingHandle stays alive while it closes
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Ring> ring_;
  double timeout_ms_;
  std::function<void(Napi::Env)> finish_;
  Status status_;
};

}  // namespace

Napi::Function RingHandle::define(Napi::Env env) {
  return DefineClass(env, "RingHandle",
                     {
                         InstanceMethod<&RingHandle::backend_name>("backendName"),
                         InstanceMethod<&RingHandle::acquire_sync>("acquireSync"),
                         InstanceMethod<&RingHandle::expire_acquire>("expireAcquire"),
                         InstanceMethod<&RingHandle::abort_acquire>("abortAcquire"),
                         InstanceMethod<&RingHandle::wait_sync>("waitSync"),
                         InstanceMethod<&RingHandle::close>("close"),
                         InstanceMethod<&RingHandle::close_sync>("closeSync"),
                         InstanceMethod<&RingHandle::abandoned_fences>("abandonedFences"),
                         InstanceMethod<&RingHandle::buffers>("buffers"),
                         InstanceMethod<&RingHandle::result>("result"),
                         InstanceMethod<&RingHandle::busy_ns>("busyNs"),
                         InstanceMethod<&RingHandle::load_module>("loadModule"),
                         InstanceMethod<&RingHandle::kernel>("kernel"),
                         InstanceMethod<&RingHandle::builtin_kernel>("builtinKernel"),
                         InstanceMethod<&RingHandle::stagings>("stagings"),
                         InstanceMethod<&RingHandle::device_name>("deviceName"),
                     });
}

RingHandle::RingHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingHandle>(info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsTypedArray() || !info[2].IsFunction() ||
      !info[3].IsTypedArray()) {
    throw Napi::TypeError::New(
        env, "RingHandle(options, statistics: Uint8Array, dispatch, completions: Uint8Array)");
  }
  const RingOptions options =
      translating(env, [&] { return ring_options(info[0].As<Napi::Object>()); });
  Napi::Uint8Array statistics = info[1].As<Napi::Uint8Array>();
  statistics_ = Napi::Persistent(statistics);
  Napi::Uint8Array completions = info[3].As<Napi::Uint8Array>();
  completions_ = Napi::Persistent(completions);
  mailbox_ = Mailbox::create(env, info[2].As<Napi::Function>());

  WaitLog wait_log;
  if (options.config.log_wait_events) {
    wait_log = [mailbox = mailbox_](const WaitEvent& event) {
      mailbox->queue(
          Message{Message::Kind::kWaitEvent, event.slot, event.fence, event.wait_ms, {}});
    };
  }
  translating(env, [&] {
    std::unique_ptr<Backend> backend = create_backend(options.backend, options.backend_options);
    cpu_ = dynamic_cast<CpuBackend*>(backend.get());
    gpu_ = dynamic_cast<GpuBackend*>(backend.get());
    ring_ = std::make_shared<Ring>(
        options.config, std::move(backend),
        std::span<std::byte>(reinterpret_cast<std::byte*>(statistics.Data()),
                             statistics.ByteLength()),
        std::move(wait_log),
        std::span<std::byte>(reinterpret_cast<std::byte*>(completions.Data()),
                             completions.ByteLength()));
    // Callbacks only queue; one wake-up of the event loop per batch, and one per
    // several while the device has half the ring or more still queued.
    ring_->on_callbacks_delivered([mailbox = mailbox_.get()](BatchWake wake) {
      if (wake == BatchWake::kNow) mailbox->flush();
    });
  });
  define_per_command_methods(info.This().As<Napi::Object>());
}

void RingHandle::define_per_command_methods(Napi::Object self) {
  const Napi::Env env = self.Env();
  self.DefineProperties({
      per_command<&RingHandle::acquire>(env, "acquire"),
      per_command<&RingHandle::commit>(env, "commit"),
      per_command<&RingHandle::keep_alive>(env, "keepAlive"),
      per_command<&RingHandle::busy_for>(env, "busyFor"),
      per_command<&RingHandle::fill>(env, "fill"),
      per_command<&RingHandle::copy>(env, "copy"),
      per_command<&RingHandle::checksum>(env, "checksum"),
      per_command<&RingHandle::fail>(env, "fail"),
      per_command<&RingHandle::copy_to_device>(env, "copyToDevice"),
      per_command<&RingHandle::launch>(env, "launch"),
      per_command<&RingHandle::copy_to_host>(env, "copyToHost"),
  });
}

RingHandle::~RingHandle() {
  if (released_) return;
  // Never closed: garbage collection or the environment's teardown got here.
  // JS cannot run now, so what the mailbox holds is dropped with the ring.
  if (ring_) static_cast<void>(ring_->close(kFinalizerCloseMs));
  mailbox_->release(Env(), false);
}

Napi::Value RingHandle::backend_name(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), std::string(ring_->backend().name()));
}

// acquire(token): the fence when a slot was free (or, where it settles at once, throws);
// otherwise −(waiter id), and the outcome arrives later as kAcquireSettled for `token`.
Napi::Value RingHandle::acquire(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::uint64_t token = whole_at(info, 0, "token");
  // A raw pointer: the ring is closed (its threads joined) before the mailbox goes.
  Mailbox* mailbox = mailbox_.get();
  AsyncAcquire outcome = ring_->acquire_async([mailbox, token](Result<Slot> settled) {
    if (settled.ok()) {
      mailbox->queue(
          Message{Message::Kind::kAcquireSettled, token, slot_number(settled.value()), 0, {}});
    } else {
      mailbox->queue(Message{Message::Kind::kAcquireSettled, token, 0, 0, settled.error()});
    }
  });
  if (!outcome.settled) return Napi::Number::New(env, -static_cast<double>(outcome.waiter));
  if (!outcome.settled->ok()) throw to_js(env, outcome.settled->error());
  return Napi::Number::New(env, static_cast<double>(slot_number(outcome.settled->value())));
}

Napi::Value RingHandle::acquire_sync(const Napi::CallbackInfo& info) {
  Result<Slot> slot = ring_->acquire(optional_ms(info, 0));
  if (!slot.ok()) throw to_js(info.Env(), slot.error());
  return Napi::Number::New(info.Env(), static_cast<double>(slot_number(slot.value())));
}

Napi::Value RingHandle::expire_acquire(const Napi::CallbackInfo& info) {
  const bool expired =
      ring_->expire_acquire(whole_at(info, 0, "waiter"), number_at(info, 1, "timeoutMs"));
  return Napi::Boolean::New(info.Env(), expired);
}

Napi::Value RingHandle::abort_acquire(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ring_->abort_acquire(whole_at(info, 0, "waiter")));
}

// commit(index, fence, notify, priority): with notify, the fence's outcome arrives as
// kFenceSettled.
Napi::Value RingHandle::commit(const Napi::CallbackInfo& info) {
  const Slot slot = slot_at(info, 0);
  const std::uint32_t priority = u32_at(info, 3, "priority");
  CompletionCallback on_complete;
  if (info[2].ToBoolean().Value()) {
    Mailbox* mailbox = mailbox_.get();  // see acquire()
    on_complete = [mailbox](std::uint64_t fence, const Error* error) {
      mailbox->queue(Message{Message::Kind::kFenceSettled, fence, fence, 0,
                             error != nullptr ? std::optional<Error>(*error) : std::nullopt});
    };
  }
  if (Status refused = ring_->commit(slot, std::move(on_complete), priority)) {
    throw to_js(info.Env(), *refused);
  }
  return info.Env().Undefined();
}

Napi::Value RingHandle::wait_sync(const Napi::CallbackInfo& info) {
  if (Status failed = ring_->wait_for_fence(whole_at(info, 0, "fence"), optional_ms(info, 1))) {
    throw to_js(info.Env(), *failed);
  }
  return info.Env().Undefined();
}

Napi::Value RingHandle::keep_alive(const Napi::CallbackInfo& info) {
  mailbox_->keep_alive(info.Env(), info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

void RingHandle::finish_close(Napi::Env env) {
  if (released_) return;
  released_ = true;
  mailbox_->release(env, true);
}

// close(timeoutMs) → Promise<Error | undefined>, the wait on a pool thread.
Napi::Value RingHandle::close(const Napi::CallbackInfo& info) {
  const double timeout_ms = number_at(info, 0, "timeoutMs");
  auto* worker = new CloseWorker(info.This().As<Napi::Object>(), ring_, timeout_ms,
                                 [this](Napi::Env env) { finish_close(env); });
  const Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

// closeSync(timeoutMs) → Error | undefined, blocking this thread (workers).
Napi::Value RingHandle::close_sync(const Napi::CallbackInfo& info) {
  const Status status = ring_->close(number_at(info, 0, "timeoutMs"));
  finish_close(info.Env());
  return status ? to_js(info.Env(), *status).Value() : info.Env().Undefined();
}

// abandonedFences() → how many fences close gave up on (settled with CLOSE_TIMEOUT).
Napi::Value RingHandle::abandoned_fences(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ring_->abandoned_fences()));
}

CpuBackend& RingHandle::cpu(Napi::Env env, const char* op) {
  if (cpu_ == nullptr) {
    throw to_js(env, make_error(error_code::kInvalidOp,
                                std::string(op) + " is a cpu-backend op; this ring runs on " +
                                    std::string(ring_->backend().name())));
  }
  return *cpu_;
}

GpuBackend& RingHandle::gpu(Napi::Env env, const char* op) {
  if (gpu_ == nullptr) {
    throw to_js(env, make_error(error_code::kInvalidOp, std::string(op) +
                                                            " is a GPU op; this ring runs on " +
                                                            std::string(ring_->backend().name())));
  }
  return *gpu_;
}

Napi::Uint8Array RingHandle::view_of(Napi::Env env, std::span<std::byte> memory) {
  auto* keeper = new std::shared_ptr<Ring>(ring_);
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
      env, memory.data(), memory.size(),
      [](Napi::Env, void*, std::shared_ptr<Ring>* kept) { delete kept; }, keeper);
  return Napi::Uint8Array::New(env, memory.size(), buffer, 0);
}

Napi::Value RingHandle::busy_for(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  CpuBackend& backend = cpu(env, "busyFor");
  translating(env, [&] { backend.busy_for_us(slot_at(info, 0), u32_at(info, 2, "microseconds")); });
  return env.Undefined();
}

Napi::Value RingHandle::fill(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  CpuBackend& backend = cpu(env, "fill");
  const std::uint32_t byte = u32_at(info, 3, "byte");
  if (byte > 255) throw Napi::RangeError::New(env, "fill byte must be 0..255");
  translating(env, [&] {
    backend.fill(slot_at(info, 0), u32_at(info, 2, "buffer"), static_cast<std::uint8_t>(byte));
  });
  return env.Undefined();
}

Napi::Value RingHandle::copy(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  CpuBackend& backend = cpu(env, "copy");
  translating(env, [&] {
    backend.copy(slot_at(info, 0), u32_at(info, 2, "source"), u32_at(info, 3, "destination"),
                 whole_at(info, 4, "bytes"));
  });
  return env.Undefined();
}

Napi::Value RingHandle::checksum(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  CpuBackend& backend = cpu(env, "checksum");
  return translating(env, [&] {
    return Napi::Number::New(env, backend.checksum(slot_at(info, 0), u32_at(info, 2, "buffer")));
  });
}

Napi::Value RingHandle::fail(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  CpuBackend& backend = cpu(env, "fail");
  translating(env, [&] { backend.fail(slot_at(info, 0), info[2].ToString().Utf8Value()); });
  return env.Undefined();
}

// buffers() → Uint8Array[slot][buffer], views of the executor's per-slot memory.
Napi::Value RingHandle::buffers(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  CpuBackend& backend = cpu(env, "buffers");
  const std::uint32_t slots = ring_->config().ring_size;
  const std::uint32_t per_slot = backend.options().buffers_per_slot;
  Napi::Array all = Napi::Array::New(env, slots);
  for (std::uint32_t slot = 0; slot < slots; ++slot) {
    Napi::Array views = Napi::Array::New(env, per_slot);
    for (std::uint32_t buffer = 0; buffer < per_slot; ++buffer) {
      views.Set(buffer, view_of(env, backend.buffer(Slot{slot, 0}, buffer)));
    }
    all.Set(slot, views);
  }
  return all;
}

Napi::Value RingHandle::result(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  CpuBackend& backend = cpu(env, "result");
  return translating(env, [&] {
    return Napi::BigInt::New(env, backend.result(slot_at(info, 0), u32_at(info, 2, "result")));
  });
}

Napi::Value RingHandle::busy_ns(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  return Napi::Number::New(env, static_cast<double>(cpu(env, "busyNs").busy_ns()));
}

Napi::Value RingHandle::load_module(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  GpuBackend& backend = gpu(env, "loadModule");
  const std::string source = info[0].ToString().Utf8Value();
  return translating(env, [&] { return Napi::Number::New(env, backend.load_module(source)); });
}

Napi::Value RingHandle::kernel(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  GpuBackend& backend = gpu(env, "kernel");
  const ModuleId module = u32_at(info, 0, "module");
  const std::string name = info[1].ToString().Utf8Value();
  return translating(env, [&] { return Napi::Number::New(env, backend.kernel(module, name)); });
}

Napi::Value RingHandle::builtin_kernel(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  GpuBackend& backend = gpu(env, "builtinKernel");
  const std::string name = info[0].ToString().Utf8Value();
  BuiltinKernel which;
  if (name == "spin") {
    which = BuiltinKernel::kSpin;
  } else if (name == "saxpy") {
    which = BuiltinKernel::kSaxpy;
  } else {
    throw to_js(env, make_error(error_code::kUnknownKernel, "there is no built-in kernel '" + name +
                                                                "': use 'spin' or 'saxpy'"));
  }
  return translating(env, [&] { return Napi::Number::New(env, backend.builtin_kernel(which)); });
}

Napi::Value RingHandle::copy_to_device(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  GpuBackend& backend = gpu(env, "copyToDevice");
  translating(env, [&] {
    backend.copy_to_device(slot_at(info, 0), whole_at(info, 2, "stagingOffset"),
                           whole_at(info, 3, "deviceOffset"), whole_at(info, 4, "bytes"));
  });
  return env.Undefined();
}

// launch(index, fence, kernel, grid, block, args, sharedBytes)
Napi::Value RingHandle::launch(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  GpuBackend& backend = gpu(env, "launch");
  const Slot slot = slot_at(info, 0);
  const KernelId kernel = u32_at(info, 2, "kernel");
  const Dim3 grid = dim3_at(info, 3, "grid");
  const Dim3 block = dim3_at(info, 4, "block");
  const std::vector<KernelArg> args = kernel_args_at(info, 5);
  const std::uint32_t shared_bytes = info[6].IsUndefined() ? 0 : u32_at(info, 6, "sharedBytes");
  translating(env, [&] { backend.launch(slot, kernel, grid, block, args, shared_bytes); });
  return env.Undefined();
}

Napi::Value RingHandle::copy_to_host(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  GpuBackend& backend = gpu(env, "copyToHost");
  translating(env, [&] {
    backend.copy_to_host(slot_at(info, 0), whole_at(info, 2, "deviceOffset"),
                         whole_at(info, 3, "stagingOffset"), whole_at(info, 4, "bytes"));
  });
  return env.Undefined();
}

Napi::Value RingHandle::stagings(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  GpuBackend& backend = gpu(env, "stagings");
  const std::uint32_t slots = ring_->config().ring_size;
  Napi::Array views = Napi::Array::New(env, slots);
  for (std::uint32_t slot = 0; slot < slots; ++slot) {
    views.Set(slot, view_of(env, backend.staging(Slot{slot, 0})));
  }
  return views;
}

Napi::Value RingHandle::device_name(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  return Napi::String::New(env, gpu(env, "deviceName").device_name());
}

}  // namespace ringkit::cmdring::js
