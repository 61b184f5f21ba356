// @ringkit/spsc-ring's native addon: futex waits on ring words (sync, and async
// off the event loop), native producer and consumer threads over a ring in a
// SharedArrayBuffer (for tests and benchmarks), and the layout as C++ sees it.
// Node-API only: no V8 API, so the binary is not tied to one Node ABI.
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "ringkit/spsc_ring.hpp"
#include "ringkit/spsc_ring/layout.hpp"
#include "ringkit/test_records.hpp"

namespace {

using namespace ringkit;

const char* sleep_result_name(SleepResult result) {
  switch (result) {
    case SleepResult::kWoken:
      return "ok";
    case SleepResult::kNotEqual:
      return "not-equal";
    case SleepResult::kTimedOut:
      return "timed-out";
  }
  return "ok";
}

// The word `index` of an Int32Array over shared memory. Node-API cannot read a
// bare SharedArrayBuffer in Node 20, but it can read a typed array over one.
std::uint32_t* word_of(const Napi::Value& array_value, const Napi::Value& index_value) {
  const Napi::Env env = array_value.Env();
  if (!array_value.IsTypedArray() ||
      array_value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "expected an Int32Array over the ring's SharedArrayBuffer");
  }
  auto words = array_value.As<Napi::Int32Array>();
  const double index = index_value.As<Napi::Number>().DoubleValue();
  if (!(index >= 0 && index < static_cast<double>(words.ElementLength()))) {
    throw Napi::RangeError::New(env, "futex word index is outside the Int32Array");
  }
  return reinterpret_cast<std::uint32_t*>(words.Data() + static_cast<std::size_t>(index));
}

Napi::Value FutexWait(const Napi::CallbackInfo& info) {
  std::uint32_t* word = word_of(info[0], info[1]);
  const auto expected = static_cast<std::uint32_t>(info[2].As<Napi::Number>().Int64Value());
  const double timeout_ms = info[3].As<Napi::Number>().DoubleValue();
  return Napi::String::New(info.Env(), sleep_result_name(futex_sleep(word, expected, timeout_ms)));
}

// A futex sleep on a libuv pool thread; the promise settles on the main thread.
class FutexWaitWorker : public Napi::AsyncWorker {
 public:
  FutexWaitWorker(Napi::Env env, Napi::Int32Array words, std::uint32_t* word,
                  std::uint32_t expected, double timeout_ms)
      : Napi::AsyncWorker(env),
        deferred_(Napi::Promise::Deferred::New(env)),
        word_(word),
        expected_(expected),
        timeout_ms_(timeout_ms) {
    keep_alive_ = Napi::Persistent(words);  // the memory must outlive the sleep
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { result_ = futex_sleep(word_, expected_, timeout_ms_); }
  void OnOK() override { deferred_.Resolve(Napi::String::New(Env(), sleep_result_name(result_))); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Int32Array> keep_alive_;
  std::uint32_t* word_;
  std::uint32_t expected_;
  double timeout_ms_;
  SleepResult result_ = SleepResult::kWoken;
};

Napi::Value FutexWaitAsync(const Napi::CallbackInfo& info) {
  std::uint32_t* word = word_of(info[0], info[1]);
  auto* worker =
      new FutexWaitWorker(info.Env(), info[0].As<Napi::Int32Array>(), word,
                          static_cast<std::uint32_t>(info[2].As<Napi::Number>().Int64Value()),
                          info[3].As<Napi::Number>().DoubleValue());
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

// The sleeper's half of the asymmetric handshake (barrier.hpp), for JS sleepers
// on os-domain rings, whose publishers may be native threads on the light path.
Napi::Value SleeperBarrier(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), sleeper_barrier());
}

Napi::Value LightPublishEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), light_publish_enabled());
}

Napi::Value FutexWake(const Napi::CallbackInfo& info) {
  std::uint32_t* word = word_of(info[0], info[1]);
  return Napi::Number::New(info.Env(), futex_wake(word, info[2].As<Napi::Number>().Int32Value()));
}

// Every constant of layout.hpp's lists, by its TypeScript name, for test/layout.test.ts.
Napi::Value Layout(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  layout::for_each_constant(
      [&](const char* name, double value) { out.Set(name, Napi::Number::New(info.Env(), value)); });
  return out;
}

