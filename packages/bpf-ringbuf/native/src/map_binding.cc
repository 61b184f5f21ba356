#include "map_binding.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "js_error.hpp"
#include "pinned_handle.hpp"

namespace ringkit::bpf {
namespace {

using Map = std::shared_ptr<BpfMap>;

Napi::Error invalid(Napi::Env env, const std::string& message) {
  return js_error(env, "INVALID_OPTIONS", message);
}

bool is_uint8_array(const Napi::Value& value) {
  return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
}

std::span<const std::uint8_t> bytes_of(const Napi::Value& value, const char* what) {
  if (!is_uint8_array(value))
    throw invalid(value.Env(), std::string(what) + " must be a Uint8Array");
  const auto array = value.As<Napi::Uint8Array>();
  return {array.Data(), array.ByteLength()};
}

// An absent key (null or undefined) is the start of a walk.
std::span<const std::uint8_t> optional_bytes(const Napi::Value& value, const char* what) {
  if (value.IsNull() || value.IsUndefined()) return {};
  return bytes_of(value, what);
}

UpdateFlag update_flag(const Napi::Value& value) {
  const std::string flag = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  if (flag == "any") return UpdateFlag::kAny;
  if (flag == "noexist") return UpdateFlag::kNoExist;
  if (flag == "exist") return UpdateFlag::kExist;
  throw invalid(value.Env(), "the update flag must be 'any', 'noexist' or 'exist', got " +
                                 (value.IsString() ? "'" + flag + "'" : std::string("no string")));
}

// `count` values of `size` bytes at `stride` in `buffer` from `offset`: views, not copies.
Napi::Array value_views(Napi::Env env, const Napi::ArrayBuffer& buffer, std::size_t offset,
                        std::uint32_t count, std::uint32_t stride, std::uint32_t size) {
  Napi::Array views = Napi::Array::New(env, count);
  for (std::uint32_t index = 0; index < count; index++)
    views.Set(index, Napi::Uint8Array::New(env, size, buffer,
                                           offset + static_cast<std::size_t>(index) * stride));
  return views;
}

Napi::Uint8Array copy_out(Napi::Env env, const std::uint8_t* data, std::size_t size) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, size);
  std::memcpy(out.Data(), data, size);
  return out;
}

Napi::Value Lookup(const Napi::CallbackInfo& info, const Map& map) {
  const Napi::Env env = info.Env();
  const auto key = bytes_of(info[0], "the key");
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, map->lookup_bytes());
  const bool found = translating(env, [&] {
    return map->lookup(key, {static_cast<std::uint8_t*>(buffer.Data()), buffer.ByteLength()});
  });
  if (!found) return env.Null();
  return value_views(env, buffer, 0, map->value_count(), map->value_stride(), map->value_size());
}

Napi::Value Update(const Napi::CallbackInfo& info, const Map& map) {
  const Napi::Env env = info.Env();
  const auto key = bytes_of(info[0], "the key");
  if (!info[1].IsArray()) throw invalid(env, "update needs its values as an array of Uint8Arrays");
  const auto list = info[1].As<Napi::Array>();
  std::vector<std::span<const std::uint8_t>> values;
  for (std::uint32_t index = 0; index < list.Length(); index++)
    values.push_back(bytes_of(list.Get(index), "each value"));
  const UpdateFlag flag = update_flag(info[2]);
  translating(env, [&] { map->update(key, values, flag); });
  return env.Undefined();
}

Napi::Value NextKey(const Napi::CallbackInfo& info, const Map& map) {
  const Napi::Env env = info.Env();
  const auto key = optional_bytes(info[0], "the key");
  Napi::Uint8Array next = Napi::Uint8Array::New(env, map->key_size());
  const bool found = translating(env, [&] {
    return map->next_key(key, {next.Data(), next.ByteLength()});
  });
  return found ? Napi::Value(next) : env.Null();
}

