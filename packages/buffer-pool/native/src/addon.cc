// @ringkit/buffer-pool's native addon: native threads for every role of a pool
// — producer (native_producer.hpp), and drain, collector and replenish, one or
// several to a thread (role_support.hpp's run_roles) — and the
// control-block layout as C++ sees it (for the agreement test). Node-API only,
// so one binary serves every Node version.
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "native_collector.hpp"
#include "native_drain.hpp"
#include "native_producer.hpp"
#include "native_replenish.hpp"
#include "ringkit/buffer_pool_layout.hpp"
#include "ringkit/spsc_ring.hpp"

namespace {

namespace bp = ringkit::buffer_pool;
namespace pool = ringkit::buffer_pool::layout;

Napi::Value Layout(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  auto set = [&](const char* name, double value) {
    out.Set(name, Napi::Number::New(info.Env(), value));
  };
  set("LINE_BYTES", pool::kLineBytes);
  set("COUNTERS_PER_LINE", pool::kCountersPerLine);
  set("CONTROL_MAGIC", pool::kControlMagic);
  set("CONTROL_VERSION", pool::kControlVersion);
  set("PoolWord.MAGIC", pool::pool_word::kMagic);
  set("PoolWord.VERSION", pool::pool_word::kVersion);
  set("PoolWord.LANES", pool::pool_word::kLanes);
  set("PoolWord.COMPLETE", pool::pool_word::kComplete);
  set("PoolWord.BLOCKS", pool::pool_word::kBlocks);
  set("PoolWord.BUFFERS_PER_BLOCK", pool::pool_word::kBuffersPerBlock);
  set("PoolWord.BLOCK_WANTED", pool::pool_word::kBlockWanted);
  set("RoleWord.CLAIM", pool::role_word::kClaim);
  set("RoleWord.SEQUENCE", pool::role_word::kSequence);
  set("RoleWord.HELD", pool::role_word::kHeld);
  set("RoleWord.EXITED", pool::role_word::kExited);
  set("RoleWord.LOW_MARK", pool::role_word::kLowMark);
  set("RoleWord.HIGH_MARK", pool::role_word::kHighMark);
  namespace c = pool::counter;
  set("Counter.producer.records", c::producer::kRecords);
  set("Counter.producer.bytes", c::producer::kBytes);
  set("Counter.producer.droppedRecords", c::producer::kDroppedRecords);
  set("Counter.producer.droppedBytes", c::producer::kDroppedBytes);
  set("Counter.producer.submitted", c::producer::kSubmitted);
  set("Counter.producer.blockedWaits", c::producer::kBlockedWaits);
  set("Counter.producer.registrations", c::producer::kRegistrations);
  set("Counter.drain.handoffs", c::drain::kHandoffs);
  set("Counter.drain.refills", c::drain::kRefills);
  set("Counter.collector.collected", c::collector::kCollected);
  set("Counter.collector.bytes", c::collector::kBytes);
  set("Counter.collector.errors", c::collector::kErrors);
  set("Counter.collector.registrations", c::collector::kRegistrations);
  set("Counter.replenish.blocksAllocated", c::replenish::kBlocksAllocated);
  set("Counter.replenish.routed", c::replenish::kRouted);
  set("Counter.replenish.rebalanced", c::replenish::kRebalanced);
  set("Counter.replenish.registrations", c::replenish::kRegistrations);
  // Not exported by control.ts as numbers: the test checks these against its behaviour.
  set("COUNTERS_OFFSET", pool::kCountersOffset);
  set("NO_LOW_MARK", pool::kNoLowMark);
  set("RECORD_HEADER_BYTES", pool::record::kHeaderBytes);
  set("ENTRY_BYTES", pool::entry::kBytes);
  set("BLOCK_SHIFT", pool::buffer_id::kBlockShift);
  set("INDEX_MASK", pool::buffer_id::kIndexMask);
  return out;
}

// Where each role's line is for `lanes` lanes, and the block's size: control.ts's roleLine and
// controlByteLength, as C++ computes them.
Napi::Value ControlGeometry(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto lanes = info[0].As<Napi::Number>().Uint32Value();
  Napi::Object out = Napi::Object::New(env);
  out.Set("byteLength", Napi::Number::New(env, pool::control_byte_length(lanes)));
  const std::pair<const char*, pool::Role> roles[] = {{"producer", pool::Role::kProducer},
                                                      {"drain", pool::Role::kDrain},
                                                      {"collector", pool::Role::kCollector}};
  for (const auto& [name, role] : roles) {
    Napi::Array lines = Napi::Array::New(env, lanes);
    for (std::uint32_t lane = 0; lane < lanes; lane++)
      lines.Set(lane, Napi::Number::New(env, pool::role_line(role, lane, lanes)));
    out.Set(name, lines);
  }
  out.Set("replenish", Napi::Number::New(env, pool::role_line(pool::Role::kReplenish, 0, lanes)));
  // The wake table's word for every line, each queue's code, and each role's own input.
  Napi::Array wake_words = Napi::Array::New(env, pool::role_lines(lanes));
  for (std::uint32_t line = 0; line < pool::role_lines(lanes); line++)
    wake_words.Set(line, Napi::Number::New(env, pool::wake_table_word(line, lanes)));
  out.Set("wakeTableWords", wake_words);
  const std::pair<const char*, pool::Queue> queues[] = {{"free", pool::Queue::kFree},
                                                        {"ready", pool::Queue::kReady},
                                                        {"collect", pool::Queue::kCollect},
                                                        {"done", pool::Queue::kDone},
                                                        {"recycled", pool::Queue::kRecycled}};
  Napi::Array codes = Napi::Array::New(env, lanes);
  for (std::uint32_t lane = 0; lane < lanes; lane++) {
    Napi::Object lane_codes = Napi::Object::New(env);
    for (const auto& [name, queue] : queues)
      lane_codes.Set(name, Napi::Number::New(env, pool::queue_code(lane, queue)));
    codes.Set(lane, lane_codes);
  }
  out.Set("queueCodes", codes);
  Napi::Object inputs = Napi::Object::New(env);
  for (const auto& [name, role] : roles) {
    Napi::Array lane_inputs = Napi::Array::New(env, lanes);
    for (std::uint32_t lane = 0; lane < lanes; lane++)
      lane_inputs.Set(lane, Napi::Number::New(env, pool::input_code(role, lane)));
    inputs.Set(name, lane_inputs);
  }
  inputs.Set("replenish", Napi::Number::New(env, pool::input_code(pool::Role::kReplenish, 0)));
  out.Set("inputCodes", inputs);
  return out;
}

// ---- the native producer ----------------------------------------------------

// One producer thread; shared by the thread, the JS handle's functions and the completion
// callback, so whichever finishes last frees it.
struct ProducerThread {
  bp::ProducerConfig config;
  bp::ProducerMemory memory;
  std::unique_ptr<bp::BlockTable> blocks;
  std::atomic<bool> stop{false};
  bp::ProducerResult result;
  // Calls onWant(block) on the JS thread; also settles `done` there.
  Napi::ThreadSafeFunction events;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
  // The control block, queues and blocks outlive the thread. JS thread only.
  std::unique_ptr<std::vector<Napi::Reference<Napi::Uint8Array>>> keep_alive =
      std::make_unique<std::vector<Napi::Reference<Napi::Uint8Array>>>();
  bool finished = false;  // JS thread only

