// The completion ring's writing end: one completion record per fence the device
// reported, pushed by the ring as the fences retire (fence order; with priority
// levels, fence order within a level) into an @ringkit/spsc-ring fixed
// ring that the caller created (in Node, a SharedArrayBuffer that JavaScript or a
// worker drains with no native call). LAYOUT.md draws the record; layout.hpp's
// completion list defines it, and the static_asserts below hold the struct to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ringkit/cmdring/backend.hpp"
#include "ringkit/cmdring/errors.hpp"
#include "ringkit/cmdring/layout.hpp"
#include "ringkit/spsc_ring.hpp"

namespace ringkit::cmdring {

struct CompletionRecord {
  std::uint64_t fence;
  std::uint64_t start_ns;
  std::uint64_t end_ns;
  std::uint32_t slot;
  std::uint32_t status;      // layout::completion::kCompleted or kFailed
  std::uint32_t error_code;  // layout::completion::kNoError or kCommandFailed
  std::uint32_t op_count;
};
static_assert(sizeof(CompletionRecord) == layout::completion::kRecordBytes);
static_assert(offsetof(CompletionRecord, fence) == layout::completion::kFence);
static_assert(offsetof(CompletionRecord, start_ns) == layout::completion::kStartNs);
static_assert(offsetof(CompletionRecord, end_ns) == layout::completion::kEndNs);
static_assert(offsetof(CompletionRecord, slot) == layout::completion::kSlot);
static_assert(offsetof(CompletionRecord, status) == layout::completion::kStatus);
static_assert(offsetof(CompletionRecord, error_code) == layout::completion::kErrorCode);
static_assert(offsetof(CompletionRecord, op_count) == layout::completion::kOpCount);

class CompletionProducer {
 public:
  // Attaches to `memory`, which must hold a fixed ring of completion records with wait domain
  // os (spsc-ring's createRing in JS, or ringkit::Ring::initialise); Failure(INVALID_OPTIONS)
  // naming what is wrong otherwise.
  explicit CompletionProducer(std::span<std::byte> memory) : producer_(attached(memory)) {}

  // The ring's completion path, under the ring's lock (one producer at a time, in fence
  // order). Never waits: a record that finds the ring full is dropped and counted in the
  // ring's `dropped`, so a reader that stopped reading never holds the device up.
  void push(std::uint32_t slot, std::uint64_t fence, bool failed,
            const CommandReport& report) noexcept {
    namespace completion = layout::completion;
    const CompletionRecord record{fence,
                                  report.start_ns,
                                  report.end_ns,
                                  slot,
                                  failed ? completion::kFailed : completion::kCompleted,
                                  failed ? completion::kCommandFailed : completion::kNoError,
                                  report.op_count};
    static_cast<void>(producer_.try_push(&record, sizeof record));
  }

  // Once, when the ring closes: a reader drains what is left, then sees the end.
  void close() noexcept { producer_.close(); }

 private:
  static ::ringkit::Ring attached(std::span<std::byte> memory) {
    ::ringkit::Ring ring;
    const ::ringkit::RingStatus status =
        ::ringkit::Ring::attach(memory.data(), memory.size(), ring, ::ringkit::layout::kind::kFixed,
                                ::ringkit::layout::wait_domain::kOs);
    if (status != ::ringkit::RingStatus::kOk) {
      throw Failure(error_code::kInvalidOptions,
                    std::string("the completion memory is not a completion ring: ") +
                        ::ringkit::to_string(status));
    }
    if (ring.config().record_size != layout::completion::kRecordBytes) {
      throw Failure(error_code::kInvalidOptions,
                    "the completion ring's records are " +
                        std::to_string(ring.config().record_size) + " bytes, not " +
                        std::to_string(layout::completion::kRecordBytes));
    }
    return ring;
  }

  ::ringkit::FixedProducer producer_;
};

}  // namespace ringkit::cmdring
