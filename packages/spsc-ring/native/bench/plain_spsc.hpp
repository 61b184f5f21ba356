// The benchmarks' own plain in-process SPSC queue: the textbook design (cached
// indices on separate lines, power-of-two capacity, acquire/release), with no
// shared-memory layout, counters or wake-ups. What the C++ twin is measured against,
// so it gets every advantage the twin has: each side keeps its own index in a local
// as well (the textbook re-reads it from the shared atomic, a line the other side
// keeps pulling away; the README has both figures), and records are copied with the
// twin's own copy_record. The comparison is then of the rings alone.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>

#include "page_memory.hpp"
#include "ringkit/record_copy.hpp"

namespace ringkit::bench {

class PlainSpscQueue {
 public:
  PlainSpscQueue(std::size_t capacity, std::size_t record_size)
      : mask_(capacity - 1), record_size_(record_size), slots_(capacity * record_size) {}

  bool try_push(const std::byte* record) {
    const std::size_t head = head_local_;
    if (head - tail_cache_ == mask_ + 1) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ == mask_ + 1) return false;
    }
    copy_record(&slots_[(head & mask_) * record_size_], record, record_size_);
    head_local_ = head + 1;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Pushes up to `count` records laid end to end; publishes once.
  std::size_t push_batch(const std::byte* records, std::size_t count) {
    const std::size_t head = head_local_;
    std::size_t free = mask_ + 1 - (head - tail_cache_);
    if (free < count) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      free = mask_ + 1 - (head - tail_cache_);
    }
    const std::size_t n = std::min(count, free);
    const std::size_t index = head & mask_;
    const std::size_t first = std::min(n, mask_ + 1 - index);  // up to the end, then from the start
    std::memcpy(&slots_[index * record_size_], records, first * record_size_);
    std::memcpy(slots_.data(), records + first * record_size_, (n - first) * record_size_);
    head_local_ = head + n;
    head_.store(head + n, std::memory_order_release);
    return n;
  }

  // Calls handler(record) for up to `limit` records; publishes once.
  template <typename Handler>
  std::size_t drain(Handler&& handler, std::size_t limit) {
    const std::size_t tail = tail_local_;
    if (head_cache_ == tail) head_cache_ = head_.load(std::memory_order_acquire);
    const std::size_t n = std::min(head_cache_ - tail, limit);
    for (std::size_t i = 0; i < n; i++) handler(&slots_[((tail + i) & mask_) * record_size_]);
    if (n > 0) {
      tail_local_ = tail + n;
      tail_.store(tail + n, std::memory_order_release);
    }
    return n;
  }

 private:
  // Each index on its own 128-byte pair of lines: the writer's stores do not
  // invalidate the other side's cached copy of its own index.
  alignas(128) std::atomic<std::size_t> head_{0};
  alignas(128) std::size_t head_local_ = 0;  // the producer's own lines
  std::size_t tail_cache_ = 0;
  alignas(128) std::atomic<std::size_t> tail_{0};
  alignas(128) std::size_t tail_local_ = 0;  // the consumer's own lines
  std::size_t head_cache_ = 0;
  alignas(128) std::size_t mask_;
  std::size_t record_size_;
  PageMemory slots_;  // page-aligned, as the twin's ring (page_memory.hpp)
};

}  // namespace ringkit::bench
