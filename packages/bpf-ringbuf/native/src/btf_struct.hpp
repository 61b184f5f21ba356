// A struct of a BPF object's BTF, member by member, for schemaFromBtf() and the
// check of hand-written schemas (src/btf.ts decides what each member maps to).
// Plain C++: no Failures; a struct that is not there is nullopt.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ringkit::bpf {

// A member's type after typedefs and const/volatile. `kind`: "int", "enum", "float",
// "array", "pointer", "struct", "union" or "other"; arrays describe their element
// (resolved the same way) in the element_ fields.
struct BtfMemberType {
  std::string kind;
  std::uint32_t size = 0;  // bytes (arrays: the whole array)
  bool is_signed = false;
  std::uint32_t length = 0;  // arrays: elements
  std::string element_kind;
  std::uint32_t element_size = 0;
  bool element_signed = false;
  std::string c_name;  // as the C source spells it: "__u32", "char[16]", "struct foo *"
};

struct BtfMember {
  std::string name;  // '' for an anonymous struct or union member
  std::uint32_t bit_offset = 0;
  std::uint32_t bit_size = 0;  // 0 unless a bitfield
  BtfMemberType type;
};

struct BtfStruct {
  std::string name;
  std::uint32_t size = 0;
  std::vector<BtfMember> members;
};

// The struct named `name` in `types` (BTF_KIND_STRUCT), or nullopt (also when `types` is null).
std::optional<BtfStruct> find_btf_struct(const btf* types, const std::string& name);

// The struct type `id` is, through typedefs and const/volatile (a map's key or value type, say);
// nullopt when it is not a struct, is 0 (no BTF type), or `types` is null. An anonymous
// struct's name is ''.
std::optional<BtfStruct> btf_struct_of_type(const btf* types, std::uint32_t id);

}  // namespace ringkit::bpf
