// Kernel launch geometry and arguments, shared by the GPU backends. An argument
// is a scalar, or the address of the launching slot's device buffer plus an
// offset, filled in at submit: callers (JavaScript) never see device pointers.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace ringkit::cmdring {

struct Dim3 {
  std::uint32_t x = 1;
  std::uint32_t y = 1;
  std::uint32_t z = 1;
};

class KernelArg {
 public:
  enum class Kind : std::uint8_t { kScalar4, kScalar8, kSlotDeviceAddress };

  static KernelArg u32(std::uint32_t value) { return {Kind::kScalar4, value}; }
  static KernelArg i32(std::int32_t value) {
    return {Kind::kScalar4, std::bit_cast<std::uint32_t>(value)};
  }
  static KernelArg f32(float value) {
    return {Kind::kScalar4, std::bit_cast<std::uint32_t>(value)};
  }
  static KernelArg u64(std::uint64_t value) { return {Kind::kScalar8, value}; }
  static KernelArg i64(std::int64_t value) {
    return {Kind::kScalar8, std::bit_cast<std::uint64_t>(value)};
  }
  static KernelArg f64(double value) {
    return {Kind::kScalar8, std::bit_cast<std::uint64_t>(value)};
  }
  static KernelArg slot_device_address(std::uint64_t offset) {
    return {Kind::kSlotDeviceAddress, offset};
  }

  Kind kind() const noexcept { return kind_; }
  // The scalar's bits (little-endian, low bytes for a 4-byte one), or the offset.
  std::uint64_t bits() const noexcept { return bits_; }
  std::size_t size() const noexcept { return kind_ == Kind::kScalar4 ? 4 : 8; }

 private:
  KernelArg(Kind kind, std::uint64_t bits) : kind_(kind), bits_(bits) {}

  Kind kind_;
  std::uint64_t bits_;
};

}  // namespace ringkit::cmdring
