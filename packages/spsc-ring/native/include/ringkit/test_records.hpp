// The self-checking record format used by ringkit's stress tests and native
// producers (src/test-records.ts is its TS twin): a record of any size ≥ 8 carries
// its sequence number, a checksum of (sequence, size), and filler bytes derived
// from the sequence, so a lost, duplicated, reordered or torn record is caught.
#pragma once

#include <bit>
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

// The filler byte at offset k is (sequence + k) & 0xff. Eight of them at once, in memory
// order: the word's lanes 0..7 hold first, first + 1, ... first + 7, each mod 256 (a lane's
// carry must not spill into the next, hence the SWAR add). Writing and checking a word at a
// time is what lets the ThreadSanitizer stress move 10⁸ records in CI's time: instrumented
// byte accesses were two thirds of its run; TSan still sees every byte, eight per access.
inline std::uint64_t filler_word(std::uint32_t first) {
  static_assert(std::endian::native == std::endian::little, "the record format is little-endian");
  constexpr std::uint64_t kLanes = 0x0706050403020100ULL;
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  const std::uint64_t base = (first & 0xffU) * 0x0101010101010101ULL;
  return ((kLanes & kLow7) + (base & kLow7)) ^ ((kLanes ^ base) & kHigh);
}

inline void write(std::byte* record, std::uint32_t size, std::uint32_t sequence) {
  const std::uint32_t sum = checksum(sequence, size);
  std::memcpy(record, &sequence, 4);
  std::memcpy(record + 4, &sum, 4);
  std::uint32_t k = 8;
  for (; k + 8 <= size; k += 8) {
    const std::uint64_t word = filler_word(sequence + k);
    std::memcpy(record + k, &word, 8);
  }
  for (; k < size; k++) record[k] = static_cast<std::byte>((sequence + k) & 0xff);
}

// True when the record is the one with this sequence number, whole.
inline bool check(const std::byte* record, std::uint32_t size, std::uint32_t expected_sequence) {
  std::uint32_t sequence, sum;
  std::memcpy(&sequence, record, 4);
  std::memcpy(&sum, record + 4, 4);
  if (sequence != expected_sequence || sum != checksum(sequence, size)) return false;
  std::uint32_t k = 8;
  for (; k + 8 <= size; k += 8) {
    std::uint64_t word;
    std::memcpy(&word, record + k, 8);
    if (word != filler_word(sequence + k)) return false;
  }
  for (; k < size; k++) {
    if (record[k] != static_cast<std::byte>((sequence + k) & 0xff)) return false;
  }
  return true;
}

}  // namespace ringkit::test_records
