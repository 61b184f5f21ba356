// The byte-record ring's two ends, the twin of src/byte-ring.ts: [u32 length][u32 type]
// [payload], 8-byte aligned, a padding record where the next one would wrap.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "ringkit/spsc_ring/ring_end.hpp"

namespace ringkit {

// The writing end of a byte-record ring: [u32 length][u32 type][payload], 8-byte aligned.
class ByteProducer : public detail::ProducerBase {
 public:
  struct Claim {
    std::byte* payload = nullptr;  // nullptr: nothing claimed
    std::uint32_t length = 0;
  };

  explicit ByteProducer(const Ring& ring) : ProducerBase(ring) {}

  std::uint32_t max_record() const noexcept { return ring_.config().max_record; }

  // Copies one record and publishes it; false when it does not fit now (counted
  // as dropped under drop) or is longer than max record (not counted: a caller bug).
  [[nodiscard]] bool try_push(const void* payload, std::uint32_t length,
                              std::uint32_t type) noexcept {
    if (length > max_record() || type == layout::record::kPaddingType) return false;
    const std::uint32_t start = write_;
    std::byte* record = reserve(length);
    if (record == nullptr) {
      write_ = start;
      refuse(1);
      return false;
    }
    std::memcpy(record + layout::record::kHeaderBytes, payload, length);
    finish(record, length, type);
    publish(1);
    return true;
  }

  // Room for one record of `length` payload bytes to write in place.
  [[nodiscard]] Claim try_claim(std::uint32_t length) noexcept {
    if (length > max_record()) return {};
    claim_start_ = write_;
    claim_record_ = reserve(length);
    if (claim_record_ == nullptr) {
      write_ = claim_start_;
      refuse(1);
      return {};
    }
    return {claim_record_ + layout::record::kHeaderBytes, length};
  }

  // Frames the claimed record with its final length (≤ claimed) and type. With
  // publish = false several claims are published together by flush().
  void commit(std::uint32_t type, std::uint32_t length, bool publish_now = true) noexcept {
    finish(claim_record_, length, type);
    unpublished_ += 1;
    if (publish_now) flush();
  }

  void abort() noexcept { write_ = claim_start_; }

  // Publishes every committed, unpublished record at once.
  void flush() noexcept {
    if (unpublished_ == 0) return;
    publish(unpublished_);
    unpublished_ = 0;
  }

 private:
  // Finds room, writing a padding record first if the record would cross the
  // end of the data area; advances only the local write position.
  std::byte* reserve(std::uint32_t length) noexcept {
    const auto total =
        static_cast<std::uint32_t>(layout::align_record(layout::record::kHeaderBytes + length));
    const std::uint32_t index = write_ & ring_.mask();
    const std::uint32_t tail = ring_.capacity() - index;
    const std::uint32_t needed = total <= tail ? total : tail + total;
    if (free_space(needed) < needed) return nullptr;
    if (total <= tail) return ring_.data() + index;
    write_header(ring_.data() + index, tail - layout::record::kHeaderBytes,
                 layout::record::kPaddingType);
    write_ += tail;
    return ring_.data();
  }

  void finish(std::byte* record, std::uint32_t length, std::uint32_t type) noexcept {
    write_header(record, length, type);
    write_ +=
        static_cast<std::uint32_t>(layout::align_record(layout::record::kHeaderBytes + length));
  }

  static void write_header(std::byte* record, std::uint32_t length, std::uint32_t type) noexcept {
    std::memcpy(record + layout::record::kLength, &length, 4);
    std::memcpy(record + layout::record::kType, &type, 4);
  }

  std::uint32_t claim_start_ = 0;
  std::byte* claim_record_ = nullptr;
  std::uint32_t unpublished_ = 0;
};

// The reading end of a byte-record ring. One per ring, on one thread.
class ByteConsumer : public detail::ConsumerBase {
 public:
  explicit ByteConsumer(const Ring& ring) : ConsumerBase(ring) {}

  // Calls handler(const std::byte* payload, std::uint32_t length, std::uint32_t type)
  // per record, then publishes the read position once. Returns the records
  // consumed, or -1 if a frame is corrupt (nothing past it is read).
  template <typename Handler>
  std::int64_t drain(Handler&& handler, std::uint32_t limit = UINT32_MAX) {
    return consume(
        [&](const Frame& frame, std::uint32_t, std::uint32_t) -> std::uint32_t {
          handler(frame.record + layout::record::kHeaderBytes, frame.length, frame.type);
          read_ += frame.total;
          return 1;
        },
        limit);
  }

