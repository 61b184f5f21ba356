// One BPF object file, opened, sized, loaded, configured and attached with
// libbpf 1.1 (Debian bookworm's), and the kernel rings a reader consumes from it.
// Plain C++: every failure is a Failure (errors.hpp) with a code and one sentence.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "attach_target.hpp"
#include "bpf_link.hpp"
#include "globals.hpp"
#include "reader.hpp"

namespace ringkit::bpf {

inline constexpr const char* kDefaultKernelBtfPath = "/sys/kernel/btf/vmlinux";
inline constexpr const char* kDefaultTracefsPath = "/sys/kernel/tracing";

// src/native-binding.ts's RawOpenOptions; an absent name is a null there.
struct OpenOptions {
  std::optional<std::vector<std::string>> programs;  // nullopt: every program
  std::optional<std::string> ring_map;
  std::uint64_t ring_bytes = 0;
  std::optional<std::string> unused_ring_map;
  std::optional<std::string> drops_map;
  std::optional<std::string> config_map;
  std::optional<std::vector<std::uint8_t>> config;
  std::string kernel_btf_path = kDefaultKernelBtfPath;
  std::string tracefs_path = kDefaultTracefsPath;
  // Programs to load or not, by name, over libbpf's default (every program, but those
  // whose section starts with '?').
  std::vector<std::pair<std::string, bool>> autoload;
  // Global variables to set before load, by name.
  std::vector<std::pair<std::string, GlobalValue>> globals;
};

// libbpf_num_possible_cpus, or LOAD_FAILED when the kernel does not say.
std::uint32_t possible_cpus();

struct MapInfo {
  std::string name;
  std::string type;  // libbpf_bpf_map_type_str: 'ringbuf', 'array_of_maps', ...
};

class BpfObject {
 public:
  static std::unique_ptr<BpfObject> open(const std::string& path, const OpenOptions& options);
  ~BpfObject() { close(); }

  const std::vector<std::string>& programs() const noexcept { return programs_; }
  const std::vector<std::string>& attached() const noexcept { return attached_; }
  const std::vector<MapInfo>& maps() const noexcept { return maps_; }
  // The rings to consume: one (shared), one per possible CPU, or none.
  const std::vector<KernelRingSource>& rings() const noexcept { return rings_; }

  // The kernel rings of ring map `name`: the ring map the object was opened with (its
  // per-CPU rings, or its one ring), or any other ringbuf map of the object, as one ring
  // sized by its declaration. UNKNOWN_MAP, or INVALID_OPTIONS for a map holding no ring.
  std::vector<KernelRingSource> ring_sources(const std::string& name) const;
  // A map of the object by name (not libbpf's internal .rodata/.bss maps); UNKNOWN_MAP
  // listing the maps there are when it has none of that name.
  const bpf_map* find_map(const std::string& name) const;
  // Sum over CPUs of the drops map's key-0 counter; 0 without a drops map.
  double dropped() const;
  // Destroys every link (the programs stop running, stay loaded, and keep their
  // maps and rings); attach() makes them again. Both idempotent.
  void detach() noexcept;
  void attach();
  // Attaches program `name` to `target`, whatever its section says. The link stops at
  // its own detach() or at close(), unless it was pinned: then only detach() stops it.
  std::shared_ptr<BpfLink> attach_program(const std::string& name, const AttachTarget& target);
  // The object's global variables: read and written after load (not after close()).
  Globals& globals() { return *globals_; }
  // Rewrites the config map's key-0 value; `size` must be its value size.
  void write_config(const std::uint8_t* data, std::size_t size);
  // The object's own BTF (its types, from clang -g), or null when it has none or is closed.
  const btf* types() const noexcept {
    return object_ == nullptr ? nullptr : bpf_object__btf(object_);
  }
  // Detaches every program and closes every fd; the kernel frees the programs
  // after an RCU grace period. Idempotent.
  void close() noexcept;
  bool closed() const noexcept { return object_ == nullptr; }

  BpfObject(const BpfObject&) = delete;
  BpfObject& operator=(const BpfObject&) = delete;

 private:
  BpfObject() = default;

  void check_names(const OpenOptions& options) const;
  void choose_programs(const OpenOptions& options);
  void set_globals(const OpenOptions& options);
  void size_maps(const OpenOptions& options);
  void create_cpu_rings(const OpenOptions& options);
  void load();
  // The program whose load failed, by libbpf's log; '' when no one program did.
  std::string failed_program() const;
  void fill_rings(const OpenOptions& options);
  void attach(const OpenOptions& options);
  void destroy_links() noexcept;

  std::string path_;
  bpf_object* object_ = nullptr;
  std::vector<bpf_link*> links_;
  // attach_program()'s, released (not detached) at close() so that their pins live on.
  std::vector<std::shared_ptr<BpfLink>> explicit_links_;
  std::vector<int> cpu_ring_fds_;  // per-CPU topology: ours, index = CPU
  const bpf_map* drops_ = nullptr;
  const bpf_map* config_ = nullptr;
  std::vector<std::string> programs_;
  std::vector<std::string> attached_;
  std::vector<MapInfo> maps_;
  std::vector<KernelRingSource> rings_;
  std::unique_ptr<Globals> globals_;
  // What attach() selects and where tracefs is: kept for re-attaching.
  OpenOptions attach_options_;
};

}  // namespace ringkit::bpf
