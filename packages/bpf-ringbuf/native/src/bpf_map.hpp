// One BPF map, by file descriptor: a map of a loaded object (a duplicate of
// libbpf's fd, so the handle and the object close independently) or one pinned on
// a bpffs. Lookups, updates, deletes, key walks, batch lookups, pinning. Plain
// C++: every failure is a Failure (errors.hpp) with a code and one sentence
// naming the map.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ringkit::bpf {

// src/map.ts's UpdateFlag, as the kernel numbers them.
enum class UpdateFlag : std::uint64_t {
  kAny = BPF_ANY,
  kNoExist = BPF_NOEXIST,
  kExist = BPF_EXIST
};

// One call of bpf_map_lookup_batch: `count` keys and values packed one after the other.
struct BatchPage {
  std::vector<std::uint8_t> keys;
  std::vector<std::uint8_t> values;
  std::uint32_t count = 0;
  // Where the next call starts (the kernel's opaque cursor); nullopt: this was the last page.
  std::optional<std::vector<std::uint8_t>> next;
};

class BpfMap {
 public:
  // A duplicate of the fd of `map`, a map of a loaded object.
  static std::unique_ptr<BpfMap> of_object(const bpf_map* map);
  // The map pinned at `path` (PIN_NOT_FOUND when nothing is, NOT_PERMITTED, INVALID_OPTIONS
  // when what is pinned there is not a map).
  static std::unique_ptr<BpfMap> open_pinned(const std::string& path);
  ~BpfMap() { close(); }

  const std::string& name() const noexcept { return name_; }
  bpf_map_type type() const noexcept { return type_; }
  // libbpf's name of the type: 'hash', 'percpu_array', 'stack_trace', ...
  std::string type_name() const;
  std::uint32_t key_size() const noexcept { return key_size_; }
  std::uint32_t value_size() const noexcept { return value_size_; }
  std::uint32_t max_entries() const noexcept { return max_entries_; }
  bool per_cpu() const noexcept { return cpus_ > 0; }
  // Per-CPU maps: one value per possible CPU (else 1).
  std::uint32_t value_count() const noexcept { return per_cpu() ? cpus_ : 1; }
  // Bytes between two CPUs' values: the kernel rounds per-CPU values up to 8.
  std::uint32_t value_stride() const noexcept {
    return per_cpu() ? (value_size_ + 7) & ~7u : value_size_;
  }
  // What one lookup fills: every CPU's value, each at value_stride().
  std::size_t lookup_bytes() const noexcept {
    return static_cast<std::size_t>(value_stride()) * value_count();
  }
  const std::string& pinned_path() const noexcept { return pinned_path_; }

  // False when the key is absent (no error: lookups of absent keys are ordinary).
  bool lookup(std::span<const std::uint8_t> key, std::span<std::uint8_t> value) const;
  // `values`: one value, or per-CPU maps one per possible CPU (one alone sets every CPU).
  void update(std::span<const std::uint8_t> key,
              const std::vector<std::span<const std::uint8_t>>& values, UpdateFlag flag) const;
  void remove(std::span<const std::uint8_t> key) const;
  // The key after `key` (the first when `key` is empty) into `next`; false after the last.
  bool next_key(std::span<const std::uint8_t> key, std::span<std::uint8_t> next) const;
  // Up to `count` entries from `cursor` (empty: from the start); nullopt when this kernel has
  // no batch lookup for the map's type (EINVAL, EOPNOTSUPP, ENOTSUPP), so the caller walks keys.
  std::optional<BatchPage> lookup_batch(std::span<const std::uint8_t> cursor,
                                        std::uint32_t count) const;
  // A stack-trace map's frames for `stack_id`, up to the first zero; nullopt when absent.
  std::optional<std::vector<std::uint64_t>> stack_trace(std::uint32_t stack_id) const;
  void pin(const std::string& path);
  // Removes the pin at `path` (the one pin() made when empty); the map lives on while open.
  void unpin(const std::string& path);
  void close() noexcept;
  bool closed() const noexcept { return fd_ < 0; }

  BpfMap(const BpfMap&) = delete;
  BpfMap& operator=(const BpfMap&) = delete;

 private:
  BpfMap() = default;
  void check_open() const;
  void check_key(std::span<const std::uint8_t> key) const;
  // "map 'name'", the subject of every sentence.
  std::string subject() const;

  int fd_ = -1;
  std::string name_;
  bpf_map_type type_ = BPF_MAP_TYPE_UNSPEC;
  std::uint32_t key_size_ = 0;
  std::uint32_t value_size_ = 0;
  std::uint32_t max_entries_ = 0;
  std::uint32_t cpus_ = 0;  // possible CPUs for per-CPU maps, 0 for the others
  std::string pinned_path_;
};

}  // namespace ringkit::bpf
