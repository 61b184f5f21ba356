#include "period_timer.hpp"

#include <uv.h>

#include <cmath>
#include <memory>
#include <string>

#include "js_error.hpp"

namespace ringkit::bpf {
namespace {

struct PeriodTimer;
using SharedTimer = std::shared_ptr<PeriodTimer>;

// One timer. The libuv handle lives inside it, so it must outlive the handle: the loop holds
// a shared_ptr (the handle's data) until uv_close's callback, and the JS functions hold one
// each, so neither a closed timer's functions nor a collected JS object leave a dangling
// handle. Everything here runs on the thread whose loop it is.
struct PeriodTimer {
  uv_timer_t handle{};
  napi_env env = nullptr;
  Napi::FunctionReference callback;
  std::unique_ptr<Napi::AsyncContext> context;
  bool closed = false;
  bool hook_registered = false;
  // True while the callback runs: a close() from inside it keeps the async context the
  // callback is running in until the callback returns.
  bool firing = false;

  // Stops the timer for good and lets go of the callback; the handle closes on the loop's
  // next turn. Idempotent. Called by close() and by the environment's teardown (a worker
  // that ends, or the process exiting), whichever comes first.
  void close() {
    if (closed) return;
    closed = true;
    uv_timer_stop(&handle);
    callback.Reset();
    if (!firing) context.reset();
    if (hook_registered) napi_remove_env_cleanup_hook(env, on_teardown, this);
    hook_registered = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&handle), on_closed);
  }

  static void on_teardown(void* self) {
    auto* timer = static_cast<PeriodTimer*>(self);
    timer->hook_registered = false;  // the environment is removing it itself
    timer->close();
  }

  static void on_closed(uv_handle_t* handle) { delete static_cast<SharedTimer*>(handle->data); }

  static void on_fire(uv_timer_t* handle) {
    // A copy: the timer outlives this call whatever the callback does.
    const SharedTimer held = *static_cast<SharedTimer*>(handle->data);
    PeriodTimer& timer = *held;
    if (timer.closed) return;
    Napi::Env env(timer.env);
    Napi::HandleScope scope(env);
    timer.firing = true;
    try {
      // MakeCallback, as Node's own timers enter JavaScript: in the timer's async context,
      // with process.nextTick callbacks and microtasks run before it returns.
      timer.callback.MakeCallback(env.Global(), {}, *timer.context);
    } catch (const Napi::Error& error) {
      // No JavaScript frame to throw into: the process's uncaught-exception path, as an
      // exception thrown from a setTimeout callback takes.
      napi_fatal_exception(env, error.Value());
    }
    timer.firing = false;
    if (timer.closed) timer.context.reset();
  }
};

// Milliseconds as setTimeout takes them, but refusing (rather than clamping) what is not a
// whole number from 0 to 2^31 - 1.
std::uint64_t milliseconds(const Napi::Value& value) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= 2147483647.0 && std::floor(number) == number))
    throw js_error(value.Env(), "INVALID_OPTIONS",
                   "a period timer is armed for a whole number of milliseconds from 0 to "
                   "2147483647, got " +
                       (value.IsSymbol() ? std::string("a symbol") : value.ToString().Utf8Value()) +
                       ".");
  return static_cast<std::uint64_t>(number);
}

// createPeriodTimer(callback) → { arm(ms), cancel(), close() }. arm() (re)starts the one-shot
// timer: `callback` runs once, `ms` from now, unless cancel() or close()
// comes first. An armed timer keeps the event loop alive, as setTimeout's does; an unarmed one
// does not.
Napi::Value CreatePeriodTimer(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsFunction())
    throw js_error(env, "INVALID_OPTIONS", "createPeriodTimer takes the function to call.");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr)
    throw js_error(env, "READER_FAILED", "this thread has no event loop to run a timer on.");
  auto timer = std::make_shared<PeriodTimer>();
  timer->env = env;
  if (const int error = uv_timer_init(loop, &timer->handle); error != 0)
    throw js_error(env, "READER_FAILED",
                   std::string("cannot create a libuv timer: ") + uv_strerror(error) + ".");
  timer->handle.data = new SharedTimer(timer);
  timer->callback = Napi::Persistent(info[0].As<Napi::Function>());
  timer->context = std::make_unique<Napi::AsyncContext>(env, "RingkitPeriodTimer");
  if (napi_add_env_cleanup_hook(env, PeriodTimer::on_teardown, timer.get()) == napi_ok)
    timer->hook_registered = true;

  Napi::Object handle = Napi::Object::New(env);
  handle.Set("arm", Napi::Function::New(env, [timer](const Napi::CallbackInfo& call) {
               const std::uint64_t ms = milliseconds(call[0]);
               if (timer->closed)
                 throw js_error(call.Env(), "CLOSED",
                                "this period timer is closed: create a new one.");
               // From now, not from the loop's time, which is as old as this turn of the loop
               // (a walk of the rings, say): one clock read.
               uv_update_time(timer->handle.loop);
               uv_timer_start(&timer->handle, PeriodTimer::on_fire, ms, 0);
               return call.Env().Undefined();
             }));
  handle.Set("cancel", Napi::Function::New(env, [timer](const Napi::CallbackInfo& call) {
               if (!timer->closed) uv_timer_stop(&timer->handle);
               return call.Env().Undefined();
             }));
  handle.Set("close", Napi::Function::New(env, [timer](const Napi::CallbackInfo& call) {
               timer->close();
               return call.Env().Undefined();
             }));
  return handle;
}

}  // namespace

void register_period_timer(Napi::Env env, Napi::Object exports) {
  exports.Set("createPeriodTimer", Napi::Function::New(env, CreatePeriodTimer));
}

}  // namespace ringkit::bpf
