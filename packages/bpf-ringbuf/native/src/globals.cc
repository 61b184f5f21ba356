#include "globals.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "errors.hpp"

namespace ringkit::bpf {
namespace {

// The sections libbpf turns into internal maps user space may write; .kconfig and
// .ksyms are filled by libbpf itself.
bool is_data_section(const std::string& name) {
  return name.starts_with(".rodata") || name.starts_with(".data") || name.starts_with(".bss");
}

GlobalKind kind_of(const btf* types, std::uint32_t type_id, std::uint32_t size) {
  // Through typedefs and const/volatile: `const volatile __u32` is an unsigned int.
  const int resolved = btf__resolve_type(types, type_id);
  if (resolved < 0 || (size != 1 && size != 2 && size != 4 && size != 8)) return GlobalKind::kBytes;
  const btf_type* type = btf__type_by_id(types, static_cast<std::uint32_t>(resolved));
  if (btf_is_int(type)) {
    // Bit fields and 128-bit integers stay bytes.
    if (btf_int_offset(type) != 0 || btf_int_bits(type) != size * 8) return GlobalKind::kBytes;
    return (btf_int_encoding(type) & BTF_INT_SIGNED) ? GlobalKind::kSigned : GlobalKind::kUnsigned;
  }
  if (btf_is_any_enum(type)) return btf_kflag(type) ? GlobalKind::kSigned : GlobalKind::kUnsigned;
  return GlobalKind::kBytes;
}

std::string quoted_names(const std::vector<GlobalVariable>& variables) {
  std::string list;
  for (const GlobalVariable& variable : variables)
    list += (list.empty() ? "'" : ", '") + variable.name + "'";
  return list;
}

std::string described(const GlobalVariable& variable) {
  // Integers are 1, 2, 4 or 8 bytes: "an 8-byte", "a 4-byte".
  const std::string bytes =
      (variable.size == 8 ? "an " : "a ") + std::to_string(variable.size) + "-byte";
  switch (variable.kind) {
    case GlobalKind::kUnsigned:
      return bytes + " unsigned integer in " + variable.section;
    case GlobalKind::kSigned:
      return bytes + " signed integer in " + variable.section;
    case GlobalKind::kBytes:
      break;
  }
  return std::to_string(variable.size) + " bytes in " + variable.section;
}

std::string shown(const GlobalValue& value) {
  switch (value.kind) {
    case GlobalValue::Kind::kNumber: {
      if (std::isfinite(value.number) && std::floor(value.number) == value.number &&
          std::fabs(value.number) < 9e18)  // within long long
        return std::to_string(static_cast<long long>(value.number));
      char text[32];
      std::snprintf(text, sizeof text, "%g", value.number);
      return text;
    }
    case GlobalValue::Kind::kBigInt:
      if (!value.fits) return "a bigint beyond 64 bits";
      return (value.negative ? "-" : "") + std::to_string(value.magnitude) + "n";
    case GlobalValue::Kind::kBytes:
      return "a Uint8Array of " + std::to_string(value.bytes.size()) + " bytes";
  }
  return "?";
}

Failure does_not_fit(const GlobalVariable& variable, const GlobalValue& value) {
  std::string fix;
  const unsigned bits = variable.size * 8;
  if (variable.kind == GlobalKind::kUnsigned)
    fix = "pass a whole number from 0 to 2^" + std::to_string(bits) + " - 1" +
          (bits == 64 ? " (a bigint above 2^53)" : "");
  else if (variable.kind == GlobalKind::kSigned)
    fix = "pass a whole number from -2^" + std::to_string(bits - 1) + " to 2^" +
          std::to_string(bits - 1) + " - 1" + (bits == 64 ? " (a bigint beyond ±2^53)" : "");
  else
    fix = "pass a Uint8Array of exactly " + std::to_string(variable.size) + " bytes";
  return Failure("INVALID_VALUE", "global '" + variable.name + "' is " + described(variable) +
                                      ", which " + shown(value) + " does not fit: " + fix);
}

// The value as the variable's two's-complement integer, if it is a whole number in range.
bool integer_of(const GlobalVariable& variable, const GlobalValue& value, std::uint64_t& out) {
  const unsigned bits = variable.size * 8;
  const bool is_signed = variable.kind == GlobalKind::kSigned;
  // The largest magnitude on each side: [-2^(bits-1), 2^(bits-1) - 1] or [0, 2^bits - 1].
  const std::uint64_t positive_max =
      is_signed ? (std::uint64_t{1} << (bits - 1)) - 1
                : (bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1);
  const std::uint64_t negative_max = is_signed ? std::uint64_t{1} << (bits - 1) : 0;
  bool negative = false;
  std::uint64_t magnitude = 0;
  if (value.kind == GlobalValue::Kind::kNumber) {
    // Numbers beyond 2^53 are no longer whole numbers JavaScript can hold exactly.
    const double number = value.number;
    if (!std::isfinite(number) || std::floor(number) != number ||
        std::fabs(number) > 9007199254740991.0)
      return false;
    negative = number < 0;
    magnitude = static_cast<std::uint64_t>(std::fabs(number));
  } else if (value.kind == GlobalValue::Kind::kBigInt) {
    if (!value.fits) return false;
    negative = value.negative && value.magnitude != 0;
    magnitude = value.magnitude;
  } else {
    return false;
  }
  if (negative ? magnitude > negative_max : magnitude > positive_max) return false;
  out = negative ? ~magnitude + 1 : magnitude;
  return true;
}

// The variable's bytes for `value` (host byte order, as the program reads them).
std::vector<std::uint8_t> encode(const GlobalVariable& variable, const GlobalValue& value) {
  // Bytes of the exact size fit any variable: the universal form.
  if (value.kind == GlobalValue::Kind::kBytes) {
    if (value.bytes.size() != variable.size) throw does_not_fit(variable, value);
    return value.bytes;
  }
  std::uint64_t integer = 0;
  if (variable.kind == GlobalKind::kBytes || !integer_of(variable, value, integer))
    throw does_not_fit(variable, value);
  std::vector<std::uint8_t> bytes(variable.size);
  const auto narrow = [&]<typename T>(T) {
    const T typed = static_cast<T>(integer);
    std::memcpy(bytes.data(), &typed, sizeof typed);
  };
  switch (variable.size) {
    case 1:
      narrow(std::uint8_t{});
      break;
    case 2:
      narrow(std::uint16_t{});
      break;
    case 4:
      narrow(std::uint32_t{});
      break;
    default:
      narrow(std::uint64_t{});
      break;
  }
  return bytes;
}

GlobalValue decode(const GlobalVariable& variable, const std::uint8_t* bytes) {
  GlobalValue value;
  if (variable.kind == GlobalKind::kBytes) {
    value.kind = GlobalValue::Kind::kBytes;
    value.bytes.assign(bytes, bytes + variable.size);
    return value;
  }
  const bool is_signed = variable.kind == GlobalKind::kSigned;
  std::int64_t wide_signed = 0;
  std::uint64_t wide = 0;
  const auto widen = [&]<typename U, typename S>(U, S) {
    U unsigned_value;
    std::memcpy(&unsigned_value, bytes, sizeof unsigned_value);
    wide = unsigned_value;
    wide_signed = static_cast<S>(unsigned_value);
  };
  switch (variable.size) {
    case 1:
      widen(std::uint8_t{}, std::int8_t{});
      break;
    case 2:
      widen(std::uint16_t{}, std::int16_t{});
      break;
    case 4:
      widen(std::uint32_t{}, std::int32_t{});
      break;
    default:
      widen(std::uint64_t{}, std::int64_t{});
      break;
  }
  // 8-byte integers come back as bigints whatever their value: one type per variable.
  if (variable.size == 8) {
    value.kind = GlobalValue::Kind::kBigInt;
    value.negative = is_signed && wide_signed < 0;
    value.magnitude = value.negative ? ~wide + 1 : wide;
  } else {
    value.number = is_signed ? static_cast<double>(wide_signed) : static_cast<double>(wide);
  }
  return value;
}

// Integers of 1, 2, 4 and 8 bytes at their alignment move as one access: a program
// updating a counter on another CPU must never be seen half written.
void load_from(const std::uint8_t* memory, std::uint8_t* out, std::size_t size) {
  const auto whole = [&]<typename T>(T) {
    if (size != sizeof(T) || reinterpret_cast<std::uintptr_t>(memory) % alignof(T) != 0)
      return false;
    const T value = std::atomic_ref<T>(*reinterpret_cast<T*>(const_cast<std::uint8_t*>(memory)))
                        .load(std::memory_order_relaxed);
    std::memcpy(out, &value, sizeof value);
    return true;
  };
  if (whole(std::uint8_t{}) || whole(std::uint16_t{}) || whole(std::uint32_t{}) ||
      whole(std::uint64_t{}))
    return;
  std::memcpy(out, memory, size);
}

void store_into(std::uint8_t* memory, const std::uint8_t* bytes, std::size_t size) {
  const auto whole = [&]<typename T>(T) {
    if (size != sizeof(T) || reinterpret_cast<std::uintptr_t>(memory) % alignof(T) != 0)
      return false;
    T value;
    std::memcpy(&value, bytes, sizeof value);
    std::atomic_ref<T>(*reinterpret_cast<T*>(memory)).store(value, std::memory_order_relaxed);
    return true;
  };
  if (whole(std::uint8_t{}) || whole(std::uint16_t{}) || whole(std::uint32_t{}) ||
      whole(std::uint64_t{}))
    return;
  std::memcpy(memory, bytes, size);
}

}  // namespace

Globals::Globals(bpf_object* object, std::string path) : path_(std::move(path)) {
  const btf* types = bpf_object__btf(object);
  if (types == nullptr) return;  // no BTF, no names: the object has no globals to offer
  const std::uint32_t count = btf__type_cnt(types);
  for (std::uint32_t id = 1; id < count; id++) {
    const btf_type* type = btf__type_by_id(types, id);
    if (!btf_is_datasec(type)) continue;
    const std::string section = btf__name_by_offset(types, type->name_off);
    if (!is_data_section(section)) continue;
    // libbpf finds an internal map by its section name (the map's own name carries a
    // prefix of the object's name); a section without a map holds nothing loadable.
    bpf_map* map = bpf_object__find_map_by_name(object, section.c_str());
    if (map == nullptr) continue;
    sections_.push_back({section, map});
    const btf_var_secinfo* info = btf_var_secinfos(type);
    for (std::uint16_t index = 0; index < btf_vlen(type); index++, info++) {
      const btf_type* variable = btf__type_by_id(types, info->type);
      if (!btf_is_var(variable)) continue;
      // Static variables are the program's own: libbpf's skeletons leave them out too.
      if (btf_var(variable)->linkage != BTF_VAR_GLOBAL_ALLOCATED) continue;
      variables_.push_back({btf__name_by_offset(types, variable->name_off), section, info->offset,
                            info->size, kind_of(types, variable->type, info->size)});
    }
  }
}

const GlobalVariable& Globals::find(const std::string& name) const {
  const auto found =
      std::find_if(variables_.begin(), variables_.end(),
                   [&](const GlobalVariable& variable) { return variable.name == name; });
  if (found != variables_.end()) return *found;
  if (variables_.empty())
    throw Failure("UNKNOWN_GLOBAL",
                  "global '" + name + "' is not in " + path_ +
                      ", which has no globals: declare it in the program as a non-static "
                      "variable (e.g. const volatile __u32 " +
                      name + " = 0)");
  throw Failure("UNKNOWN_GLOBAL", "global '" + name + "' is not in " + path_ +
                                      ": choose from its globals (" + quoted_names(variables_) +
                                      ")");
}

const Globals::Section& Globals::section_of(const GlobalVariable& variable) const {
  return *std::find_if(sections_.begin(), sections_.end(),
                       [&](const Section& section) { return section.name == variable.section; });
}

void Globals::set_initial(const std::string& name, const GlobalValue& value) {
  const GlobalVariable& variable = find(name);
  const std::vector<std::uint8_t> bytes = encode(variable, value);
  bpf_map* map = section_of(variable).map;
  // libbpf hands out its copy read-only: patch a copy of ours and give the whole section back.
  std::size_t size = 0;
  const void* current = bpf_map__initial_value(map, &size);
  if (current == nullptr || variable.offset + variable.size > size)
    throw Failure("INVALID_OBJECT", "libbpf holds no initial value for " + variable.section +
                                        " of " + path_ + " to write global '" + name +
                                        "' into: rebuild the object with clang -g (BTF)");
  std::vector<std::uint8_t> section(static_cast<const std::uint8_t*>(current),
                                    static_cast<const std::uint8_t*>(current) + size);
  std::memcpy(section.data() + variable.offset, bytes.data(), bytes.size());
  if (const int error = bpf_map__set_initial_value(map, section.data(), section.size()); error != 0)
    throw Failure("LOAD_FAILED", "setting global '" + name + "' of " + path_ + " failed (" +
                                     errno_text(-error) + "): set globals before load only");
}

void Globals::map_sections() {
  const long page = sysconf(_SC_PAGESIZE);
  for (Section& section : sections_) {
    if (section.memory != nullptr) continue;
    const int fd = bpf_map__fd(section.map);
    if (fd < 0 || (bpf_map__map_flags(section.map) & BPF_F_MMAPABLE) == 0) {
      section.map_errno = EOPNOTSUPP;
      continue;
    }
    const std::size_t bytes =
        (bpf_map__value_size(section.map) + static_cast<std::size_t>(page) - 1) &
        ~(static_cast<std::size_t>(page) - 1);
    // The kernel refuses a writable mapping of a frozen map, and .rodata is frozen.
    const int protection = section.name.starts_with(".rodata") ? PROT_READ : PROT_READ | PROT_WRITE;
    void* memory = mmap(nullptr, bytes, protection, MAP_SHARED, fd, 0);
    if (memory == MAP_FAILED) {
      section.map_errno = errno;
      continue;
    }
    section.memory = static_cast<std::uint8_t*>(memory);
    section.mapped_bytes = bytes;
  }
}

std::uint8_t* Globals::loaded_memory(const GlobalVariable& variable) const {
  const Section& section = section_of(variable);
  if (section.memory != nullptr) return section.memory + variable.offset;
  throw Failure("MAP_FAILED", "global '" + variable.name + "' cannot be reached: mapping " +
                                  variable.section + " of " + path_ + " failed (" +
                                  errno_text(section.map_errno) +
                                  "): the kernel must allow mmap of BPF array maps (Linux 5.5+)");
}

GlobalValue Globals::read(const std::string& name) const {
  const GlobalVariable& variable = find(name);
  std::vector<std::uint8_t> bytes(variable.size);
  load_from(loaded_memory(variable), bytes.data(), bytes.size());
  return decode(variable, bytes.data());
}

void Globals::write(const std::string& name, const GlobalValue& value) {
  const GlobalVariable& variable = find(name);
  if (variable.read_only())
    throw Failure("READ_ONLY_GLOBAL",
                  "global '" + name + "' is in " + variable.section +
                      ", which the kernel froze at load: set it before load with openObject(path, "
                      "{ globals: { " +
                      name +
                      ": … } }), or declare it without const to change "
                      "it while the program runs");
  const std::vector<std::uint8_t> bytes = encode(variable, value);
  store_into(loaded_memory(variable), bytes.data(), bytes.size());
}

void Globals::unmap() noexcept {
  for (Section& section : sections_) {
    if (section.memory != nullptr) munmap(section.memory, section.mapped_bytes);
    section.memory = nullptr;
    section.mapped_bytes = 0;
  }
}

}  // namespace ringkit::bpf