  ~ProducerThread() {
    // Finished: the references were released on the JS thread. Otherwise the environment is
    // shutting down, and a reference must not be deleted from another thread: leave it.
    if (!finished) static_cast<void>(keep_alive.release());
  }
};

Napi::Uint8Array view_of(const Napi::Value& value, const std::string& what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(value.Env(),
                               what + " must be a Uint8Array over its SharedArrayBuffer");
  return value.As<Napi::Uint8Array>();
}

std::uint32_t whole_number(const Napi::Object& options, const char* name) {
  const Napi::Value value = options.Get(name);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= 4294967295.0 && number == static_cast<std::uint64_t>(number)))
    throw Napi::RangeError::New(options.Env(),
                                std::string(name) + " must be an integer from 0 to 2^32 - 1");
  return static_cast<std::uint32_t>(number);
}

double positive_number(const Napi::Object& options, const char* name, bool zero_allowed) {
  const Napi::Value value = options.Get(name);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!((zero_allowed ? number >= 0 : number > 0) && number < 1e300))
    throw Napi::RangeError::New(options.Env(),
                                std::string(name) + " must be a positive finite number");
  return number;
}

bp::ProducerConfig read_config(const Napi::Object& options) {
  const Napi::Env env = options.Env();
  bp::ProducerConfig config;
  config.lane = whole_number(options, "lane");
  config.lanes = whole_number(options, "lanes");
  config.buffer_size = whole_number(options, "bufferSize");
  config.buffers_per_block = whole_number(options, "buffersPerBlock");
  config.max_blocks = whole_number(options, "maxBlocks");
  config.block_when_empty = options.Get("blockWhenEmpty").ToBoolean().Value();
  config.block_timeout_ms = positive_number(options, "blockTimeoutMs", false);
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = static_cast<int>(std::min<std::uint32_t>(whole_number(options, "spin"), INT_MAX));
  config.records = static_cast<std::uint64_t>(positive_number(options, "records", true));
  config.min_payload = whole_number(options, "minPayload");
  config.max_payload = whole_number(options, "maxPayload");
  config.rate_per_second = positive_number(options, "ratePerSecond", true);
  config.type = whole_number(options, "type");
  config.seed = whole_number(options, "seed");
  if (config.lane >= config.lanes || config.buffer_size % pool::record::kAlignment != 0 ||
      config.buffers_per_block == 0 || config.buffers_per_block > pool::buffer_id::kIndexMask + 1 ||
      config.max_blocks == 0 || config.min_payload < 8 || config.max_payload < config.min_payload ||
      pool::record_span(config.max_payload) > config.buffer_size)
    throw Napi::RangeError::New(env, "native producer options are inconsistent with the pool");
  return config;
}

