// startReader: the reader thread (reader.hpp) over kernel rings of one or several
// objects, as JavaScript sees it (RawReader in src/native-binding.ts).
#pragma once

#include <napi.h>

namespace ringkit::bpf {

// Adds startReader.
void register_reader_binding(Napi::Env env, Napi::Object exports);

}  // namespace ringkit::bpf