// ---- native threads ---------------------------------------------------------

struct ThreadOptions {
  std::uint64_t records = 0;
  std::uint32_t batch = 1;
  std::uint32_t min_payload = test_records::kMinSize;
  std::uint32_t max_payload = test_records::kMinSize;
  double rate_per_second = 0;
  bool close = false;
};

struct ThreadResult {
  std::uint64_t records = 0;
  std::uint64_t dropped = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  std::string first_error;
};

// One native thread over a ring; shared by the thread, the JS handle, and the
// completion callback, so whichever finishes last frees it.
struct ThreadState {
  Ring ring;
  ThreadOptions options;
  ThreadResult result;
  std::atomic<bool> stop{false};
  std::thread thread;
  Napi::ThreadSafeFunction done;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
  Napi::Reference<Napi::Uint8Array> keep_alive;  // the ring's memory outlives the thread
};

// Paces a producer at `rate_per_second` records per second (0: flat out).
class Pacer {
 public:
  explicit Pacer(double rate_per_second)
      : rate_(rate_per_second), start_(std::chrono::steady_clock::now()) {}
  void after(std::uint64_t records_so_far) const {
    if (rate_ <= 0) return;
    std::this_thread::sleep_until(start_ +
                                  std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(records_so_far / rate_)));
  }

 private:
  double rate_;
  std::chrono::steady_clock::time_point start_;
};

// Fills `count` consecutive test records. The ring's usual 32-byte records get a loop of
// their own in which the size is a constant: the compiler then writes each record with a
// few straight-line stores instead of the generic filler loop, and the producer's record
// generation stops being what a native → JS run measures.
void write_records(std::byte* first, std::uint32_t size, std::uint32_t count,
                   std::uint32_t sequence) {
  constexpr std::uint32_t kCommonSize = 32;
  if (size == kCommonSize) {
    for (std::uint32_t i = 0; i < count; i++)
      test_records::write(first + std::size_t{i} * kCommonSize, kCommonSize, sequence + i);
    return;
  }
  for (std::uint32_t i = 0; i < count; i++)
    test_records::write(first + std::size_t{i} * size, size, sequence + i);
}

void run_fixed_producer(ThreadState& state) {
  FixedProducer out(state.ring);
  const std::uint32_t size = out.record_size();
  const Pacer pacer(state.options.rate_per_second);
  std::uint64_t sequence = 0;
  const std::uint64_t total = state.options.records;
  while (sequence < total && !state.stop.load(std::memory_order_relaxed)) {
    const auto want =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(state.options.batch, total - sequence));
    const auto claim = out.try_claim(want);
    if (claim.count == 0) {
      if (state.ring.config().block_when_full)
        out.wait_for_space(1, -1, &state.stop);
      else
        sequence += want;  // counted as dropped by the ring; the consumer sees the gap
      continue;
    }
    write_records(claim.data, size, claim.count, static_cast<std::uint32_t>(sequence));
    out.commit(claim.count);
    sequence += claim.count;
    pacer.after(sequence);
  }
  state.result.records = out.pushed();
  state.result.dropped = out.dropped();
  if (state.options.close) out.close();
}

void run_byte_producer(ThreadState& state) {
  ByteProducer out(state.ring);
  const Pacer pacer(state.options.rate_per_second);
  const std::uint32_t span = state.options.max_payload - state.options.min_payload + 1;
  std::uint64_t sequence = 0;
  const std::uint64_t total = state.options.records;
  while (sequence < total && !state.stop.load(std::memory_order_relaxed)) {
    std::uint32_t in_batch = 0;
    while (in_batch < state.options.batch && sequence < total) {
      const std::uint32_t length =
          state.options.min_payload + static_cast<std::uint32_t>(sequence % span);
      const auto claim = out.try_claim(length);
      if (claim.payload == nullptr) break;
      test_records::write(claim.payload, length, static_cast<std::uint32_t>(sequence));
      out.commit(static_cast<std::uint32_t>(sequence % 1000), length, false);
      sequence++;
      in_batch++;
    }
    out.flush();
    if (in_batch == 0) {
      const std::uint32_t length =
          state.options.min_payload + static_cast<std::uint32_t>(sequence % span);
      if (state.ring.config().block_when_full)
        out.wait_for_space(length + 16, -1, &state.stop);
      else
        sequence++;  // that record was counted as dropped
      continue;
    }
    pacer.after(sequence);
  }
  state.result.records = out.pushed();
  state.result.dropped = out.dropped();
  if (state.options.close) out.close();
}