ringkit::Ring attach_queue(Napi::Uint8Array view, const std::string& name) {
  ringkit::Ring ring;
  const ringkit::RingStatus status =
      ringkit::Ring::attach(view.Data(), view.ByteLength(), ring, ringkit::layout::kind::kFixed,
                            ringkit::layout::wait_domain::kOs);
  if (status != ringkit::RingStatus::kOk)
    throw Napi::Error::New(
        view.Env(),
        "the " + name + " queue cannot be used by a native thread: " + ringkit::to_string(status));
  if (ring.config().record_size != pool::entry::kBytes)
    throw Napi::Error::New(view.Env(), "the " + name + " queue's entries are not " +
                                           std::to_string(pool::entry::kBytes) + " bytes");
  return ring;
}

void check_control(Napi::Uint8Array view, std::uint32_t lanes) {
  auto word = [&](std::size_t index) {
    std::uint32_t value;
    std::memcpy(&value, view.Data() + 4 * index, 4);
    return value;
  };
  if (view.ByteLength() != pool::control_byte_length(lanes) ||
      word(pool::pool_word::kMagic) != pool::kControlMagic ||
      word(pool::pool_word::kVersion) != pool::kControlVersion ||
      word(pool::pool_word::kLanes) != lanes)
    throw Napi::Error::New(view.Env(),
                           "the control block is not a buffer-pool control block of this layout "
                           "version and lane count");
}

// Keeps the view's memory alive and returns its bytes (JS thread).
template <typename State>
std::byte* keep(State& state, Napi::Uint8Array view) {
  state.keep_alive->push_back(Napi::Persistent(view));
  return reinterpret_cast<std::byte*>(view.Data());
}

