// The fixed-slot ring's two ends, the twin of src/fixed-ring.ts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ringkit/record_copy.hpp"
#include "ringkit/spsc_ring/ring_end.hpp"

namespace ringkit {

// The writing end of a fixed-slot ring. One per ring, on one thread.
class FixedProducer : public detail::ProducerBase {
 public:
  struct Claim {
    std::byte* data = nullptr;  // the first claimed slot
    std::uint32_t count = 0;    // 0: nothing claimed
  };

  explicit FixedProducer(const Ring& ring)
      : ProducerBase(ring), record_size_(ring.config().record_size) {}

  // Copies one record (size ≤ record size) and publishes it; false when full
  // (counted as dropped under the drop policy).
  [[nodiscard]] bool try_push(const void* record, std::size_t size) noexcept {
    if (free_space(1) < 1) {
      refuse(1);
      return false;
    }
    copy_record(slot(write_), record, std::min<std::size_t>(size, record_size_));
    write_ += 1;
    publish(1);
    return true;
  }

  // Copies `count` records laid end to end and publishes them once; returns how many fit.
  std::uint32_t push_batch(const void* records, std::uint32_t count) noexcept {
    const std::uint32_t fitting = std::min(count, free_space(count));
    if (fitting > 0) {
      const std::uint32_t index = write_ & ring_.mask();
      const std::uint32_t first = std::min(fitting, ring_.capacity() - index);
      const auto* source = static_cast<const std::byte*>(records);
      std::memcpy(slot(write_), source, std::size_t{first} * record_size_);
      if (fitting > first)
        std::memcpy(ring_.data(), source + std::size_t{first} * record_size_,
                    std::size_t{fitting - first} * record_size_);
      write_ += fitting;
      publish(fitting);
    }
    refuse(count - fitting);
    return fitting;
  }

  // Up to `count` contiguous slots to write in place; count 0 when none is free
  // (those records are then counted as dropped under the drop policy).
  [[nodiscard]] Claim try_claim(std::uint32_t count) noexcept {
    const std::uint32_t free = free_space(count);
    if (free < 1) {
      refuse(count);
      return {};
    }
    const std::uint32_t index = write_ & ring_.mask();
    return {slot(write_), std::min({count, free, ring_.capacity() - index})};
  }

  // Publishes the first `count` slots of the last claim.
  void commit(std::uint32_t count) noexcept {
    if (count == 0) return;
    write_ += count;
    publish(count);
  }

  std::uint32_t record_size() const noexcept { return record_size_; }

 private:
  std::byte* slot(std::uint32_t position) const noexcept {
    return ring_.data() + std::size_t{position & ring_.mask()} * record_size_;
  }

  std::uint32_t record_size_;
};

// The reading end of a fixed-slot ring. One per ring, on one thread.
class FixedConsumer : public detail::ConsumerBase {
 public:
  explicit FixedConsumer(const Ring& ring)
      : ConsumerBase(ring), record_size_(ring.config().record_size) {}

  // Copies the next record into `out` (record size bytes) and consumes it.
  [[nodiscard]] bool try_pop(void* out) noexcept {
    if (available() == 0) return false;
    copy_record(out, slot(read_), record_size_);
    read_ += 1;
    publish_read(1);
    return true;
  }

  // Calls handler(const std::byte* first_record, std::uint32_t count) for at most
  // two contiguous runs, then publishes the read position once.
  template <typename Handler>
  std::uint32_t drain(Handler&& handler, std::uint32_t limit = UINT32_MAX) {
    const std::uint32_t waiting = available();
    if (waiting == 0) return 0;
    note_fill(waiting);
    const std::uint32_t count = std::min(waiting, limit);
    if (count == 0) return 0;
    const std::uint32_t index = read_ & ring_.mask();
    const std::uint32_t first = std::min(count, ring_.capacity() - index);
    handler(static_cast<const std::byte*>(slot(read_)), first);
    if (count > first) handler(static_cast<const std::byte*>(ring_.data()), count - first);
    read_ += count;
    publish_read(count);
    return count;
  }

  // The next record without consuming it, or nullptr.
  const std::byte* peek() noexcept { return available() == 0 ? nullptr : slot(read_); }

 private:
  std::byte* slot(std::uint32_t position) const noexcept {
    return ring_.data() + std::size_t{position & ring_.mask()} * record_size_;
  }

  std::uint32_t record_size_;
};

}  // namespace ringkit
