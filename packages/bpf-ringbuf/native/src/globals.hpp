// A BPF object's global variables, by name: where each lives (its section, offset
// and size from the object's BTF datasecs) and how to read and write it. Before
// load a write goes into libbpf's initial value of the section's map, so
// `const volatile` configuration in .rodata reaches the verifier as a constant;
// after load reads and writes go through the kernel map's own memory, which this
// class maps (libbpf 1.1 maps it only for skeletons). Plain C++: failures are
// Failures (errors.hpp) naming the variable.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ringkit::bpf {

// How a variable's bytes read as a value: integers of 1, 2, 4 or 8 bytes by their
// BTF encoding, anything else (arrays, structs, floats) as bytes.
enum class GlobalKind { kUnsigned, kSigned, kBytes };

struct GlobalVariable {
  std::string name;
  std::string section;  // ".rodata", ".data", ".bss", or a named one such as ".data.stats"
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  GlobalKind kind = GlobalKind::kBytes;
  // The kernel freezes .rodata at load: it can be set before load only.
  bool read_only() const noexcept { return section.starts_with(".rodata"); }
};

// A value as JavaScript handed it over (a number, a bigint or bytes), or as a read returns it.
struct GlobalValue {
  enum class Kind { kNumber, kBigInt, kBytes };
  Kind kind = Kind::kNumber;
  double number = 0;
  // A bigint as sign and magnitude; `fits` is false when the magnitude needs more than 64 bits.
  bool negative = false;
  std::uint64_t magnitude = 0;
  bool fits = true;
  std::vector<std::uint8_t> bytes;
};

class Globals {
 public:
  // The variables of an opened, not yet loaded, object; `path` names it in sentences.
  Globals(bpf_object* object, std::string path);
  ~Globals() { unmap(); }

  const std::vector<GlobalVariable>& variables() const noexcept { return variables_; }
  // UNKNOWN_GLOBAL, listing the globals there are, when the object has none of that name.
  const GlobalVariable& find(const std::string& name) const;

  // Before load: into the initial value of the variable's section (INVALID_VALUE when the
  // value does not fit the variable).
  void set_initial(const std::string& name, const GlobalValue& value);
  // After load: maps every section's kernel memory, .rodata read-only. Idempotent.
  void map_sections();
  GlobalValue read(const std::string& name) const;
  // READ_ONLY_GLOBAL for .rodata, INVALID_VALUE when the value does not fit.
  void write(const std::string& name, const GlobalValue& value);
  void unmap() noexcept;

  Globals(const Globals&) = delete;
  Globals& operator=(const Globals&) = delete;

 private:
  struct Section {
    std::string name;
    bpf_map* map = nullptr;
    std::uint8_t* memory = nullptr;  // the kernel map's memory after map_sections()
    std::size_t mapped_bytes = 0;
    int map_errno = 0;  // why it could not be mapped, if it could not
  };

  const Section& section_of(const GlobalVariable& variable) const;
  std::uint8_t* loaded_memory(const GlobalVariable& variable) const;

  std::string path_;
  std::vector<GlobalVariable> variables_;
  std::vector<Section> sections_;
};

}  // namespace ringkit::bpf
