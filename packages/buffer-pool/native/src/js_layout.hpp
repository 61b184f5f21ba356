// The control block's layout as C++ sees it, for test/layout.test.ts to compare with
// src/control.ts: every constant, and where each role's line and wake-table word are.
#pragma once

#include <napi.h>

namespace ringkit::buffer_pool::js {

// layout() → { LINE_BYTES, …, "Counter.producer.records", … }
Napi::Value Layout(const Napi::CallbackInfo& info);
// controlGeometry(lanes) → { byteLength, producer[], drain[], collector[], replenish, … }
Napi::Value ControlGeometry(const Napi::CallbackInfo& info);

}  // namespace ringkit::buffer_pool::js