// memory.queues: every queue of every lane, in code order; attached and kept alive (JS thread).
template <typename State>
void attach_lane_queues(const Napi::Object& memory, std::uint32_t lanes, State& state) {
  const Napi::Value queues_value = memory.Get("queues");
  if (!queues_value.IsArray() ||
      queues_value.As<Napi::Array>().Length() != lanes * pool::kQueuesPerLane)
    throw Napi::TypeError::New(memory.Env(),
                               "queues must list every queue of every lane, in code order");
  const auto queues = queues_value.As<Napi::Array>();
  for (std::uint32_t index = 0; index < queues.Length(); index++) {
    const Napi::Uint8Array view = view_of(queues.Get(index), "a queue");
    state.memory.queues.push_back(attach_queue(view, "code " + std::to_string(index + 1)));
    keep(state, view);
  }
}

// memory.blocks: the blocks this thread knows so far (undefined: not yet), into a new table.
template <typename State>
void register_known_blocks(const Napi::Object& memory, std::size_t block_bytes,
                           std::uint32_t max_blocks, State& state) {
  const Napi::Env env = memory.Env();
  state.blocks = std::make_unique<bp::BlockTable>(max_blocks);
  const Napi::Value blocks_value = memory.Get("blocks");
  if (!blocks_value.IsArray()) throw Napi::TypeError::New(env, "blocks must be an array");
  const auto blocks = blocks_value.As<Napi::Array>();
  for (std::uint32_t block = 0; block < blocks.Length(); block++) {
    const Napi::Value value = blocks.Get(block);
    if (value.IsUndefined()) continue;  // a block this thread has not seen (yet)
    const Napi::Uint8Array bytes = view_of(value, "a block");
    if (bytes.ByteLength() != block_bytes || block >= max_blocks)
      throw Napi::RangeError::New(env, "block " + std::to_string(block) + " is not " +
                                           std::to_string(block_bytes) + " bytes of this pool");
    state.blocks->add(block, keep(state, bytes), false);
  }
}

// The handle's addBlock(block, bytes): registers a block that arrived after the start; false
// when the thread finished, the block is known already, or it is not a block of this pool.
template <typename State>
Napi::Function add_block_function(Napi::Env env, std::shared_ptr<State> state,
                                  std::size_t block_bytes) {
  return Napi::Function::New(env, [state, block_bytes](const Napi::CallbackInfo& call) {
    const Napi::Env call_env = call.Env();
    const double block = call[0].As<Napi::Number>().DoubleValue();
    const Napi::Uint8Array bytes = view_of(call[1], "a block");
    if (state->finished || !(block >= 0 && block < state->blocks->capacity()) ||
        block != static_cast<std::uint32_t>(block) || bytes.ByteLength() != block_bytes)
      return Napi::Boolean::New(call_env, false);
    const auto index = static_cast<std::uint32_t>(block);
    if (state->blocks->find(index) != nullptr) return Napi::Boolean::New(call_env, false);
    return Napi::Boolean::New(call_env, state->blocks->add(index, keep(*state, bytes), true));
  });
}

Napi::Object result_object(Napi::Env env, const bp::ProducerResult& result) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("written", Napi::Number::New(env, static_cast<double>(result.written)));
  out.Set("dropped", Napi::Number::New(env, static_cast<double>(result.dropped)));
  out.Set("seconds", Napi::Number::New(env, result.seconds));
  out.Set("errorCode", Napi::String::New(env, result.error_code));
  out.Set("errorMessage", Napi::String::New(env, result.error_message));
  return out;
}

// Everything the thread needs, checked and kept alive (JS thread).
void prepare(const Napi::Object& memory, const Napi::Object& options, ProducerThread& state) {
  state.config = read_config(options);
  const bp::ProducerConfig& config = state.config;

  const Napi::Uint8Array control = view_of(memory.Get("control"), "the control block");
  check_control(control, config.lanes);
  const Napi::Uint8Array free = view_of(memory.Get("free"), "the free queue");
  const Napi::Uint8Array ready = view_of(memory.Get("ready"), "the ready queue");
  state.memory.free = attach_queue(free, "free");
  state.memory.ready = attach_queue(ready, "ready");
  state.memory.control = keep(state, control);
  keep(state, free);
  keep(state, ready);
  attach_lane_queues(memory, config.lanes, state);
  register_known_blocks(memory, std::size_t{config.buffer_size} * config.buffers_per_block,
                        config.max_blocks, state);
}

