#include "link_binding.hpp"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "js_error.hpp"
#include "pinned_handle.hpp"

namespace ringkit::bpf {
namespace {

using Link = std::shared_ptr<BpfLink>;

Napi::Error invalid(Napi::Env env, const std::string& message) {
  return js_error(env, "INVALID_OPTIONS", message);
}

std::string required_text(const Napi::Object& target, const char* field, const char* kind) {
  const Napi::Value value = target.Get(field);
  if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty())
    throw invalid(target.Env(),
                  std::string("a ") + kind + " target needs " + field + " as a non-empty string");
  return value.As<Napi::String>().Utf8Value();
}

std::string optional_text(const Napi::Object& target, const char* field) {
  const Napi::Value value = target.Get(field);
  if (value.IsUndefined() || value.IsNull()) return "";
  if (!value.IsString()) throw invalid(target.Env(), std::string(field) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

// A whole number from 0 to `max`, or `fallback` when absent.
double whole(const Napi::Object& target, const char* field, double max, double fallback) {
  const Napi::Value value = target.Get(field);
  if (value.IsUndefined() || value.IsNull()) return fallback;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= max && std::floor(number) == number))
    throw invalid(target.Env(), std::string(field) + " must be a whole number from 0 to " +
                                    (max > 1e15 ? "2^53" : std::to_string(std::llround(max))));
  return number;
}

AttachKind kind_of(const Napi::Object& target) {
  const Napi::Value value = target.Get("kind");
  const std::string kind = value.IsString() ? value.As<Napi::String>().Utf8Value() : "";
  for (AttachKind known : {AttachKind::kTracepoint, AttachKind::kRawTracepoint, AttachKind::kKprobe,
                           AttachKind::kKretprobe, AttachKind::kUprobe, AttachKind::kUretprobe,
                           AttachKind::kUsdt, AttachKind::kPerfEvent})
    if (kind == kind_name(known)) return known;
  throw invalid(target.Env(),
                "kind must be 'tracepoint', 'raw_tracepoint', 'kprobe', 'kretprobe', 'uprobe', "
                "'uretprobe', 'usdt' or 'perf_event', got " +
                    (value.IsString() ? "'" + kind + "'" : std::string("no string")));
}

Napi::Value OpenPinnedLink(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const std::string path = pin_path_argument(info[0], false);
  return link_handle(env, translating(env, [&] { return Link(BpfLink::open_pinned(path)); }));
}

}  // namespace

AttachTarget read_attach_target(const Napi::Value& value) {
  if (!value.IsObject()) throw invalid(value.Env(), "attach needs a target object with a kind");
  const auto object = value.As<Napi::Object>();
  AttachTarget target;
  target.kind = kind_of(object);
  const char* kind = kind_name(target.kind);
  constexpr double kMaxSafe = 9007199254740991.0;
  switch (target.kind) {
    case AttachKind::kTracepoint:
      target.category = required_text(object, "category", kind);
      target.name = required_text(object, "name", kind);
      break;
    case AttachKind::kRawTracepoint:
      target.name = required_text(object, "name", kind);
      break;
    case AttachKind::kKprobe:
    case AttachKind::kKretprobe:
      target.function = required_text(object, "function", kind);
      target.offset = static_cast<std::uint64_t>(whole(object, "offset", kMaxSafe, 0));
      break;
    case AttachKind::kUprobe:
    case AttachKind::kUretprobe:
      target.binary = required_text(object, "binary", kind);
      target.function = optional_text(object, "function");
      target.offset = static_cast<std::uint64_t>(whole(object, "offset", kMaxSafe, 0));
      if (target.function.empty() && target.offset == 0)
        throw invalid(object.Env(), std::string("a ") + kind +
                                        " target needs a function name, an offset, or both");
      break;
    case AttachKind::kUsdt:
      target.binary = required_text(object, "binary", kind);
      target.provider = required_text(object, "provider", kind);
      target.name = required_text(object, "name", kind);
      break;
    case AttachKind::kPerfEvent: {
      target.frequency = static_cast<std::uint64_t>(whole(object, "frequency", kMaxSafe, 0));
      target.period = static_cast<std::uint64_t>(whole(object, "period", kMaxSafe, 0));
      const Napi::Value cpus = object.Get("cpus");
      if (cpus.IsArray()) {
        const auto list = cpus.As<Napi::Array>();
        target.cpus.emplace();
        for (std::uint32_t index = 0; index < list.Length(); index++) {
          const Napi::Value cpu = list.Get(index);
          const double number = cpu.IsNumber() ? cpu.As<Napi::Number>().DoubleValue() : -1;
          if (!(number >= 0 && number < 65536 && std::floor(number) == number))
            throw invalid(object.Env(), "cpus must list CPU numbers (whole numbers from 0)");
          target.cpus->push_back(static_cast<int>(number));
        }
        if (target.cpus->empty())
          throw invalid(object.Env(), "cpus must list at least one CPU, or be left out for all");
      } else if (!cpus.IsUndefined() && !cpus.IsNull()) {
        throw invalid(object.Env(), "cpus must be an array of CPU numbers, or left out for all");
      }
      break;
    }
  }
  if (target.kind == AttachKind::kUprobe || target.kind == AttachKind::kUretprobe ||
      target.kind == AttachKind::kUsdt || target.kind == AttachKind::kPerfEvent)
    target.pid = static_cast<int>(whole(object, "pid", 4194304, -1));
  return target;
}

Napi::Value link_handle(Napi::Env env, Link link) {
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("subject", link->subject());
  handle.Set("detached",
             bound_method(env, link, [](const Napi::CallbackInfo& info, const Link& link) {
               return Napi::Boolean::New(info.Env(), link->detached());
             }));
  set_pin_methods(env, handle, link);
  handle.Set("detach",
             bound_method(env, link, [](const Napi::CallbackInfo& info, const Link& link) {
               link->detach();
               return info.Env().Undefined();
             }));
  return handle;
}

void register_link_binding(Napi::Env env, Napi::Object exports) {
  exports.Set("openPinnedLink", Napi::Function::New(env, OpenPinnedLink));
}

}  // namespace ringkit::bpf
