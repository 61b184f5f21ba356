#include "reader_options.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include "js_error.hpp"

namespace ringkit::bpf {
namespace {

Napi::Error invalid(Napi::Env env, const std::string& message) {
  return js_error(env, "INVALID_OPTIONS", message);
}

double whole(const Napi::Object& options, const char* name, double max) {
  const Napi::Value value = options.Get(name);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number <= max && std::floor(number) == number))
    throw invalid(options.Env(), std::string(name) + " must be a whole number from 0 to " +
                                     std::to_string(static_cast<std::uint64_t>(max)));
  return number;
}

std::uint32_t u32(const Napi::Object& options, const char* name) {
  return static_cast<std::uint32_t>(whole(options, name, 4294967295.0));
}

// The reader thread writes these views while JavaScript runs: only memory that
// cannot be detached or transferred away under it will do.
Napi::Uint8Array shared_view(const Napi::Object& options, const char* name) {
  const Napi::Env env = options.Env();
  const Napi::Value value = options.Get(name);
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    const Napi::Value buffer = value.As<Napi::Object>().Get("buffer");
    const Napi::Value shared = env.Global().Get("SharedArrayBuffer");
    if (buffer.IsObject() && shared.IsFunction() &&
        buffer.As<Napi::Object>().InstanceOf(shared.As<Napi::Function>()))
      return value.As<Napi::Uint8Array>();
  }
  throw invalid(env, std::string(name) + " must be a Uint8Array over a SharedArrayBuffer");
}

}  // namespace

ReaderOptions read_reader_options(const Napi::Object& options) {
  ReaderOptions out;
  const std::uint32_t policy = u32(options, "policy");
  if (policy > static_cast<std::uint32_t>(WakeupPolicy::kWatermark))
    throw invalid(options.Env(), "policy " + std::to_string(policy) +
                                     " is none of 0 (adaptive), 1 (timer), 2 (watermark)");
  out.policy = static_cast<WakeupPolicy>(policy);
  out.period_ms = u32(options, "periodMs");
  out.max_batch_bytes = u32(options, "maxBatchBytes");
  out.event_bytes = u32(options, "eventBytes");
  out.merge = options.Get("merge").ToBoolean().Value();
  out.timestamp_offset = u32(options, "timestampOffset");
  out.merge_slack_ns =
      static_cast<std::uint64_t>(whole(options, "mergeSlackNs", 9007199254740991.0));
  out.drop_when_full = options.Get("dropWhenFull").ToBoolean().Value();
  out.final_drain_timeout_ms = u32(options, "finalDrainTimeoutMs");
  return out;
}

ReaderViews read_reader_views(const Napi::Object& options) {
  const Napi::Env env = options.Env();
  ReaderViews views{shared_view(options, "ring"), shared_view(options, "stats"), {}, nullptr};
  const ringkit::RingStatus status =
      ringkit::Ring::attach(views.ring.Data(), views.ring.ByteLength(), views.js_ring,
                            ringkit::layout::kind::kBytes, ringkit::layout::wait_domain::kOs);
  if (status != ringkit::RingStatus::kOk)
    throw invalid(env, std::string("ring is not an spsc-ring byte ring with wait domain 'os' (") +
                           ringkit::to_string(status) +
                           "): create it with kind 'bytes' and waitDomain 'os'");
  auto* words = views.stats.Data();
  if (views.stats.ByteLength() < layout::stats::kWords * sizeof(double) ||
      reinterpret_cast<std::uintptr_t>(words) % alignof(double) != 0)
    throw invalid(env, "stats must be an 8-byte-aligned view of at least " +
                           std::to_string(layout::stats::kWords * sizeof(double)) + " bytes");
  views.stats_words = reinterpret_cast<double*>(words);
  return views;
}

}  // namespace ringkit::bpf
