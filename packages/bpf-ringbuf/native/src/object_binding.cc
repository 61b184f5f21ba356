#include "object_binding.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bpf_object.hpp"
#include "btf_struct.hpp"
#include "globals_binding.hpp"
#include "js_error.hpp"
#include "link_binding.hpp"
#include "map_binding.hpp"
#include "reader.hpp"

namespace ringkit::bpf {
namespace {

// One opened object, shared by every function of its RawObject: when the garbage
// collector takes them it closes the object, so an object JavaScript can no longer reach
// does not keep programs attached. Readers of its rings are reader_binding's: their
// mappings keep the rings alive past close(). JS thread only.
struct ObjectState {
  std::unique_ptr<BpfObject> object;
  napi_env env = nullptr;
  bool hook_registered = false;

  ~ObjectState() { close(); }

  void close() {
    if (hook_registered) napi_remove_env_cleanup_hook(env, on_teardown, this);
    hook_registered = false;
    if (object) object->close();
  }

  // A worker's or the process's environment is going away: nothing may stay attached.
  static void on_teardown(void* arg) {
    auto* state = static_cast<ObjectState*>(arg);
    state->hook_registered = false;
    state->close();
  }

  void check_open(Napi::Env env) const {
    if (!object || object->closed())
      throw js_error(env, "CLOSED", "this BPF object is closed: open it again");
  }
};

Napi::Error invalid(Napi::Env env, const std::string& message) {
  return js_error(env, "INVALID_OPTIONS", message);
}

std::optional<std::string> optional_name(const Napi::Object& options, const char* name) {
  const Napi::Value value = options.Get(name);
  if (value.IsNull() || value.IsUndefined()) return std::nullopt;
  if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty())
    throw invalid(options.Env(), std::string(name) + " must be a map name or null");
  return value.As<Napi::String>().Utf8Value();
}

std::string path_option(const Napi::Object& options, const char* name, const char* fallback) {
  const Napi::Value value = options.Get(name);
  if (value.IsNull() || value.IsUndefined()) return fallback;
  if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty())
    throw invalid(options.Env(), std::string(name) + " must be a path");
  return value.As<Napi::String>().Utf8Value();
}

OpenOptions read_open_options(const Napi::Object& options) {
  const Napi::Env env = options.Env();
  OpenOptions out;
  const Napi::Value programs = options.Get("programs");
  if (programs.IsArray()) {
    const auto list = programs.As<Napi::Array>();
    out.programs.emplace();
    for (std::uint32_t index = 0; index < list.Length(); index++) {
      const Napi::Value name = list.Get(index);
      if (!name.IsString()) throw invalid(env, "programs must list program names");
      out.programs->push_back(name.As<Napi::String>().Utf8Value());
    }
  } else if (!programs.IsNull() && !programs.IsUndefined()) {
    throw invalid(env, "programs must be an array of program names, or null for all");
  }
  out.ring_map = optional_name(options, "ringMap");
  if (out.ring_map) {
    const Napi::Value bytes = options.Get("ringBytes");
    const double number = bytes.IsNumber() ? bytes.As<Napi::Number>().DoubleValue() : -1;
    if (!(number >= 0 && number <= 9007199254740991.0 && std::floor(number) == number))
      throw invalid(env, "ringBytes must be a whole number of bytes");
    out.ring_bytes = static_cast<std::uint64_t>(number);
  }
  out.unused_ring_map = optional_name(options, "unusedRingMap");
  out.drops_map = optional_name(options, "dropsMap");
  out.config_map = optional_name(options, "configMap");
  const Napi::Value config = options.Get("config");
  if (config.IsTypedArray() && config.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    const auto bytes = config.As<Napi::Uint8Array>();
    out.config.emplace(bytes.Data(), bytes.Data() + bytes.ByteLength());
  } else if (!config.IsNull() && !config.IsUndefined()) {
    throw invalid(env, "config must be a Uint8Array or null");
  }
  const Napi::Value autoload = options.Get("autoload");
  if (autoload.IsObject() && !autoload.IsArray()) {
    const auto chosen = autoload.As<Napi::Object>();
    const Napi::Array names = chosen.GetPropertyNames();
    for (std::uint32_t index = 0; index < names.Length(); index++) {
      const std::string name = names.Get(index).As<Napi::String>().Utf8Value();
      const Napi::Value load = chosen.Get(name);
      if (!load.IsBoolean()) throw invalid(env, "autoload." + name + " must be true or false");
      out.autoload.emplace_back(name, load.As<Napi::Boolean>().Value());
    }
  } else if (!autoload.IsNull() && !autoload.IsUndefined()) {
    throw invalid(env, "autoload must map program names to true or false, or be null");
  }
  const Napi::Value globals = options.Get("globals");
  if (globals.IsObject() && !globals.IsArray() && !globals.IsTypedArray()) {
    const auto values = globals.As<Napi::Object>();
    const Napi::Array names = values.GetPropertyNames();
    for (std::uint32_t index = 0; index < names.Length(); index++) {
      const std::string name = names.Get(index).As<Napi::String>().Utf8Value();
      out.globals.emplace_back(name, global_value_of(values.Get(name), name));
    }
  } else if (!globals.IsNull() && !globals.IsUndefined()) {
    throw invalid(env, "globals must map global variable names to values, or be null");
  }
  out.kernel_btf_path = path_option(options, "kernelBtfPath", kDefaultKernelBtfPath);
  out.tracefs_path = path_option(options, "tracefsPath", kDefaultTracefsPath);
  return out;
}

