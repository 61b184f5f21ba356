// createPeriodTimer: a one-shot libuv timer on the calling thread's event loop that calls one
// JavaScript function when it fires — the direct reader's period (src/direct-reader.ts). It
// is Node's setTimeout without its JavaScript timer list: on a machine where waking a
// sleeping thread is what a period costs most, the list's bookkeeping (processTimers,
// listOnTimeout, async hooks, the re-insert) was ~30 µs of CPU a wake (README, "What the JS
// side costs per event"). RawPeriodTimer in src/native-binding.ts.
#pragma once

#include <napi.h>

namespace ringkit::bpf {

// Adds createPeriodTimer.
void register_period_timer(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
