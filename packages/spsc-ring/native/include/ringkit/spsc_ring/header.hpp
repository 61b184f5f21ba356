// The ring's header as C++ sees it, the twin of src/header.ts: a ring's configuration, creating
// and validating the header, and the Ring view every end is built on.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ringkit/spsc_ring/errors.hpp"
#include "ringkit/spsc_ring/layout.hpp"

namespace ringkit {

struct RingConfig {
  std::uint32_t kind = layout::kind::kFixed;
  std::uint32_t capacity = 0;     // slots (fixed) or bytes (byte records)
  std::uint32_t record_size = 0;  // fixed only
  std::uint32_t max_record = 0;   // byte records: 0 = the largest allowed
  std::uint32_t wait_domain = layout::wait_domain::kOs;
  bool block_when_full = false;
};

struct RingStats {
  std::uint32_t capacity, used;
  std::uint64_t pushed, popped, dropped;
  bool closed;
  // The most slots or bytes a drain found waiting since the mark was last taken (take_fill_mark).
  std::uint32_t fill_mark;
};

// Defined beside their users (counter.hpp, liveness.hpp, ring_end.hpp); Ring's members only
// name them here.
struct CounterRead;
struct Side;
struct PublishWords;

constexpr bool is_power_of_two(std::uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0 && value <= (std::uint64_t{1} << 31);
}

// A validated view of a ring's bytes. Copyable; owns nothing. Its members are defined beside
// their TypeScript twins: validating the header here (header.ts), counters in counter.hpp,
// liveness in liveness.hpp, waking and waiting in wait.hpp, publishing and stats in
// ring_end.hpp. Include "ringkit/spsc_ring.hpp", which brings them all.
class Ring {
 public:
  Ring() = default;

  // Bytes a ring with this configuration occupies, or 0 if the configuration is invalid.
  static std::size_t byte_length(const RingConfig& config) {
    RingConfig checked = config;
    return check(checked) == RingStatus::kOk ? layout::kHeaderBytes + data_bytes_of(checked) : 0;
  }

  // Writes a fresh header into zeroed memory; the magic goes last, with release,
  // so an attacher sees either no ring or a whole descriptor.
  [[nodiscard]] static RingStatus initialise(void* base, std::size_t size, RingConfig config) {
    if (const RingStatus status = check(config); status != RingStatus::kOk) return status;
    if (size < layout::kHeaderBytes + data_bytes_of(config)) return RingStatus::kBufferTooSmall;
    auto* bytes = static_cast<std::byte*>(base);
    auto set = [bytes](std::size_t offset, std::uint32_t value) {
      std::memcpy(bytes + offset, &value, 4);
    };
    namespace d = layout::descriptor;
    set(d::kLayoutVersion, layout::kLayoutVersion);
    set(d::kKind, config.kind);
    set(d::kCapacity, config.capacity);
    set(d::kRecordSize, config.record_size);
    set(d::kMaxRecord, config.max_record);
    set(d::kWaitDomain, config.wait_domain);
    set(d::kFlags, config.block_when_full ? layout::flags::kBlockWhenFull : 0);
    set(d::kDataOffset, static_cast<std::uint32_t>(layout::kDataOffset));
    set(d::kDataBytes, data_bytes_of(config));
    std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(bytes + d::kMagic))
        .store(layout::kMagic, std::memory_order_release);
    return RingStatus::kOk;
  }

  // Validates everything TS's describeRing validates, in the same order.
  [[nodiscard]] static RingStatus attach(void* base, std::size_t size, Ring& out,
                                         std::uint32_t expected_kind = 0,
                                         std::uint32_t expected_wait_domain = 0) {
    if (base == nullptr || size < layout::kHeaderBytes) return RingStatus::kBufferTooSmall;
    Ring ring;
    ring.base_ = static_cast<std::byte*>(base);
    namespace d = layout::descriptor;
    if (ring.word(d::kMagic).load(std::memory_order_acquire) != layout::kMagic)
      return RingStatus::kBadMagic;
    if (ring.get(d::kLayoutVersion) != layout::kLayoutVersion) return RingStatus::kBadVersion;
    RingConfig config{
        ring.get(d::kKind),       ring.get(d::kCapacity),
        ring.get(d::kRecordSize), ring.get(d::kMaxRecord),
        ring.get(d::kWaitDomain), (ring.get(d::kFlags) & layout::flags::kBlockWhenFull) != 0};
    if (config.kind != layout::kind::kFixed && config.kind != layout::kind::kBytes)
      return RingStatus::kBadKind;
    const std::uint32_t minimum = config.kind == layout::kind::kFixed
                                      ? layout::limits::kMinFixedCapacity
                                      : layout::limits::kMinByteCapacity;
    if (!is_power_of_two(config.capacity) || config.capacity < minimum)
      return RingStatus::kBadCapacity;
    if (config.kind == layout::kind::kBytes && config.record_size != layout::record::kAlignment)
      return RingStatus::kBadGeometry;
    RingConfig rechecked = config;
    if (config.kind == layout::kind::kBytes && config.max_record == 0)
      return RingStatus::kBadGeometry;
    if (check(rechecked) != RingStatus::kOk || rechecked.max_record != config.max_record)
      return RingStatus::kBadGeometry;
    if ((ring.get(d::kFlags) & ~layout::flags::kBlockWhenFull) != 0)
      return RingStatus::kBadGeometry;
    if (ring.get(d::kDataOffset) != layout::kDataOffset) return RingStatus::kBadGeometry;
    if (ring.get(d::kDataBytes) != data_bytes_of(config)) return RingStatus::kBadGeometry;
    if (size < layout::kHeaderBytes + data_bytes_of(config)) return RingStatus::kBufferTooSmall;
    const std::uint32_t write = ring.get(layout::producer::kWritePosition);
    const std::uint32_t read = ring.get(layout::consumer::kReadPosition);
    if (write - read > config.capacity) return RingStatus::kBadGeometry;
    if (config.kind == layout::kind::kBytes &&
        (write % layout::record::kAlignment != 0 || read % layout::record::kAlignment != 0))
      return RingStatus::kBadGeometry;
    if (expected_kind != 0 && expected_kind != config.kind) return RingStatus::kWrongKind;
    if (expected_wait_domain != 0 && expected_wait_domain != config.wait_domain)
      return RingStatus::kWaitDomainMismatch;
    ring.config_ = config;
    out = ring;
    return RingStatus::kOk;
  }