// startProducer(memory, options, onWant) → { done, stop(), addBlock(block, bytes) }.
// memory: { control, free, ready, queues: Uint8Array[] (by code - 1), blocks: (Uint8Array |
// undefined)[] }.
Napi::Value StartProducer(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsObject() || !info[2].IsFunction())
    throw Napi::TypeError::New(env, "startProducer(memory, options, onWant)");
  const auto memory = info[0].As<Napi::Object>();
  auto state = std::make_shared<ProducerThread>();
  try {
    prepare(memory, info[1].As<Napi::Object>(), *state);
  } catch (...) {
    state->finished = true;  // nothing started: the references go now, on this thread
    throw;
  }
  const bp::ProducerConfig& config = state->config;
  const std::size_t block_bytes = std::size_t{config.buffer_size} * config.buffers_per_block;

  state->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  state->events = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(),
                                                "ringkit-buffer-pool-producer", 0, 1);
  Napi::Promise promise = state->deferred->Promise();

  std::thread([state] {
    const bp::WantBlock want_block = [state](std::uint32_t block) {
      state->events.NonBlockingCall([block](Napi::Env call_env, Napi::Function on_want) {
        try {
          on_want.Call({Napi::Number::New(call_env, block)});
        } catch (const Napi::Error&) {
          // The JS side could not ask (its channel closed): the bounded wait reports it.
        }
      });
    };
    state->result =
        bp::run_producer(state->config, state->memory, *state->blocks, want_block, state->stop);
    state->events.BlockingCall([state](Napi::Env call_env, Napi::Function) {
      state->finished = true;
      state->deferred->Resolve(result_object(call_env, state->result));
      state->keep_alive->clear();
    });
    state->events.Release();
  }).detach();  // completion is reported through the promise

  // The promise is handed over as a property: a napi_value must not outlive this call's scope.
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("done", promise);
  handle.Set("stop", Napi::Function::New(env, [state](const Napi::CallbackInfo& call) {
               state->stop.store(true);
               return call.Env().Undefined();
             }));
  handle.Set("addBlock", add_block_function(env, state, block_bytes));
  return handle;
}

// ---- drain, collector and replenish ------------------------------------------

// Builds a finished role's result object on the JS thread.
using ResultBuilder = std::function<Napi::Object(Napi::Env)>;

struct RoleThread;

// A role the thread will run. It is made on that thread, since its ring ends record their
// user's thread (a peer checks that thread's liveness), and reported there once it finished.
struct PlannedRole {
  std::function<std::unique_ptr<bp::LoopingRole>(RoleThread&)> make;
  std::function<ResultBuilder(const bp::LoopingRole&)> report;
};

// One native thread running one or several roles (drain, collector, replenish); shared by the
// thread, the JS handle's functions and the completion callback, so whichever finishes last
// frees it.
struct RoleThread {
  std::uint32_t lanes = 0;
  std::size_t block_bytes = 0;
  bp::PoolMemory memory;
  std::unique_ptr<bp::BlockTable> blocks;
  std::atomic<bool> stop{false};
  // Calls onEvent(kind, block) on the JS thread; also settles `done` there.
  Napi::ThreadSafeFunction events;
  std::unique_ptr<Napi::Promise::Deferred> deferred;
  std::vector<PlannedRole> plan;
  // Set by the thread before it reports, one per planned role.
  std::vector<ResultBuilder> results;
  // The control block, queues and blocks outlive the thread. JS thread only.
  std::unique_ptr<std::vector<Napi::Reference<Napi::Uint8Array>>> keep_alive =
      std::make_unique<std::vector<Napi::Reference<Napi::Uint8Array>>>();
  bool finished = false;  // JS thread only

  ~RoleThread() {
    // As ProducerThread: a reference must not be deleted from another thread at shutdown.
    if (!finished) static_cast<void>(keep_alive.release());
  }

