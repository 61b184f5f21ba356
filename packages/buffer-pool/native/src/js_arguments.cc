#include "js_arguments.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include "ringkit/buffer_pool/layout.hpp"

namespace ringkit::buffer_pool::js {

namespace pool = ringkit::buffer_pool::layout;

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

int spin_of(const Napi::Object& options) {
  return static_cast<int>(std::min<std::uint32_t>(whole_number(options, "spin"), INT_MAX));
}

Ring attach_queue(Napi::Uint8Array view, const std::string& name) {
  Ring ring;
  const RingStatus status =
      Ring::attach(view.Data(), view.ByteLength(), ring, ringkit::layout::kind::kFixed,
                   ringkit::layout::wait_domain::kOs);
  if (status != RingStatus::kOk)
    throw Napi::Error::New(
        view.Env(),
        "the " + name + " queue cannot be used by a native thread: " + to_string(status));
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

void attach_lane_queues(const Napi::Object& memory, std::uint32_t lanes, NativeThread& thread,
                        std::vector<Ring>& queues) {
  const Napi::Value queues_value = memory.Get("queues");
  if (!queues_value.IsArray() ||
      queues_value.As<Napi::Array>().Length() != lanes * pool::kQueuesPerLane)
    throw Napi::TypeError::New(memory.Env(),
                               "queues must list every queue of every lane, in code order");
  const auto views = queues_value.As<Napi::Array>();
  for (std::uint32_t index = 0; index < views.Length(); index++) {
    const Napi::Uint8Array view = view_of(views.Get(index), "a queue");
    queues.push_back(attach_queue(view, "code " + std::to_string(index + 1)));
    thread.keep(view);
  }
}

void register_known_blocks(const Napi::Object& memory, std::uint32_t max_blocks,
                           NativeThread& thread) {
  const Napi::Env env = memory.Env();
  thread.blocks = std::make_unique<BlockTable>(max_blocks);
  const Napi::Value blocks_value = memory.Get("blocks");
  if (!blocks_value.IsArray()) throw Napi::TypeError::New(env, "blocks must be an array");
  const auto blocks = blocks_value.As<Napi::Array>();
  for (std::uint32_t block = 0; block < blocks.Length(); block++) {
    const Napi::Value value = blocks.Get(block);
    if (value.IsUndefined()) continue;  // a block this thread has not seen (yet)
    const Napi::Uint8Array bytes = view_of(value, "a block");
    if (bytes.ByteLength() != thread.block_bytes || block >= max_blocks)
      throw Napi::RangeError::New(env, "block " + std::to_string(block) + " is not " +
                                           std::to_string(thread.block_bytes) +
                                           " bytes of this pool");
    thread.blocks->add(block, thread.keep(bytes), false);
  }
}

}  // namespace ringkit::buffer_pool::js
