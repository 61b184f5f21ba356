// A BpfLink (bpf_link.hpp) as JavaScript sees it: RawLink in src/native-binding.ts, and
// the RawAttachTarget object read into an AttachTarget (attach_target.hpp).
#pragma once

#include <napi.h>

#include <memory>

#include "attach_target.hpp"
#include "bpf_link.hpp"

namespace ringkit::bpf {

// INVALID_OPTIONS naming the field when `value` is not a target attach() knows.
AttachTarget read_attach_target(const Napi::Value& value);

// The RawLink over `link`, shared with the object that made it (whose close() releases it).
Napi::Value link_handle(Napi::Env env, std::shared_ptr<BpfLink> link);

// Adds openPinnedLink.
void register_link_binding(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