  // Role thread: onEvent(kind, block) on the JS thread, without waiting for it.
  void tell(const char* kind, std::uint32_t block) {
    events.NonBlockingCall([kind, block](Napi::Env env, Napi::Function on_event) {
      try {
        on_event.Call({Napi::String::New(env, kind), Napi::Number::New(env, block)});
      } catch (const Napi::Error&) {
        // The JS side could not act (its channel closed): the role's bounded waits report it.
      }
    });
  }
};

// memory: { control, queues: Uint8Array[] (by code - 1), blocks: (Uint8Array | undefined)[] },
// checked against `lanes` and kept alive (JS thread).
void prepare_role(const Napi::Object& memory, const Napi::Object& options, RoleThread& state) {
  const Napi::Env env = memory.Env();
  state.lanes = whole_number(options, "lanes");
  const std::uint32_t buffer_size = whole_number(options, "bufferSize");
  const std::uint32_t buffers_per_block = whole_number(options, "buffersPerBlock");
  const std::uint32_t max_blocks = whole_number(options, "maxBlocks");
  if (state.lanes == 0 || buffer_size % pool::record::kAlignment != 0 || buffers_per_block == 0 ||
      buffers_per_block > pool::buffer_id::kIndexMask + 1 || max_blocks == 0)
    throw Napi::RangeError::New(env, "native role options are inconsistent with the pool");
  state.block_bytes = std::size_t{buffer_size} * buffers_per_block;
  const Napi::Uint8Array control = view_of(memory.Get("control"), "the control block");
  check_control(control, state.lanes);
  state.memory.control = keep(state, control);
  attach_lane_queues(memory, state.lanes, state);
  register_known_blocks(memory, state.block_bytes, max_blocks, state);
}

Napi::Object error_fields(Napi::Env env, Napi::Object out, const bp::RoleError& error) {
  out.Set("errorCode", Napi::String::New(env, error.code));
  out.Set("errorMessage", Napi::String::New(env, error.message));
  return out;
}

std::uint32_t spin_of(const Napi::Object& options) {
  return std::min<std::uint32_t>(whole_number(options, "spin"), INT_MAX);
}

std::uint32_t lane_of(const Napi::Object& role, const RoleThread& state) {
  const std::uint32_t lane = whole_number(role, "lane");
  if (lane >= state.lanes) throw Napi::RangeError::New(role.Env(), "lane is outside the pool");
  return lane;
}

Napi::Object drain_result(Napi::Env env, const bp::DrainResult& result) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("handoffs", Napi::Number::New(env, static_cast<double>(result.handoffs)));
  out.Set("refills", Napi::Number::New(env, static_cast<double>(result.refills)));
  out.Set("seconds", Napi::Number::New(env, result.seconds));
  out.Set("stopped", Napi::Boolean::New(env, result.stopped));
  return error_fields(env, out, bp::RoleError{});
}

Napi::Object collector_result(Napi::Env env, const bp::CollectorResult& result) {
  Napi::Object out = Napi::Object::New(env);
  auto set = [&](const char* name, double value) { out.Set(name, Napi::Number::New(env, value)); };
  set("buffers", static_cast<double>(result.buffers));
  set("bytes", static_cast<double>(result.bytes));
  set("records", static_cast<double>(result.records));
  set("payloadBytes", static_cast<double>(result.payload_bytes));
  set("errors", static_cast<double>(result.errors));
  out.Set("firstError", Napi::String::New(env, result.first_error));
  set("maxSequence", static_cast<double>(result.max_sequence));
  set("gaps", static_cast<double>(result.gaps));
  set("outOfOrder", static_cast<double>(result.out_of_order));
  set("seconds", result.seconds);
  out.Set("stopped", Napi::Boolean::New(env, result.stopped));
  return error_fields(env, out, result.error);
}

Napi::Object replenish_result(Napi::Env env, const bp::ReplenishResult& result) {
  Napi::Object out = Napi::Object::New(env);
  auto set = [&](const char* name, double value) { out.Set(name, Napi::Number::New(env, value)); };
  set("routed", static_cast<double>(result.routed));
  set("rebalanced", static_cast<double>(result.rebalanced));
  set("blocksAllocated", static_cast<double>(result.blocks_allocated));
  set("registrations", static_cast<double>(result.registrations));
  set("seconds", result.seconds);
  out.Set("stopped", Napi::Boolean::New(env, result.stopped));
  return error_fields(env, out, result.error);
}