void note_error(ThreadResult& result, std::uint64_t expected, const char* what) {
  if (result.errors++ == 0)
    result.first_error = std::string(what) + " at record " + std::to_string(expected);
}

void run_fixed_consumer(ThreadState& state) {
  FixedConsumer in(state.ring);
  const std::uint32_t size = state.ring.config().record_size;
  std::uint64_t expected = 0;
  while (expected < state.options.records) {
    const std::uint32_t got = in.drain(
        [&](const std::byte* first, std::uint32_t count) {
          for (std::uint32_t i = 0; i < count; i++, expected++) {
            if (!test_records::check(first + std::size_t{i} * size, size,
                                     static_cast<std::uint32_t>(expected)))
              note_error(state.result, expected, "wrong or torn record");
          }
        },
        state.options.batch);
    if (got == 0) {
      const WaitOutcome outcome = in.wait(-1, &state.stop);
      if (outcome == WaitOutcome::kPeerGone)
        note_error(state.result, expected, "producer (its process or thread) is gone");
      if (outcome != WaitOutcome::kReady) break;
    }
  }
  state.result.records = expected;
}

void run_byte_consumer(ThreadState& state) {
  ByteConsumer in(state.ring);
  std::uint64_t expected = 0;
  while (expected < state.options.records) {
    const std::int64_t got = in.drain(
        [&](const std::byte* payload, std::uint32_t length, std::uint32_t type) {
          if (type != expected % 1000 ||
              !test_records::check(payload, length, static_cast<std::uint32_t>(expected)))
            note_error(state.result, expected, "wrong or torn record");
          expected++;
        },
        state.options.batch);
    if (got < 0) {
      note_error(state.result, expected, "corrupt record frame");
      break;
    }
    if (got == 0 && in.wait(-1, &state.stop) != WaitOutcome::kReady) break;
  }
  state.result.records = expected;
}

Napi::Object result_object(Napi::Env env, const ThreadResult& result) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("records", Napi::Number::New(env, static_cast<double>(result.records)));
  out.Set("dropped", Napi::Number::New(env, static_cast<double>(result.dropped)));
  out.Set("errors", Napi::Number::New(env, static_cast<double>(result.errors)));
  out.Set("seconds", Napi::Number::New(env, result.seconds));
  out.Set("firstError", Napi::String::New(env, result.first_error));
  return out;
}

ThreadOptions read_options(const Napi::Object& options) {
  auto number = [&](const char* name, double fallback) {
    const Napi::Value value = options.Get(name);
    return value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : fallback;
  };
  ThreadOptions out;
  out.records = static_cast<std::uint64_t>(number("records", 0));
  out.batch = static_cast<std::uint32_t>(std::max(1.0, number("batch", 1)));
  out.min_payload = static_cast<std::uint32_t>(number("minPayload", test_records::kMinSize));
  out.max_payload = static_cast<std::uint32_t>(number("maxPayload", out.min_payload));
  out.rate_per_second = number("ratePerSecond", 0);
  out.close = options.Get("close").ToBoolean().Value();
  return out;
}

