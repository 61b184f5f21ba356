// Where BPF objects can be pinned: maps (bpf_map.cc) and links (bpf_link.cc) share it.
#pragma once

#include <string>

namespace ringkit::bpf {

// Whether the folder `path` would be created in is on a bpffs (the only place a pin can go).
bool on_bpffs(const std::string& path);

}  // namespace ringkit::bpf