// The report of a role of type Role: its result, copied on the role's thread, built on the JS one.
template <typename Role, typename Build>
std::function<ResultBuilder(const bp::LoopingRole&)> report_with(Build build) {
  return [build](const bp::LoopingRole& role) -> ResultBuilder {
    const auto result = static_cast<const Role&>(role).result();
    return [build, result](Napi::Env env) { return build(env, result); };
  };
}

// { kind: 'drain', lane }
PlannedRole plan_drain(const Napi::Object& role, const Napi::Object& options,
                       const RoleThread& state) {
  bp::DrainConfig config;
  config.lane = lane_of(role, state);
  config.lanes = state.lanes;
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = static_cast<int>(spin_of(options));
  return {[config](RoleThread& thread) -> std::unique_ptr<bp::LoopingRole> {
            return bp::make_drain(config, thread.memory, thread.stop);
          },
          report_with<bp::DrainRole>(drain_result)};
}

// { kind: 'collector', lane, batch }
PlannedRole plan_collector(const Napi::Object& role, const Napi::Object& options,
                           const RoleThread& state) {
  bp::CollectorConfig config;
  config.lane = lane_of(role, state);
  config.lanes = state.lanes;
  config.buffer_size = whole_number(options, "bufferSize");
  config.buffers_per_block = whole_number(options, "buffersPerBlock");
  config.batch = whole_number(role, "batch");
  if (config.batch == 0) throw Napi::RangeError::New(role.Env(), "batch must be ≥ 1");
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = static_cast<int>(spin_of(options));
  return {[config](RoleThread& thread) -> std::unique_ptr<bp::LoopingRole> {
            bp::WantBlock want_block = [&thread](std::uint32_t block) {
              thread.tell("want", block);
            };
            return bp::make_collector(config, thread.memory, *thread.blocks, std::move(want_block),
                                      thread.stop);
          },
          report_with<bp::CollectorRole>(collector_result)};
}

// { kind: 'replenish', lowWatermark, highWatermark, allocationTimeoutMs }. onEvent('allocate', N)
// asks the JS thread for block N (it takes the request, then answers with addBlock);
// onEvent('announce') answers wants.
PlannedRole plan_replenish(const Napi::Object& role, const Napi::Object& options,
                           const RoleThread& state) {
  bp::ReplenishConfig config;
  config.lanes = state.lanes;
  config.buffers_per_block = whole_number(options, "buffersPerBlock");
  config.max_blocks = whole_number(options, "maxBlocks");
  config.low_watermark = whole_number(role, "lowWatermark");
  config.high_watermark = whole_number(role, "highWatermark");
  config.allocation_timeout_ms = positive_number(role, "allocationTimeoutMs", false);
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = static_cast<int>(spin_of(options));
  return {[config](RoleThread& thread) -> std::unique_ptr<bp::LoopingRole> {
            bp::AllocateBlock allocate = [&thread](std::uint32_t block) {
              thread.tell("allocate", block);
            };
            bp::AnswerWants answer_wants = [&thread] { thread.tell("announce", 0); };
            return bp::make_replenish(config, thread.memory, *thread.blocks, std::move(allocate),
                                      std::move(answer_wants), thread.stop);
          },
          report_with<bp::ReplenishRole>(replenish_result)};
}

