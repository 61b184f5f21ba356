// The self-checking record format used by ringkit's stress tests and native
// producers (src/test-records.ts is its TS twin): a record of any size ≥ 8 carries
// its sequence number, a checksum of (sequence, size), and filler bytes derived
// from the sequence, so a lost, duplicated, reordered or torn record is caught.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ringkit::test_records {

inline constexpr std::uint32_t kMinSize = 8;

constexpr std::uint32_t mix(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

constexpr std::uint32_t checksum(std::uint32_t sequence, std::uint32_t size) {
  return mix(sequence ^ (size << 20));
}

inline void write(std::byte* record, std::uint32_t size, std::uint32_t sequence) {
  const std::uint32_t sum = checksum(sequence, size);
  std::memcpy(record, &sequence, 4);
  std::memcpy(record + 4, &sum, 4);
  for (std::uint32_t k = 8; k < size; k++)
    record[k] = static_cast<std::byte>((sequence + k) & 0xff);
}

// True when the record is the one with this sequence number, whole.
inline bool check(const std::byte* record, std::uint32_t size, std::uint32_t expected_sequence) {
  std::uint32_t sequence, sum;
  std::memcpy(&sequence, record, 4);
  std::memcpy(&sum, record + 4, 4);
  if (sequence != expected_sequence || sum != checksum(sequence, size)) return false;
  for (std::uint32_t k = 8; k < size; k++) {
    if (record[k] != static_cast<std::byte>((sequence + k) & 0xff)) return false;
  }
  return true;
}

}  // namespace ringkit::test_records
