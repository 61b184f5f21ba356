// startProducer(): a native producer (native_producer.hpp) on a thread of its own.
#pragma once

#include <napi.h>

namespace ringkit::buffer_pool::js {

// startProducer(memory: { control, free, ready, queues: Uint8Array[] (by code - 1), blocks },
// options, onEvent) → { done, stop(), addBlock(block, bytes) }; onEvent('want', block) asks
// the JS thread for a block the producer met without having it.
Napi::Value StartProducer(const Napi::CallbackInfo& info);

}  // namespace ringkit::buffer_pool::js