  // Hands over a run at a time (ByteConsumer.drainRuns in TypeScript): calls
  // handler(const std::byte* first_payload, std::uint32_t count, std::uint32_t stride,
  // std::uint32_t length, std::uint32_t type) per run of consecutive records of one length and
  // type, record i's payload at first_payload + i * stride. Each next header is compared with
  // the run's first, which is all the checking a frame that repeats it needs. Publishes the read
  // position once; returns the records consumed, or -1 if a frame is corrupt.
  template <typename Handler>
  std::int64_t drain_runs(Handler&& handler, std::uint32_t limit = UINT32_MAX) {
    return consume(
        [&](const Frame& frame, std::uint32_t available_bytes,
            std::uint32_t left) -> std::uint32_t {
          // The run: while the next frame is published, before the ring's end, and repeats it.
          const std::uint32_t index = read_ & ring_.mask();
          const std::uint32_t most = std::min(
              {left, (ring_.capacity() - index) / frame.total, available_bytes / frame.total});
          std::uint32_t count = 1;
          for (const std::byte* next = frame.record + frame.total; count < most;
               next += frame.total, count++) {
            std::uint32_t length, type;
            std::memcpy(&length, next + layout::record::kLength, 4);
            std::memcpy(&type, next + layout::record::kType, 4);
            if (length != frame.length || type != frame.type) break;
          }
          handler(frame.record + layout::record::kHeaderBytes, count, frame.total, frame.length,
                  frame.type);
          read_ += count * frame.total;
          return count;
        },
        limit);
  }

 private:
  // drain's and drain_runs' loop: padding is skipped and a corrupt frame ends it; at each record,
  // take(frame, available_bytes, records_left) hands it (and, for a run, those after it) over,
  // moves read_ past them and returns how many. The read position is published once, at the end.
  template <typename Take>
  std::int64_t consume(Take&& take, std::uint32_t limit) {
    std::uint32_t records = 0;
    const std::uint32_t start = read_;
    std::int64_t result = 0;
    if (const std::uint32_t waiting = available(); waiting > 0) note_fill(waiting);
    while (records < limit) {
      const std::uint32_t available_bytes = available();
      if (available_bytes == 0) break;
      Frame frame;
      const FrameKind kind = next_frame(available_bytes, frame);
      if (kind == FrameKind::kPadding) continue;
      if (kind == FrameKind::kCorrupt) {
        result = -1;
        break;
      }
      records += take(frame, available_bytes, limit - records);
    }
    if (read_ != start) publish_read(records);
    return result < 0 ? -1 : records;
  }

  // The frame at the read position, `available_bytes` of which are published.
  struct Frame {
    const std::byte* record = nullptr;  // its header
    std::uint32_t length = 0;
    std::uint32_t type = 0;
    std::uint32_t total = 0;  // header, payload and alignment
  };
  enum class FrameKind { kRecord, kPadding, kCorrupt };

  // A record (its frame filled in), padding (skipped: the read position is past it) or a frame
  // the producer cannot have written (nothing is read past it).
  FrameKind next_frame(std::uint32_t available_bytes, Frame& frame) noexcept {
    const std::uint32_t index = read_ & ring_.mask();
    frame.record = ring_.data() + index;
    std::memcpy(&frame.length, frame.record + layout::record::kLength, 4);
    std::memcpy(&frame.type, frame.record + layout::record::kType, 4);
    if (frame.type == layout::record::kPaddingType) {
      if (index + layout::record::kHeaderBytes + std::uint64_t{frame.length} != ring_.capacity())
        return FrameKind::kCorrupt;
      read_ += layout::record::kHeaderBytes + frame.length;
      return FrameKind::kPadding;
    }
    const auto total =
        layout::align_record(layout::record::kHeaderBytes + std::size_t{frame.length});
    if (frame.length > ring_.config().max_record || total > available_bytes ||
        index + total > ring_.capacity())
      return FrameKind::kCorrupt;
    frame.total = static_cast<std::uint32_t>(total);
    return FrameKind::kRecord;
  }
};

}  // namespace ringkit
