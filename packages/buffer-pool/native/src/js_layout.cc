#include "js_layout.hpp"

#include <cstring>
#include <utility>

#include "ringkit/buffer_pool/layout.hpp"

namespace ringkit::buffer_pool::js {

namespace {

namespace pool = ringkit::buffer_pool::layout;

// "producer" of "LaneRole.producer": the key TypeScript gives a lane role or queue in its group.
const char* field_of(const char* ts_name) {
  return std::strchr(ts_name, '.') + 1;
}

// A lane's roles and queues, each with its TypeScript key, straight from their lists: a role or
// queue added to a list is measured here without another line.
#define RINGKIT_POOL_LANE_ROLE_ENTRY(ns, name, ts_name, type, value) \
  {field_of(ts_name), static_cast<pool::Role>(pool::ns::name)},
#define RINGKIT_POOL_LANE_QUEUE_ENTRY(ns, name, ts_name, type, value) \
  {field_of(ts_name), static_cast<pool::Queue>(pool::ns::name)},
const std::pair<const char*, pool::Role> kLaneRoles[] = {
    RINGKIT_POOL_LANE_ROLE(RINGKIT_POOL_LANE_ROLE_ENTRY)};
const std::pair<const char*, pool::Queue> kLaneQueues[] = {
    RINGKIT_POOL_LANE_QUEUE(RINGKIT_POOL_LANE_QUEUE_ENTRY)};
#undef RINGKIT_POOL_LANE_ROLE_ENTRY
#undef RINGKIT_POOL_LANE_QUEUE_ENTRY

}  // namespace

// Every constant of layout.hpp's lists, by its TypeScript name.
Napi::Value Layout(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  pool::for_each_constant(
      [&](const char* name, double value) { out.Set(name, Napi::Number::New(info.Env(), value)); });
  return out;
}

// Where each role's line is for `lanes` lanes, and the block's size: layout.ts's roleLine and
// controlByteLength, as C++ computes them.
Napi::Value ControlGeometry(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto lanes = info[0].As<Napi::Number>().Uint32Value();
  Napi::Object out = Napi::Object::New(env);
  out.Set("byteLength", Napi::Number::New(env, pool::control_byte_length(lanes)));
  for (const auto& [name, role] : kLaneRoles) {
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
  Napi::Array codes = Napi::Array::New(env, lanes);
  for (std::uint32_t lane = 0; lane < lanes; lane++) {
    Napi::Object lane_codes = Napi::Object::New(env);
    for (const auto& [name, queue] : kLaneQueues)
      lane_codes.Set(name, Napi::Number::New(env, pool::queue_code(lane, queue)));
    codes.Set(lane, lane_codes);
  }
  out.Set("queueCodes", codes);
  Napi::Object inputs = Napi::Object::New(env);
  for (const auto& [name, role] : kLaneRoles) {
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