Napi::Array string_array(Napi::Env env, const std::vector<std::string>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (std::uint32_t index = 0; index < values.size(); index++) out.Set(index, values[index]);
  return out;
}

// A BtfStruct as src/native-binding.ts's RawBtfStruct, or null.
Napi::Value btf_struct_to_js(Napi::Env env, const std::optional<BtfStruct>& found) {
  if (!found) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", found->name);
  out.Set("size", Napi::Number::New(env, found->size));
  Napi::Array members = Napi::Array::New(env, found->members.size());
  for (std::uint32_t index = 0; index < found->members.size(); index++) {
    const BtfMember& member = found->members[index];
    Napi::Object js = Napi::Object::New(env);
    js.Set("name", member.name);
    js.Set("bitOffset", Napi::Number::New(env, member.bit_offset));
    js.Set("bitSize", Napi::Number::New(env, member.bit_size));
    js.Set("kind", member.type.kind);
    js.Set("size", Napi::Number::New(env, member.type.size));
    js.Set("signed", Napi::Boolean::New(env, member.type.is_signed));
    js.Set("length", Napi::Number::New(env, member.type.length));
    js.Set("elementKind", member.type.element_kind);
    js.Set("elementSize", Napi::Number::New(env, member.type.element_size));
    js.Set("typeName", member.type.c_name);
    members.Set(index, js);
  }
  out.Set("members", members);
  return out;
}

