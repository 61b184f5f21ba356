// The layout as C++ sees it, for test/layout.test.ts to compare with src/layout.ts: every
// constant of ringkit/buffer_pool/layout.hpp's lists, and where each role's line and
// wake-table word are.
#pragma once

#include <napi.h>

namespace ringkit::buffer_pool::js {

// layout() → { LINE_BYTES, …, "PoolWord.MAGIC", …, "Counter.producer.records", … }
Napi::Value Layout(const Napi::CallbackInfo& info);
// controlGeometry(lanes) → { byteLength, producer[], drain[], collector[], replenish, … }
Napi::Value ControlGeometry(const Napi::CallbackInfo& info);

}  // namespace ringkit::buffer_pool::js
