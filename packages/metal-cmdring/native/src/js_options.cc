#include "js_options.hpp"

#include <cmath>
#include <limits>

#include "ringkit/cmdring/errors.hpp"

namespace ringkit::cmdring::js {
namespace {

double number_or(const Napi::Object& object, const char* key, double fallback) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsNumber()) {
    throw Failure(error_code::kInvalidOptions, std::string(key) + " must be a number");
  }
  return value.As<Napi::Number>().DoubleValue();
}

// Whole numbers only, within [0, max]: a fraction or a negative would be
// truncated or wrap into a huge size here.
template <typename Integer>
Integer count_or(const Napi::Object& object, const char* key, Integer fallback) {
  const double value = number_or(object, key, static_cast<double>(fallback));
  if (!(value >= 0) || std::floor(value) != value ||
      value > static_cast<double>(std::numeric_limits<Integer>::max())) {
    throw Failure(
        error_code::kInvalidOptions,
        std::string(key) + " must be a whole number from 0, got " + std::to_string(value));
  }
  return static_cast<Integer>(value);
}

bool bool_or(const Napi::Object& object, const char* key, bool fallback) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsBoolean()) {
    throw Failure(error_code::kInvalidOptions, std::string(key) + " must be true or false");
  }
  return value.As<Napi::Boolean>().Value();
}

Napi::Object object_or_empty(const Napi::Object& object, const char* key) {
  const Napi::Value value = object.Get(key);
  if (value.IsObject()) return value.As<Napi::Object>();
  return Napi::Object::New(object.Env());
}

}  // namespace

RingOptions ring_options(const Napi::Object& options) {
  RingOptions parsed;
  const Napi::Value backend = options.Get("backend");
  if (backend.IsString()) parsed.backend = backend.As<Napi::String>().Utf8Value();
  RingConfig& config = parsed.config;
  config.ring_size = count_or<std::uint32_t>(options, "ringSize", config.ring_size);
  config.timeout_ms = number_or(options, "timeoutMs", config.timeout_ms);
  config.log_wait_events = bool_or(options, "logWaitEvents", config.log_wait_events);
  config.track_statistics = bool_or(options, "trackStatistics", config.track_statistics);
  config.spin_us = number_or(options, "spinUs", config.spin_us);
  config.priority_levels =
      count_or<std::uint32_t>(options, "priorityLevels", config.priority_levels);
  validate(config);

  const Napi::Object cpu = object_or_empty(options, "cpu");
  CpuBackendOptions& cpu_options = parsed.backend_options.cpu;
  cpu_options.buffers_per_slot =
      count_or<std::uint32_t>(cpu, "buffersPerSlot", cpu_options.buffers_per_slot);
  cpu_options.buffer_bytes = count_or<std::size_t>(cpu, "bufferBytes", cpu_options.buffer_bytes);
  cpu_options.results_per_slot =
      count_or<std::uint32_t>(cpu, "resultsPerSlot", cpu_options.results_per_slot);
  cpu_options.idle_spin_us = number_or(cpu, "idleSpinUs", cpu_options.idle_spin_us);

  const Napi::Object gpu = object_or_empty(options, "gpu");
  GpuBackendOptions& gpu_options = parsed.backend_options.gpu;
  gpu_options.device = static_cast<int>(count_or<std::uint32_t>(gpu, "device", 0));
  gpu_options.staging_bytes = count_or<std::size_t>(gpu, "stagingBytes", gpu_options.staging_bytes);
  gpu_options.device_bytes = count_or<std::size_t>(gpu, "deviceBytes", gpu_options.device_bytes);
  return parsed;
}

}  // namespace ringkit::cmdring::js
