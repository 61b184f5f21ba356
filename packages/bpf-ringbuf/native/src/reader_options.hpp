// RawReaderOptions (src/native-binding.ts) read from JavaScript: the reader's
// options and the two shared views it writes into, checked.
#pragma once

#include <napi.h>

#include "reader.hpp"

namespace ringkit::bpf {

struct ReaderViews {
  Napi::Uint8Array ring;   // an spsc-ring byte ring, wait domain os
  Napi::Uint8Array stats;  // layout::stats::kWords f64
  ringkit::Ring js_ring;
  double* stats_words = nullptr;
};

// Throws INVALID_OPTIONS (a JS error) naming the bad option.
ReaderOptions read_reader_options(const Napi::Object& options);
ReaderViews read_reader_views(const Napi::Object& options);

}  // namespace ringkit::bpf
