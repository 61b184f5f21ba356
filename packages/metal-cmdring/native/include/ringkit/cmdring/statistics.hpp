// The statistics block (layout.hpp) as the ring writes it and a reader sees it.
// Every write happens under the ring's lock, so one writer at a time; readers on
// other threads (or in JavaScript) take no lock and may see one update ahead of
// another, which is why the derived rates are clamped.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "ringkit/cmdring/layout.hpp"

namespace ringkit::cmdring {

// The seed's statistics, by the seed's names.
struct Statistics {
  std::uint64_t total_acquisitions = 0;
  std::uint64_t total_releases = 0;
  std::uint64_t wait_events = 0;
  double reuse_rate = 1;  // 1 − wait_events / total_acquisitions; 1 before any acquisition
  double avg_wait_ms = 0;
  double total_wait_ms = 0;
  std::uint32_t ring_size = 0;
  std::uint32_t current_index = 0;  // the slot the next acquisition gets
  std::uint64_t acquire_timeouts = 0;
  std::uint64_t submitted_fences = 0;
  std::uint64_t completed_fences = 0;
};

class StatisticsBlock {
 public:
  // `memory`: layout::kByteLength bytes, 8-aligned; throws Failure(INVALID_OPTIONS) if not.
  explicit StatisticsBlock(std::span<std::byte> memory);

  void initialise(std::uint32_t ring_size, bool track_statistics) noexcept;

  // Writers hold the ring's lock: a plain load and store is enough, and relaxed
  // because each figure stands alone (no reader infers one from another).
  void add(std::size_t offset, double amount) noexcept {
    auto value = counter(offset);
    value.store(value.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
  }
  void set(std::size_t offset, double value) noexcept {
    counter(offset).store(value, std::memory_order_relaxed);
  }
  double read(std::size_t offset) const noexcept {
    return counter(offset).load(std::memory_order_relaxed);
  }
  std::uint32_t read_word(std::size_t offset) const noexcept {
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(bytes_ + offset))
        .load(std::memory_order_relaxed);
  }

  Statistics snapshot() const noexcept;
  std::byte* data() const noexcept { return bytes_; }

 private:
  std::atomic_ref<double> counter(std::size_t offset) const noexcept {
    return std::atomic_ref<double>(*reinterpret_cast<double*>(bytes_ + offset));
  }

  std::byte* bytes_;
};

static_assert(std::atomic_ref<double>::is_always_lock_free,
              "JS reads the counters with plain loads: they must be single stores natively too");
static_assert(std::atomic_ref<double>::required_alignment <= layout::kAlignment);

}  // namespace ringkit::cmdring
