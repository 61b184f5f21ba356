#include "reader_binding.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "js_error.hpp"
#include "reader.hpp"
#include "reader_options.hpp"

namespace ringkit::bpf {
namespace {

// One reader and the memory its thread writes, shared by the functions of its RawReader:
// when the garbage collector takes them, or the environment goes away, the thread stops
// before that memory can. The rings' fds need no keeping: the thread's mappings of them
// hold the maps (and their epoll registrations) until it unmaps. JS thread only.
struct ReaderState {
  std::unique_ptr<Reader> reader;
  Napi::Reference<Napi::Uint8Array> ring_view;
  Napi::Reference<Napi::Uint8Array> stats_view;
  Napi::Reference<Napi::Uint8Array> ring_stats_view;
  napi_env env = nullptr;
  bool hook_registered = false;

  ~ReaderState() { stop(); }

  // Stops (if it was not asked to already) and joins the thread, then lets its memory go.
  void stop() {
    if (hook_registered) napi_remove_env_cleanup_hook(env, on_teardown, this);
    hook_registered = false;
    if (reader) reader->stop();
    reader.reset();
    ring_view.Reset();
    stats_view.Reset();
    ring_stats_view.Reset();
  }

  static void on_teardown(void* arg) {
    auto* state = static_cast<ReaderState*>(arg);
    state->hook_registered = false;
    state->stop();
  }

  Reader& running(Napi::Env env) const {
    if (!reader) throw js_error(env, "CLOSED", "this reader is stopped: start a new one");
    return *reader;
  }
};

Napi::Error invalid(Napi::Env env, const std::string& message) {
  return js_error(env, "INVALID_OPTIONS", message);
}

std::uint32_t u32_field(const Napi::Object& object, const char* name, const std::string& where) {
  const Napi::Value value = object.Get(name);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= 4294967295.0 && std::floor(number) == number))
    throw invalid(object.Env(), where + "." + name + " must be a whole number from 0 to 2^32 - 1");
  return static_cast<std::uint32_t>(number);
}

// RawReaderOptions.rings: [{ fd, bytes, index, eventBytes }], from RawObject.ringSources.
std::vector<KernelRingSource> read_rings(const Napi::Object& options) {
  const Napi::Env env = options.Env();
  const Napi::Value value = options.Get("rings");
  if (!value.IsArray() || value.As<Napi::Array>().Length() == 0)
    throw invalid(env, "rings must list at least one ring (RawObject.ringSources)");
  const auto list = value.As<Napi::Array>();
  std::vector<KernelRingSource> rings;
  for (std::uint32_t i = 0; i < list.Length(); i++) {
    const std::string where = "rings[" + std::to_string(i) + "]";
    if (!list.Get(i).IsObject()) throw invalid(env, where + " must be a ring source object");
    const auto ring = list.Get(i).As<Napi::Object>();
    rings.push_back({static_cast<int>(u32_field(ring, "fd", where)),
                     u32_field(ring, "bytes", where), u32_field(ring, "index", where),
                     u32_field(ring, "eventBytes", where)});
  }
  return rings;
}

// The ring stats block: layout::ring_stats::kWords f64 per ring, over a SharedArrayBuffer.
Napi::Uint8Array read_ring_stats_view(const Napi::Object& options, std::size_t rings) {
  const Napi::Env env = options.Env();
  const Napi::Value value = options.Get("ringStats");
  const std::size_t bytes = rings * layout::ring_stats::kWords * sizeof(double);
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    const auto view = value.As<Napi::Uint8Array>();
    const Napi::Value buffer = view.Get("buffer");
    const Napi::Value shared = env.Global().Get("SharedArrayBuffer");
    if (view.ByteLength() >= bytes && buffer.IsObject() && shared.IsFunction() &&
        buffer.As<Napi::Object>().InstanceOf(shared.As<Napi::Function>()))
      return view;
  }
  throw invalid(env, "ringStats must be a Uint8Array over a SharedArrayBuffer of at least " +
                         std::to_string(bytes) + " bytes (RingStats.WORDS f64 per ring)");
}

Napi::Value reader_handle(Napi::Env env, const std::shared_ptr<ReaderState>& state) {
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("pause", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               state->running(info.Env()).pause();
               return info.Env().Undefined();
             }));
  handle.Set("resume", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               state->running(info.Env()).resume();
               return info.Env().Undefined();
             }));
  // Returns at once: JavaScript keeps consuming while the thread drains what is left.
  handle.Set("stop", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               if (state->reader) state->reader->request_stop();
               return info.Env().Undefined();
             }));
  handle.Set("join", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               state->stop();
               return info.Env().Undefined();
             }));
  return handle;
}

// startReader(options) → RawReader.
Napi::Value StartReader(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw invalid(env, "startReader needs an options object");
  const auto options = info[0].As<Napi::Object>();
  const std::vector<KernelRingSource> rings = read_rings(options);
  const ReaderOptions reader_options = read_reader_options(options);
  const ReaderViews views = read_reader_views(options);
  Napi::Uint8Array ring_stats = read_ring_stats_view(options, rings.size());
  std::string error;
  std::unique_ptr<Reader> reader =
      Reader::start(rings, reader_options, views.js_ring, views.stats_words,
                    reinterpret_cast<double*>(ring_stats.Data()), error);
  if (!reader)
    throw js_error(env, "READER_FAILED",
                   error.empty() ? "the reader thread could not start" : error);
  auto state = std::make_shared<ReaderState>();
  state->reader = std::move(reader);
  state->ring_view = Napi::Persistent(views.ring);
  state->stats_view = Napi::Persistent(views.stats);
  state->ring_stats_view = Napi::Persistent(ring_stats);
  state->env = env;
  if (napi_add_env_cleanup_hook(env, ReaderState::on_teardown, state.get()) == napi_ok)
    state->hook_registered = true;
  return reader_handle(env, state);
}

}  // namespace

void register_reader_binding(Napi::Env env, Napi::Object exports) {
  exports.Set("startReader", Napi::Function::New(env, StartReader));
}

}  // namespace ringkit::bpf