  std::atomic_ref<std::uint32_t> word(std::size_t offset) const noexcept {
    return word_at(base_, offset);
  }
  static std::atomic_ref<std::uint32_t> word_at(std::byte* base, std::size_t offset) noexcept {
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(base + offset));
  }
  std::uint32_t* word_pointer(std::size_t offset) const noexcept {
    return reinterpret_cast<std::uint32_t*>(base_ + offset);
  }
  std::byte* data() const noexcept { return base_ + layout::kDataOffset; }
  const RingConfig& config() const noexcept { return config_; }
  std::uint32_t capacity() const noexcept { return config_.capacity; }
  std::uint32_t mask() const noexcept { return config_.capacity - 1; }

  // Counters (counter.hpp).
  void store_counter(std::size_t offset, std::uint64_t value) const noexcept;
  void store_whole_counter(std::size_t offset, std::size_t low, std::uint64_t value) const noexcept;
  CounterRead load_position_counter(std::size_t offset, std::size_t position) const noexcept;
  CounterRead load_side_counter(std::size_t offset, std::size_t position) const noexcept;
  CounterRead load_counter(std::size_t offset) const noexcept;

  // Stats and publishing (ring_end.hpp).
  [[nodiscard]] RingStatus stats(RingStats& out) const noexcept;
  std::uint32_t take_fill_mark() const noexcept;
  void publish_and_wake(const PublishWords& words, std::uint32_t value, bool light) const noexcept;

  // Liveness (liveness.hpp).
  void announce(const Side& side) const noexcept;
  void beat(const Side& side) const noexcept;
  // Out of line and cold, as take_flag_and_wake (their definitions say so: see liveness.hpp).
  static void beat_at(std::byte* base, const Side& side) noexcept;
  bool peer_gone(const Side& side) const noexcept;

  // Waking and waiting (wait.hpp).
  void wake_if_waiting(std::size_t flag_offset, std::size_t signal_offset) const noexcept;
  void wake_if_flag(std::size_t flag_offset, std::size_t signal_offset,
                    std::uint32_t seen) const noexcept;
  static void take_flag_and_wake(std::byte* base, std::size_t flag_offset,
                                 std::size_t signal_offset) noexcept;
  template <typename Check>
  WaitOutcome wait_until(Check&& check, std::size_t flag_offset, std::size_t signal_offset,
                         double timeout_ms, const std::atomic<bool>* stop = nullptr,
                         double tick_ms = 100, int spin = 1000, const Side* side = nullptr) const;

 private:
  std::uint32_t get(std::size_t offset) const noexcept {
    return word(offset).load(std::memory_order_relaxed);
  }
  CounterRead read_counter(std::size_t offset, std::size_t low_offset) const noexcept;

  static std::uint32_t data_bytes_of(const RingConfig& config) {
    return config.kind == layout::kind::kFixed ? config.capacity * config.record_size
                                               : config.capacity;
  }

  // Fills defaults and validates, as TS's createRing does.
  static RingStatus check(RingConfig& config) {
    if (config.wait_domain != layout::wait_domain::kProcess &&
        config.wait_domain != layout::wait_domain::kOs)
      return RingStatus::kInvalidOptions;
    if (config.kind == layout::kind::kFixed) {
      if (!is_power_of_two(config.capacity) || config.capacity < layout::limits::kMinFixedCapacity)
        return RingStatus::kBadCapacity;
      if (config.record_size < 1 || config.record_size > layout::limits::kMaxRecordSize)
        return RingStatus::kInvalidOptions;
      if (std::uint64_t{config.capacity} * config.record_size > layout::limits::kMaxDataBytes)
        return RingStatus::kInvalidOptions;
      if (config.max_record == 0) config.max_record = config.record_size;
      return config.max_record == config.record_size ? RingStatus::kOk
                                                     : RingStatus::kInvalidOptions;
    }
    if (config.kind != layout::kind::kBytes) return RingStatus::kBadKind;
    if (!is_power_of_two(config.capacity) || config.capacity < layout::limits::kMinByteCapacity)
      return RingStatus::kBadCapacity;
    config.record_size = layout::record::kAlignment;
    const std::uint32_t largest =
        config.capacity / layout::record::kMaxFraction - layout::record::kHeaderBytes;
    if (config.max_record == 0) config.max_record = largest;
    return config.max_record <= largest ? RingStatus::kOk : RingStatus::kInvalidOptions;
  }

  std::byte* base_ = nullptr;
  RingConfig config_{};
  // wait_until's last look for a dead peer (monotonic_ms), once it has looked.
  mutable std::uint32_t last_peer_check_ms_ = 0;
  mutable bool peer_checked_ = false;
};

}  // namespace ringkit
