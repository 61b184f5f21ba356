// Global variables (globals.hpp) as JavaScript sees them: values cross as numbers
// (integers of 1, 2 and 4 bytes), bigints (8 bytes) or Uint8Arrays (the rest, or any
// variable's exact bytes); RawGlobalInfo in src/native-binding.ts describes each.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "globals.hpp"

namespace ringkit::bpf {

// INVALID_VALUE naming global `name` when `value` is no number, bigint or Uint8Array.
GlobalValue global_value_of(const Napi::Value& value, const std::string& name);

Napi::Value global_value_to_js(Napi::Env env, const GlobalValue& value);

// RawGlobalInfo[]: name, section, offset, size, kind ('unsigned', 'signed' or 'bytes').
Napi::Array global_infos(Napi::Env env, const std::vector<GlobalVariable>& variables);

}  // namespace ringkit::bpf