Napi::Value LookupBatch(const Napi::CallbackInfo& info, const Map& map) {
  const Napi::Env env = info.Env();
  const auto cursor = optional_bytes(info[0], "the batch cursor");
  const double count = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  if (!(count >= 1 && count <= 1 << 20 && std::floor(count) == count))
    throw invalid(env, "the batch size must be a whole number from 1 to 2^20");
  auto page = translating(
      env, [&] { return map->lookup_batch(cursor, static_cast<std::uint32_t>(count)); });
  if (!page) return env.Null();
  Napi::ArrayBuffer keys = Napi::ArrayBuffer::New(env, page->keys.size());
  std::memcpy(keys.Data(), page->keys.data(), page->keys.size());
  Napi::ArrayBuffer values = Napi::ArrayBuffer::New(env, page->values.size());
  std::memcpy(values.Data(), page->values.data(), page->values.size());
  Napi::Array key_list = Napi::Array::New(env, page->count);
  Napi::Array value_list = Napi::Array::New(env, page->count);
  for (std::uint32_t index = 0; index < page->count; index++) {
    key_list.Set(index, Napi::Uint8Array::New(env, map->key_size(), keys,
                                              static_cast<std::size_t>(index) * map->key_size()));
    value_list.Set(index, value_views(env, values, index * map->lookup_bytes(), map->value_count(),
                                      map->value_stride(), map->value_size()));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("keys", key_list);
  out.Set("values", value_list);
  out.Set("next", page->next ? Napi::Value(copy_out(env, page->next->data(), page->next->size()))
                             : env.Null());
  return out;
}

Napi::Value StackTrace(const Napi::CallbackInfo& info, const Map& map) {
  const Napi::Env env = info.Env();
  const double id = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(id >= 0 && id <= 4294967295.0 && std::floor(id) == id))
    throw invalid(env,
                  "a stack id is a whole number from 0 to 2^32 - 1 (what bpf_get_stackid "
                  "returned when it was not negative)");
  auto frames = translating(env, [&] { return map->stack_trace(static_cast<std::uint32_t>(id)); });
  if (!frames) return env.Null();
  auto out = Napi::TypedArrayOf<std::uint64_t>::New(env, frames->size(), napi_biguint64_array);
  std::memcpy(out.Data(), frames->data(), frames->size() * sizeof(std::uint64_t));
  return out;
}

Napi::Value OpenPinnedMap(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string path = pin_path_argument(info[0], false);
  return map_handle(env, translating(env, [&] { return BpfMap::open_pinned(path); }));
}

}  // namespace

Napi::Value map_handle(Napi::Env env, std::unique_ptr<BpfMap> owned) {
  const Map map(std::move(owned));
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("name", map->name());
  handle.Set("type", map->type_name());
  handle.Set("keySize", Napi::Number::New(env, map->key_size()));
  handle.Set("valueSize", Napi::Number::New(env, map->value_size()));
  handle.Set("maxEntries", Napi::Number::New(env, map->max_entries()));
  handle.Set("cpus", Napi::Number::New(env, map->per_cpu() ? map->value_count() : 0));
  handle.Set("lookup", bound_method(env, map, Lookup));
  handle.Set("update", bound_method(env, map, Update));
  handle.Set("delete", bound_method(env, map, [](const Napi::CallbackInfo& info, const Map& map) {
               const auto key = bytes_of(info[0], "the key");
               translating(info.Env(), [&] { map->remove(key); });
               return info.Env().Undefined();
             }));
  handle.Set("nextKey", bound_method(env, map, NextKey));
  handle.Set("lookupBatch", bound_method(env, map, LookupBatch));
  handle.Set("stackTrace", bound_method(env, map, StackTrace));
  set_pin_methods(env, handle, map);
  handle.Set("close", bound_method(env, map, [](const Napi::CallbackInfo& info, const Map& map) {
               map->close();
               return info.Env().Undefined();
             }));
  return handle;
}

void register_map_binding(Napi::Env env, Napi::Object exports) {
  exports.Set("openPinnedMap", Napi::Function::New(env, OpenPinnedMap));
}

}  // namespace ringkit::bpf
