// The options object the TypeScript layer hands the addon, already checked
// there; the core validates again (RingConfig, backend options), so a caller
// that skips the TS layer still gets INVALID_OPTIONS, never a crash.
#pragma once

#include <napi.h>

#include <string>

#include "ringkit/cmdring/backends.hpp"
#include "ringkit/cmdring/config.hpp"

namespace ringkit::cmdring::js {

struct RingOptions {
  std::string backend = "auto";
  RingConfig config;
  BackendOptions backend_options;
};

RingOptions ring_options(const Napi::Object& options);

}  // namespace ringkit::cmdring::js
