#include "ringkit/cmdring/statistics.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "ringkit/cmdring/errors.hpp"

namespace ringkit::cmdring {

namespace {

std::uint64_t whole(double value) {
  return value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

}  // namespace

StatisticsBlock::StatisticsBlock(std::span<std::byte> memory) : bytes_(memory.data()) {
  if (memory.size() < layout::kByteLength) {
    throw Failure(error_code::kInvalidOptions, "statistics memory must be at least " +
                                                   std::to_string(layout::kByteLength) +
                                                   " bytes, got " + std::to_string(memory.size()));
  }
  const auto misalignment = reinterpret_cast<std::uintptr_t>(memory.data()) % layout::kAlignment;
  if (misalignment != 0) {
    throw Failure(error_code::kInvalidOptions,
                  "statistics memory must start on an " + std::to_string(layout::kAlignment) +
                      "-byte boundary, got an address " + std::to_string(misalignment) +
                      " bytes past one");
  }
}

void StatisticsBlock::initialise(std::uint32_t ring_size, bool track_statistics) noexcept {
  for (std::size_t offset = layout::counter::kTotalAcquisitions; offset < layout::kFieldsEnd;
       offset += 8) {
    set(offset, 0);
  }
  auto word = [this](std::size_t offset) {
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(bytes_ + offset));
  };
  word(layout::word::kVersion).store(layout::kVersion, std::memory_order_relaxed);
  word(layout::word::kRingSize).store(ring_size, std::memory_order_relaxed);
  word(layout::word::kFlags)
      .store(track_statistics ? layout::flags::kTrackStatistics : 0, std::memory_order_relaxed);
  // Magic last, with release: a reader that sees it sees the rest of the header.
  word(layout::word::kMagic).store(layout::kMagic, std::memory_order_release);
}

Statistics StatisticsBlock::snapshot() const noexcept {
  namespace counter = layout::counter;
  Statistics out;
  out.total_acquisitions = whole(read(counter::kTotalAcquisitions));
  out.total_releases = whole(read(counter::kTotalReleases));
  out.wait_events = whole(read(counter::kWaitEvents));
  out.total_wait_ms = read(counter::kTotalWaitMs);
  out.acquire_timeouts = whole(read(counter::kAcquireTimeouts));
  out.current_index = static_cast<std::uint32_t>(whole(read(counter::kCurrentIndex)));
  out.submitted_fences = whole(read(counter::kSubmittedFences));
  out.completed_fences = whole(read(counter::kCompletedFences));
  out.ring_size = read_word(layout::word::kRingSize);
  if (out.total_acquisitions > 0) {
    const double waited =
        static_cast<double>(out.wait_events) / static_cast<double>(out.total_acquisitions);
    out.reuse_rate = std::clamp(1.0 - waited, 0.0, 1.0);
  }
  if (out.wait_events > 0)
    out.avg_wait_ms = out.total_wait_ms / static_cast<double>(out.wait_events);
  return out;
}

}  // namespace ringkit::cmdring
