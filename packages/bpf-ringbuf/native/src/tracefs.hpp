// Programs on tracefs tracepoints (SEC("tp/CATEGORY/NAME") or "tracepoint/...")
// need tracefs mounted: the tracepoint's id is read from it. Raw and BTF
// tracepoints (raw_tp/, tp_btf/) do not, which is why the built-in programs use those.
#pragma once

#include <bpf/libbpf.h>

#include <string>

namespace ringkit::bpf {

// Whether a program of this section attaches through tracefs.
bool is_tracefs_section(const char* section);

// Makes sure tracefs is mounted at `path`, mounting it if it is not; throws
// TRACEFS_UNAVAILABLE when that fails.
void ensure_tracefs(const std::string& path);

// Attaches a tracefs-tracepoint program, reading the id under `tracefs_path`
// (libbpf 1.1 only looks at fixed paths). nullptr on failure, with errno set and
// `detail` saying what failed when errno alone would not.
bpf_link* attach_tracepoint(const bpf_program* program, const std::string& tracefs_path,
                            std::string& detail);

// The same for the tracepoint "CATEGORY/NAME", whatever the program's section says.
bpf_link* attach_tracepoint_named(const bpf_program* program, const std::string& tracefs_path,
                                  const std::string& tracepoint, std::string& detail);

}  // namespace ringkit::bpf