// Starts `body` on a new thread over the ring in `view`; returns { done: Promise, stop() }.
Napi::Value start_thread(const Napi::CallbackInfo& info, void (*body)(ThreadState&)) {
  const Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "expected a Uint8Array over the whole ring");
  }
  auto view = info[0].As<Napi::Uint8Array>();
  auto state = std::make_shared<ThreadState>();
  if (const RingStatus status = Ring::attach(view.Data(), view.ByteLength(), state->ring);
      status != RingStatus::kOk) {
    throw Napi::Error::New(env, std::string("native thread cannot attach: ") + to_string(status));
  }
  state->options = read_options(info[1].As<Napi::Object>());
  state->keep_alive = Napi::Persistent(view);
  state->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  state->done =
      Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                    "ringkit-native-thread", 0, 1);
  Napi::Promise promise = state->deferred->Promise();

  state->thread = std::thread([state, body] {
    const auto start = std::chrono::steady_clock::now();
    body(*state);
    state->result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state->done.BlockingCall([state](Napi::Env env, Napi::Function) {
      state->deferred->Resolve(result_object(env, state->result));
      state->keep_alive.Reset();
    });
    state->done.Release();
  });
  state->thread.detach();  // completion is reported through the promise
  // The promise is handed over as a property: a napi_value must not outlive this call's scope.
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("done", promise);
  handle.Set("stop",
             Napi::Function::New(env, [state](const Napi::CallbackInfo& call) -> Napi::Value {
               state->stop.store(true);
               return call.Env().Undefined();
             }));
  return handle;
}

// A counter the native end would take over, read as its constructor reads it but without writing:
// one the twin finds corrupted is refused here, on the JS thread, as { code: 'CORRUPTED', counter,
// highBefore, highAfter } (native-threads.ts words the RingError, as counter.ts does for TS ends),
// not left to the thread. One a writer left mid-wrap passes: the end repairs it.
void refuse_corrupted(Napi::Env env, const char* name, const CounterRead& read) {
  if (read.status == RingStatus::kOk) return;
  Napi::Error error = Napi::Error::New(env, to_string(read.status));
  error.Set("code", Napi::String::New(env, "CORRUPTED"));
  error.Set("counter", Napi::String::New(env, name));
  error.Set("highBefore", Napi::Number::New(env, read.high_before));
  error.Set("highAfter", Napi::Number::New(env, read.high_after));
  throw error;
}

Napi::Value StartProducer(const Napi::CallbackInfo& info) {
  auto view = info[0].As<Napi::Uint8Array>();
  Ring ring;
  const bool attached = Ring::attach(view.Data(), view.ByteLength(), ring) == RingStatus::kOk;
  if (attached) {
    refuse_corrupted(
        info.Env(), "pushed",
        ring.load_side_counter(layout::producer::kPushed, layout::producer::kWritePosition));
    refuse_corrupted(info.Env(), "dropped", ring.load_counter(layout::producer::kDropped));
  }
  const bool bytes = attached && ring.config().kind == layout::kind::kBytes;
  return start_thread(info, bytes ? run_byte_producer : run_fixed_producer);
}

Napi::Value StartConsumer(const Napi::CallbackInfo& info) {
  auto view = info[0].As<Napi::Uint8Array>();
  Ring ring;
  const bool attached = Ring::attach(view.Data(), view.ByteLength(), ring) == RingStatus::kOk;
  if (attached)
    refuse_corrupted(
        info.Env(), "popped",
        ring.load_side_counter(layout::consumer::kPopped, layout::consumer::kReadPosition));
  const bool bytes = attached && ring.config().kind == layout::kind::kBytes;
  return start_thread(info, bytes ? run_byte_consumer : run_fixed_consumer);
}

// What the C++ twin's attach says of a region: "ok" or why not (to cross-check TS).
Napi::Value AttachStatus(const Napi::CallbackInfo& info) {
  auto view = info[0].As<Napi::Uint8Array>();
  Ring ring;
  return Napi::String::New(info.Env(),
                           to_string(Ring::attach(view.Data(), view.ByteLength(), ring)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("attachStatus", Napi::Function::New(env, AttachStatus));
  exports.Set("layout", Napi::Function::New(env, Layout));
  exports.Set("futexWait", Napi::Function::New(env, FutexWait));
  exports.Set("futexWaitAsync", Napi::Function::New(env, FutexWaitAsync));
  exports.Set("futexWake", Napi::Function::New(env, FutexWake));
  exports.Set("sleeperBarrier", Napi::Function::New(env, SleeperBarrier));
  exports.Set("lightPublishEnabled", Napi::Function::New(env, LightPublishEnabled));
  exports.Set("startProducer", Napi::Function::New(env, StartProducer));
  exports.Set("startConsumer", Napi::Function::New(env, StartConsumer));
  return exports;
}

}  // namespace

NODE_API_MODULE(ringkit_spsc, Init)
