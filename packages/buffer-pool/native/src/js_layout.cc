#include "js_layout.hpp"

#include <utility>

#include "ringkit/buffer_pool_layout.hpp"

namespace ringkit::buffer_pool::js {

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

}  // namespace ringkit::buffer_pool::js
