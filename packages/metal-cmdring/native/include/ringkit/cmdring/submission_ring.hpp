// The submission ring: how a committed slot reaches a backend's thread. The ring
// pushes one record per fence, in fence order, into an @ringkit/spsc-ring fixed
// ring (wait domain os; one per priority level, submission_levels.hpp); the
// backend's executor or completer pops them. The
// record's publish (release) hands over the slot's recorded ops: the consumer
// reads them only after its acquire of the write position, so no lock is needed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <optional>

#include "ringkit/cmdring/errors.hpp"
#include "ringkit/cmdring/spin_wait.hpp"
#include "ringkit/spsc_ring.hpp"

namespace ringkit::cmdring {

// The spsc-ring twin lives in namespace ringkit, beside this package's own Ring and layout.
namespace spsc = ::ringkit;

struct SubmissionRecord {
  std::uint64_t fence;
  std::uint32_t slot;
  std::uint32_t op_count;
};
static_assert(sizeof(SubmissionRecord) == 16, "a submission record is 16 bytes, no padding");

class SubmissionRing {
 public:
  // Room for every fence a ring of `slot_count` slots can have in flight.
  explicit SubmissionRing(std::uint32_t slot_count)
      : config_(config_for(slot_count)),
        memory_(allocate(spsc::Ring::byte_length(config_))),
        ring_(initialised(memory_.get(), spsc::Ring::byte_length(config_), config_)),
        producer_(ring_),
        consumer_(ring_) {}

  SubmissionRing(const SubmissionRing&) = delete;
  SubmissionRing& operator=(const SubmissionRing&) = delete;

  // Producer: the ring's commit path, under the ring's lock (so one producer at a
  // time, in fence order). False when full, which a ring never makes happen.
  [[nodiscard]] bool push(const SubmissionRecord& record) noexcept {
    return producer_.try_push(&record, sizeof record);
  }

  // Producer side, once, after the last push: wakes a sleeping consumer, which
  // drains what is left and then sees the end.
  void close() noexcept { producer_.close(); }

  // Consumer: the oldest record, left in the ring until pop(). Waits for one,
  // polling for `spin` first (a record that arrives meanwhile costs its producer
  // no wake-up), then asleep on the ring's futex. Empty once the ring is closed
  // and drained, or when `stop` is set.
  std::optional<SubmissionRecord> wait_oldest(std::chrono::nanoseconds spin,
                                              const std::atomic<bool>& stop) {
    for (;;) {
      if (stop.load(std::memory_order_relaxed)) return std::nullopt;
      if (const std::byte* bytes = consumer_.peek()) {
        SubmissionRecord record;
        std::memcpy(&record, bytes, sizeof record);
        return record;
      }
      spin_until(
          [&] { return consumer_.peek() != nullptr || stop.load(std::memory_order_relaxed); },
          spin);
      if (consumer_.peek() != nullptr) continue;
      // No deadline; the tick bounds how late a set `stop` without a close is seen.
      const spsc::WaitOutcome outcome = consumer_.wait(-1, &stop, kStopTickMs, 0);
      if (outcome != spsc::WaitOutcome::kReady) return std::nullopt;
    }
  }

  // Consumer: the oldest record without waiting, left in the ring until pop();
  // empty when there is none.
  std::optional<SubmissionRecord> oldest() noexcept {
    const std::byte* bytes = consumer_.peek();
    if (bytes == nullptr) return std::nullopt;
    SubmissionRecord record;
    std::memcpy(&record, bytes, sizeof record);
    return record;
  }

  // Consumer: drops the record wait_oldest or oldest returned; release hands its room back.
  void pop() noexcept {
    SubmissionRecord ignored;
    static_cast<void>(consumer_.try_pop(&ignored));
  }

 private:
  static constexpr double kStopTickMs = 10;
  static constexpr std::size_t kLineBytes = 128;  // the ring's lines, kept off shared cache lines

  struct AlignedDelete {
    void operator()(std::byte* bytes) const noexcept {
      ::operator delete[](bytes, std::align_val_t{kLineBytes});
    }
  };

  static spsc::RingConfig config_for(std::uint32_t slot_count) {
    std::uint32_t capacity = 2;
    while (capacity < slot_count) capacity *= 2;
    spsc::RingConfig config;
    config.capacity = capacity;
    config.record_size = sizeof(SubmissionRecord);
    config.wait_domain = spsc::layout::wait_domain::kOs;  // a native thread sleeps on it
    return config;
  }

  static std::unique_ptr<std::byte[], AlignedDelete> allocate(std::size_t bytes) {
    auto* memory = static_cast<std::byte*>(::operator new[](bytes, std::align_val_t{kLineBytes}));
    std::memset(memory, 0, bytes);
    return std::unique_ptr<std::byte[], AlignedDelete>(memory);
  }

  static spsc::Ring initialised(std::byte* memory, std::size_t bytes,
                                const spsc::RingConfig& config) {
    spsc::Ring ring;
    if (spsc::Ring::initialise(memory, bytes, config) != spsc::RingStatus::kOk ||
        spsc::Ring::attach(memory, bytes, ring, spsc::layout::kind::kFixed,
                           spsc::layout::wait_domain::kOs) != spsc::RingStatus::kOk) {
      throw Failure(error_code::kInvalidOptions, "the submission ring could not be created for " +
                                                     std::to_string(config.capacity) + " records");
    }
    return ring;
  }

  spsc::RingConfig config_;
  std::unique_ptr<std::byte[], AlignedDelete> memory_;
  spsc::Ring ring_;
  spsc::FixedProducer producer_;
  spsc::FixedConsumer consumer_;
};

}  // namespace ringkit::cmdring
