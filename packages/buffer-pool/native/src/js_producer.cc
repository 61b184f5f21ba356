#include "js_producer.hpp"

#include <memory>

#include "js_arguments.hpp"
#include "js_thread.hpp"
#include "native_producer.hpp"
#include "ringkit/buffer_pool/layout.hpp"

namespace ringkit::buffer_pool::js {

namespace {

namespace pool = ringkit::buffer_pool::layout;

struct ProducerThread : NativeThread {
  ProducerConfig config;
  ProducerMemory memory;
};

ProducerConfig read_config(const Napi::Object& options) {
  const Napi::Env env = options.Env();
  ProducerConfig config;
  config.lane = whole_number(options, "lane");
  config.lanes = whole_number(options, "lanes");
  config.buffer_size = whole_number(options, "bufferSize");
  config.buffers_per_block = whole_number(options, "buffersPerBlock");
  config.max_blocks = whole_number(options, "maxBlocks");
  config.block_when_empty = options.Get("blockWhenEmpty").ToBoolean().Value();
  config.block_timeout_ms = positive_number(options, "blockTimeoutMs", false);
  config.tick_ms = positive_number(options, "tickMs", false);
  config.spin = spin_of(options);
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

Napi::Object result_object(Napi::Env env, const ProducerResult& result) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("written", Napi::Number::New(env, static_cast<double>(result.written)));
  out.Set("dropped", Napi::Number::New(env, static_cast<double>(result.dropped)));
  out.Set("seconds", Napi::Number::New(env, result.seconds));
  out.Set("errorCode", Napi::String::New(env, result.error_code));
  out.Set("errorMessage", Napi::String::New(env, result.error_message));
  return out;
}

// Everything the thread needs, checked and kept alive (JS thread).
void prepare(const Napi::Object& memory, const Napi::Object& options, ProducerThread& thread) {
  thread.config = read_config(options);
  const ProducerConfig& config = thread.config;
  thread.block_bytes = std::size_t{config.buffer_size} * config.buffers_per_block;
  const Napi::Uint8Array control = view_of(memory.Get("control"), "the control block");
  check_control(control, config.lanes);
  const Napi::Uint8Array free = view_of(memory.Get("free"), "the free queue");
  const Napi::Uint8Array ready = view_of(memory.Get("ready"), "the ready queue");
  thread.memory.free = attach_queue(free, "free");
  thread.memory.ready = attach_queue(ready, "ready");
  thread.memory.control = thread.keep(control);
  thread.keep(free);
  thread.keep(ready);
  attach_lane_queues(memory, config.lanes, thread, thread.memory.queues);
  register_known_blocks(memory, config.max_blocks, thread);
}

}  // namespace

Napi::Value StartProducer(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsObject() || !info[2].IsFunction())
    throw Napi::TypeError::New(env, "startProducer(memory, options, onEvent)");
  auto thread = std::make_shared<ProducerThread>();
  try {
    prepare(info[0].As<Napi::Object>(), info[1].As<Napi::Object>(), *thread);
  } catch (...) {
    thread->abandon();
    throw;
  }
  ProducerThread* const self = thread.get();  // the handle's shared_ptr keeps it alive
  return NativeThread::start(
      thread, env, info[2].As<Napi::Function>(), "ringkit-buffer-pool-producer",
      [self]() -> ResultBuilder {
        const WantBlock want_block = [self](std::uint32_t block) { self->tell("want", block); };
        const ProducerResult result =
            run_producer(self->config, self->memory, *self->blocks, want_block, self->stop);
        return [result](Napi::Env result_env) { return result_object(result_env, result); };
      });
}

}  // namespace ringkit::buffer_pool::js
