// What the addon's functions read from JS: numbers checked for range, views of shared memory,
// and the pool's memory — control block, queues and blocks — checked against the layout and
// kept alive by the thread that will use it. Each bad value is a TypeError or RangeError
// naming it.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "js_thread.hpp"
#include "ringkit/spsc_ring.hpp"

namespace ringkit::buffer_pool::js {

Napi::Uint8Array view_of(const Napi::Value& value, const std::string& what);
std::uint32_t whole_number(const Napi::Object& options, const char* name);
double positive_number(const Napi::Object& options, const char* name, bool zero_allowed);
// options.spin as a C++ int (the polls before a wait sleeps).
int spin_of(const Napi::Object& options);

// One queue of the pool, attached as a native thread sees it (os wait domain, 8-byte entries).
Ring attach_queue(Napi::Uint8Array view, const std::string& name);
// Throws unless `view` is a control block of this layout version for `lanes` lanes.
void check_control(Napi::Uint8Array view, std::uint32_t lanes);
// memory.queues: every queue of every lane, in code order; attached into `queues`, kept alive.
void attach_lane_queues(const Napi::Object& memory, std::uint32_t lanes, NativeThread& thread,
                        std::vector<Ring>& queues);
// memory.blocks: the blocks this thread knows so far (undefined: not yet), into a new table.
void register_known_blocks(const Napi::Object& memory, std::uint32_t max_blocks,
                           NativeThread& thread);

}  // namespace ringkit::buffer_pool::js
