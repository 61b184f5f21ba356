#include "btf_struct.hpp"

namespace ringkit::bpf {
namespace {

// Through typedefs and const/volatile/restrict (not pointers or arrays).
std::uint32_t skip_modifiers(const btf* types, std::uint32_t id) {
  for (int depth = 0; depth < 32; depth++) {
    const btf_type* type = btf__type_by_id(types, id);
    if (type == nullptr) return id;
    if (!btf_is_typedef(type) && !btf_is_mod(type)) return id;
    id = type->type;
  }
  return id;
}

std::string name_of(const btf* types, const btf_type* type) {
  const char* name = btf__name_by_offset(types, type->name_off);
  return name != nullptr && name[0] != '\0' ? name : "(anon)";
}

// The C spelling of type `id`, for sentences.
std::string c_name(const btf* types, std::uint32_t id, int depth = 0) {
  if (id == 0) return "void";
  const btf_type* type = btf__type_by_id(types, id);
  if (type == nullptr || depth > 16) return "?";
  if (btf_is_int(type) || btf_is_float(type) || btf_is_typedef(type)) return name_of(types, type);
  if (btf_is_struct(type)) return "struct " + name_of(types, type);
  if (btf_is_union(type)) return "union " + name_of(types, type);
  if (btf_is_any_enum(type)) return "enum " + name_of(types, type);
  if (btf_is_ptr(type)) return c_name(types, type->type, depth + 1) + " *";
  if (btf_is_const(type)) return "const " + c_name(types, type->type, depth + 1);
  if (btf_is_volatile(type)) return "volatile " + c_name(types, type->type, depth + 1);
  if (btf_is_array(type))
    return c_name(types, btf_array(type)->type, depth + 1) + "[" +
           std::to_string(btf_array(type)->nelems) + "]";
  if (btf_is_func_proto(type)) return "function";
  return name_of(types, type);
}

void describe(const btf* types, std::uint32_t id, std::string& kind, std::uint32_t& size,
              bool& is_signed) {
  const btf_type* type = btf__type_by_id(types, skip_modifiers(types, id));
  const __s64 bytes = btf__resolve_size(types, id);
  size = bytes < 0 ? 0 : static_cast<std::uint32_t>(bytes);
  is_signed = false;
  if (type == nullptr) {
    kind = "other";
  } else if (btf_is_int(type)) {
    // A 128-bit integer or an int type with its own bit offset is not a plain integer.
    kind = btf_int_offset(type) == 0 && btf_int_bits(type) == size * 8 ? "int" : "other";
    is_signed = (btf_int_encoding(type) & BTF_INT_SIGNED) != 0;
  } else if (btf_is_any_enum(type)) {
    kind = "enum";
    is_signed = btf_kflag(type);
  } else if (btf_is_float(type)) {
    kind = "float";
  } else if (btf_is_array(type)) {
    kind = "array";
  } else if (btf_is_ptr(type)) {
    kind = "pointer";
  } else if (btf_is_struct(type)) {
    kind = "struct";
  } else if (btf_is_union(type)) {
    kind = "union";
  } else {
    kind = "other";
  }
}

BtfMemberType member_type(const btf* types, std::uint32_t id) {
  BtfMemberType out;
  out.c_name = c_name(types, id);
  describe(types, id, out.kind, out.size, out.is_signed);
  if (out.kind == "array") {
    const btf_type* array = btf__type_by_id(types, skip_modifiers(types, id));
    out.length = btf_array(array)->nelems;
    describe(types, btf_array(array)->type, out.element_kind, out.element_size, out.element_signed);
  }
  return out;
}

}  // namespace

std::optional<BtfStruct> find_btf_struct(const btf* types, const std::string& name) {
  if (types == nullptr) return std::nullopt;
  const std::int32_t id = btf__find_by_name_kind(types, name.c_str(), BTF_KIND_STRUCT);
  if (id <= 0) return std::nullopt;
  return btf_struct_of_type(types, static_cast<std::uint32_t>(id));
}

std::optional<BtfStruct> btf_struct_of_type(const btf* types, std::uint32_t id) {
  if (types == nullptr || id == 0) return std::nullopt;
  const btf_type* type = btf__type_by_id(types, skip_modifiers(types, id));
  if (type == nullptr || !btf_is_struct(type)) return std::nullopt;
  const char* struct_name = btf__name_by_offset(types, type->name_off);
  BtfStruct out{struct_name != nullptr ? struct_name : "", type->size, {}};
  const btf_member* member = btf_members(type);
  for (std::uint16_t index = 0; index < btf_vlen(type); index++, member++) {
    const char* member_name = btf__name_by_offset(types, member->name_off);
    out.members.push_back(
        {member_name != nullptr ? member_name : "", btf_member_bit_offset(type, index),
         btf_member_bitfield_size(type, index), member_type(types, member->type)});
  }
  return out;
}

}  // namespace ringkit::bpf