Napi::Value object_handle(Napi::Env env, const std::shared_ptr<ObjectState>& state) {
  const BpfObject& object = *state->object;
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("programs", string_array(env, object.programs()));
  handle.Set("attached", string_array(env, object.attached()));
  Napi::Array maps = Napi::Array::New(env, object.maps().size());
  for (std::uint32_t index = 0; index < object.maps().size(); index++) {
    Napi::Object map = Napi::Object::New(env);
    map.Set("name", object.maps()[index].name);
    map.Set("type", object.maps()[index].type);
    maps.Set(index, map);
  }
  handle.Set("maps", maps);
  handle.Set("globals", global_infos(env, state->object->globals().variables()));
  handle.Set("readGlobal", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               if (!info[0].IsString()) throw invalid(call_env, "readGlobal needs a global's name");
               const std::string name = info[0].As<Napi::String>().Utf8Value();
               return global_value_to_js(call_env, translating(call_env, [&] {
                                           return state->object->globals().read(name);
                                         }));
             }));
  handle.Set("writeGlobal", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               if (!info[0].IsString())
                 throw invalid(call_env, "writeGlobal needs a global's name");
               const std::string name = info[0].As<Napi::String>().Utf8Value();
               const GlobalValue value = global_value_of(info[1], name);
               translating(call_env, [&] { state->object->globals().write(name, value); });
               return call_env.Undefined();
             }));
  handle.Set("btfStruct", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               if (!info[0].IsString()) throw invalid(call_env, "btfStruct needs a struct's name");
               return btf_struct_to_js(
                   call_env,
                   find_btf_struct(state->object->types(), info[0].As<Napi::String>().Utf8Value()));
             }));
  // mapBtfStructs(name) → { key, value }: the structs the map's key and value are declared as
  // (__type(key, struct ...)), each a RawBtfStruct or null (not a struct, or no BTF).
  handle.Set(
      "mapBtfStructs", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
        const Napi::Env call_env = info.Env();
        state->check_open(call_env);
        if (!info[0].IsString()) throw invalid(call_env, "mapBtfStructs needs a map name");
        const std::string name = info[0].As<Napi::String>().Utf8Value();
        const bpf_map* map = translating(call_env, [&] { return state->object->find_map(name); });
        const btf* types = state->object->types();
        Napi::Object out = Napi::Object::New(call_env);
        out.Set("key", btf_struct_to_js(call_env,
                                        btf_struct_of_type(types, bpf_map__btf_key_type_id(map))));
        out.Set("value", btf_struct_to_js(
                             call_env, btf_struct_of_type(types, bpf_map__btf_value_type_id(map))));
        return out;
      }));
  handle.Set("ringCount", Napi::Number::New(env, static_cast<double>(object.rings().size())));
  handle.Set("dropped", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               state->check_open(info.Env());
               return Napi::Number::New(
                   info.Env(), translating(info.Env(), [&] { return state->object->dropped(); }));
             }));
  handle.Set("writeConfig", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               if (!info[0].IsTypedArray() ||
                   info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
                 throw invalid(call_env, "writeConfig needs the config as a Uint8Array");
               const auto bytes = info[0].As<Napi::Uint8Array>();
               translating(call_env,
                           [&] { state->object->write_config(bytes.Data(), bytes.ByteLength()); });
               return call_env.Undefined();
             }));
  handle.Set("openMap", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               if (!info[0].IsString()) throw invalid(call_env, "openMap needs a map name");
               const std::string name = info[0].As<Napi::String>().Utf8Value();
               return map_handle(call_env, translating(call_env, [&] {
                                   return BpfMap::of_object(state->object->find_map(name));
                                 }));
             }));
  handle.Set("detach", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               state->check_open(info.Env());
               state->object->detach();
               return info.Env().Undefined();
             }));
  handle.Set("attach", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               translating(call_env, [&] { state->object->attach(); });
               return string_array(call_env, state->object->attached());
             }));
  handle.Set("attachProgram", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               if (!info[0].IsString())
                 throw invalid(call_env, "attachProgram needs a program name");
               const std::string name = info[0].As<Napi::String>().Utf8Value();
               const AttachTarget target = read_attach_target(info[1]);
               return link_handle(call_env, translating(call_env, [&] {
                                    return state->object->attach_program(name, target);
                                  }));
             }));
  handle.Set("attachedNow", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               state->check_open(info.Env());
               return string_array(info.Env(), state->object->attached());
             }));
  handle.Set("ringSources", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               const Napi::Env call_env = info.Env();
               state->check_open(call_env);
               if (!info[0].IsString()) throw invalid(call_env, "ringSources needs a map name");
               const std::string name = info[0].As<Napi::String>().Utf8Value();
               const std::vector<KernelRingSource> rings =
                   translating(call_env, [&] { return state->object->ring_sources(name); });
               Napi::Array out = Napi::Array::New(call_env, rings.size());
               for (std::uint32_t i = 0; i < rings.size(); i++) {
                 Napi::Object ring = Napi::Object::New(call_env);
                 ring.Set("fd", Napi::Number::New(call_env, rings[i].fd));
                 ring.Set("bytes", Napi::Number::New(call_env, rings[i].bytes));
                 ring.Set("cpu", Napi::Number::New(call_env, rings[i].index));
                 out.Set(i, ring);
               }
               return out;
             }));
  handle.Set("close", Napi::Function::New(env, [state](const Napi::CallbackInfo& info) {
               state->close();
               return info.Env().Undefined();
             }));
  return handle;
}

// openObject(path, options) → RawObject.
Napi::Value OpenObject(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsObject())
    throw invalid(env, "openObject needs a path and an options object");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const OpenOptions options = read_open_options(info[1].As<Napi::Object>());
  auto state = std::make_shared<ObjectState>();
  state->object = translating(env, [&] { return BpfObject::open(path, options); });
  state->env = env;
  if (napi_add_env_cleanup_hook(env, ObjectState::on_teardown, state.get()) == napi_ok)
    state->hook_registered = true;
  return object_handle(env, state);
}

}  // namespace

void register_object_binding(Napi::Env env, Napi::Object exports) {
  exports.Set("openObject", Napi::Function::New(env, OpenObject));
}

}  // namespace ringkit::bpf