// options.roles, in the order the thread steps them (JS thread).
void plan_roles(const Napi::Object& options, RoleThread& state) {
  const Napi::Env env = options.Env();
  const Napi::Value roles_value = options.Get("roles");
  if (!roles_value.IsArray() || roles_value.As<Napi::Array>().Length() == 0)
    throw Napi::TypeError::New(env, "roles must be a non-empty array");
  const auto roles = roles_value.As<Napi::Array>();
  for (std::uint32_t index = 0; index < roles.Length(); index++) {
    const Napi::Value value = roles.Get(index);
    if (!value.IsObject()) throw Napi::TypeError::New(env, "each role must be an object");
    const auto role = value.As<Napi::Object>();
    const std::string kind = role.Get("kind").ToString().Utf8Value();
    if (kind == "drain")
      state.plan.push_back(plan_drain(role, options, state));
    else if (kind == "collector")
      state.plan.push_back(plan_collector(role, options, state));
    else if (kind == "replenish")
      state.plan.push_back(plan_replenish(role, options, state));
    else
      throw Napi::TypeError::New(
          env, "a native role is 'drain', 'collector' or 'replenish', not '" + kind + "'");
  }
}

// The thread: makes its roles, runs them together (run_roles), and reports each one's result.
void run_planned_roles(RoleThread& state) {
  std::vector<std::unique_ptr<bp::LoopingRole>> roles;
  std::vector<bp::LoopingRole*> running;
  for (PlannedRole& planned : state.plan) {
    roles.push_back(planned.make(state));
    running.push_back(roles.back().get());
  }
  bp::run_roles(running, state.stop);
  for (std::size_t index = 0; index < roles.size(); index++)
    state.results.push_back(state.plan[index].report(*roles[index]));
}

// startRoles(memory, options: { lanes, bufferSize, buffersPerBlock, maxBlocks, tickMs, spin,
// roles: [{ kind, … }] }, onEvent) → { done: Promise<result[]>, stop(), addBlock(),
// takeRequest() }: one thread running every listed role, results in the same order.
Napi::Value StartRoles(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsObject() || !info[2].IsFunction())
    throw Napi::TypeError::New(env, "startRoles(memory, options, onEvent)");
  auto state = std::make_shared<RoleThread>();
  try {
    prepare_role(info[0].As<Napi::Object>(), info[1].As<Napi::Object>(), *state);
    plan_roles(info[1].As<Napi::Object>(), *state);
  } catch (...) {
    state->finished = true;  // nothing started: the references go now, on this thread
    throw;
  }
  state->deferred = std::make_unique<Napi::Promise::Deferred>(env);
  state->events = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(),
                                                "ringkit-buffer-pool-roles", 0, 1);
  Napi::Promise promise = state->deferred->Promise();
  std::thread([state] {
    run_planned_roles(*state);
    state->events.BlockingCall([state](Napi::Env call_env, Napi::Function) {
      state->finished = true;
      Napi::Array results = Napi::Array::New(call_env, state->results.size());
      for (std::uint32_t index = 0; index < state->results.size(); index++)
        results.Set(index, state->results[index](call_env));
      state->deferred->Resolve(results);
      state->keep_alive->clear();
    });
    state->events.Release();
  }).detach();  // completion is reported through the promise

  Napi::Object handle = Napi::Object::New(env);
  handle.Set("done", promise);
  handle.Set("stop", Napi::Function::New(env, [state](const Napi::CallbackInfo& call) {
               state->stop.store(true);
               return call.Env().Undefined();
             }));
  handle.Set("addBlock", add_block_function(env, state, state->block_bytes));
  // takeRequest(block) → true when the thread still waits for block N (only replenish asks).
  handle.Set("takeRequest", Napi::Function::New(env, [state](const Napi::CallbackInfo& call) {
               const double block = call[0].As<Napi::Number>().DoubleValue();
               const bool taken = !state->finished && block >= 0 &&
                                  block == static_cast<std::uint32_t>(block) &&
                                  state->blocks->take_request(static_cast<std::uint32_t>(block));
               return Napi::Boolean::New(call.Env(), taken);
             }));
  return handle;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("layout", Napi::Function::New(env, Layout));
  exports.Set("controlGeometry", Napi::Function::New(env, ControlGeometry));
  exports.Set("startProducer", Napi::Function::New(env, StartProducer));
  exports.Set("startRoles", Napi::Function::New(env, StartRoles));
  return exports;
}

}  // namespace

NODE_API_MODULE(ringkit_buffer_pool, Init)
