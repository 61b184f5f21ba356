// startRoles(): one native thread running one or several roles — drains, collectors,
// replenish — together (role_support.hpp's run_roles).
#pragma once

#include <napi.h>

namespace ringkit::buffer_pool::js {

// startRoles(memory: { control, queues: Uint8Array[] (by code - 1), blocks }, options: { lanes,
// bufferSize, buffersPerBlock, maxBlocks, tickMs, spin, roles: [{ kind, … }] }, onEvent) →
// { done: Promise<result[]>, stop(), addBlock(), takeRequest() }, results in the roles' order.
// onEvent('want', N): a collector met block N without having it; ('allocate', N): replenish
// asks the JS thread for block N (it takes the request, then answers with addBlock);
// ('announce'): replenish asks it to answer the pool's wants.
Napi::Value StartRoles(const Napi::CallbackInfo& info);

}  // namespace ringkit::buffer_pool::js
