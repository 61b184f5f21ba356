// The statistics block's layout, defined once for C++. The ring writes it with
// atomic stores into memory the caller provides (a SharedArrayBuffer in Node), so
// JavaScript reads the figures with typed arrays and no native call. The TS mirror
// defines the same numbers; its test compares them with `fields()` below.
//
//    0         4         8           12        16
//    ┌─────────┬─────────┬───────────┬─────────┐
//    │ magic   │ version │ ring size │ flags   │  u32 words, written once
//    ├─────────┴─────────┴───────────┴─────────┤
//   16  total acquisitions                     │  f64: exact to 2^53, read from a
//   24  total releases                         │  Float64Array without BigInt
//   32  wait events                            │
//   40  total wait ms                          │
//   48  acquire timeouts                       │
//   56  current index                          │
//   64  submitted fences   ┐ state, kept even  │
//   72  completed fences   ┘ when not tracking │
//   80  reserved up to 128                     │
//    └─────────────────────────────────────────┘
//
// Derived, not stored: reuse rate = 1 − wait events / total acquisitions, and
// average wait ms = total wait ms / wait events.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringkit::cmdring::stats_layout {

// "CMDR" when the first four bytes are read as ASCII.
inline constexpr std::uint32_t kMagic = 0x52444d43;
inline constexpr std::uint32_t kVersion = 1;
// One 128-byte line: every counter is written under the ring's lock, so splitting
// writers across lines would buy nothing.
inline constexpr std::size_t kByteLength = 128;
inline constexpr std::size_t kAlignment = 8;

namespace word {  // u32
inline constexpr std::size_t kMagic = 0;
inline constexpr std::size_t kVersion = 4;
inline constexpr std::size_t kRingSize = 8;
inline constexpr std::size_t kFlags = 12;
}  // namespace word

namespace flag {
inline constexpr std::uint32_t kTrackStatistics = 1;
}  // namespace flag

namespace counter {  // f64
inline constexpr std::size_t kTotalAcquisitions = 16;
inline constexpr std::size_t kTotalReleases = 24;
inline constexpr std::size_t kWaitEvents = 32;
inline constexpr std::size_t kTotalWaitMs = 40;
inline constexpr std::size_t kAcquireTimeouts = 48;
inline constexpr std::size_t kCurrentIndex = 56;
inline constexpr std::size_t kSubmittedFences = 64;
inline constexpr std::size_t kCompletedFences = 72;
inline constexpr std::size_t kEnd = 80;
}  // namespace counter

enum class FieldType { kU32, kF64 };

struct Field {
  std::string_view name;  // as the TS mirror names it
  std::size_t offset;
  FieldType type;
};

// Every field, for the test that proves the TS mirror agrees.
inline constexpr std::array<Field, 12> kFields{{
    {"magic", word::kMagic, FieldType::kU32},
    {"version", word::kVersion, FieldType::kU32},
    {"ringSize", word::kRingSize, FieldType::kU32},
    {"flags", word::kFlags, FieldType::kU32},
    {"totalAcquisitions", counter::kTotalAcquisitions, FieldType::kF64},
    {"totalReleases", counter::kTotalReleases, FieldType::kF64},
    {"waitEvents", counter::kWaitEvents, FieldType::kF64},
    {"totalWaitMs", counter::kTotalWaitMs, FieldType::kF64},
    {"acquireTimeouts", counter::kAcquireTimeouts, FieldType::kF64},
    {"currentIndex", counter::kCurrentIndex, FieldType::kF64},
    {"submittedFences", counter::kSubmittedFences, FieldType::kF64},
    {"completedFences", counter::kCompletedFences, FieldType::kF64},
}};

constexpr const std::array<Field, 12>& fields() noexcept {
  return kFields;
}

constexpr std::size_t field_bytes(FieldType type) {
  return type == FieldType::kU32 ? 4 : 8;
}

// Fields are in offset order, aligned to their size, non-overlapping and inside the block.
constexpr bool fields_are_well_formed() {
  std::size_t end = 0;
  for (const Field& field : kFields) {
    const std::size_t bytes = field_bytes(field.type);
    if (field.offset < end || field.offset % bytes != 0) return false;
    end = field.offset + bytes;
  }
  return end == counter::kEnd && end <= kByteLength;
}

static_assert(std::endian::native == std::endian::little, "JS typed arrays here are little-endian");
static_assert(fields_are_well_formed(), "the statistics fields overlap, misalign or overflow");
static_assert(word::kFlags + 4 == counter::kTotalAcquisitions, "counters follow the words");
static_assert(kByteLength % kAlignment == 0);

}  // namespace ringkit::cmdring::stats_layout
