// The reader: one native thread that epolls every kernel ring of one object,
// drains each (capped) and copies every drained run of records as one batch into
// an @ringkit/spsc-ring byte ring that JavaScript consumes (wait domain os).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ringkit/spsc_ring.hpp"

namespace ringkit::bpf {

// A kernel BPF ring buffer to consume: its map fd and size (max_entries, bytes).
struct KernelRingSource {
  int fd = -1;
  std::uint32_t bytes = 0;
  std::uint32_t index = 0;  // CPU under per-CPU, 0 for the shared ring
};

enum class WakeupPolicy : std::uint32_t { kAdaptive = 0, kTimer = 1, kWatermark = 2 };

struct ReaderOptions {
  WakeupPolicy policy = WakeupPolicy::kAdaptive;
  // timer: drain every period_ms; watermark and adaptive: the longest sleep (backstop).
  std::uint32_t period_ms = 1;
  // Upper bound of one batch's record data (and so of one drain of one ring per round).
  std::uint32_t max_batch_bytes = 256 * 1024;
  // Fixed event size for counting (and merging); 0 = count records as events.
  std::uint32_t event_bytes = 0;
  // Merge by timestamp across rings: the u64 at timestamp_offset in each event.
  bool merge = false;
  std::uint32_t timestamp_offset = 0;
  std::uint64_t merge_slack_ns = 10'000'000;
  // JS ring full: false = leave records in the kernel ring (they count as BPF
  // drops if it fills); true = consume and count them in the stats as dropped.
  bool drop_when_full = false;
  // Final drain (after stop): how long it waits for room in the JS ring without
  // progress before it counts what is left as dropped.
  std::uint32_t final_drain_timeout_ms = 2000;
};

// The stats block (a SharedArrayBuffer of kStatsWords f64, written by the reader
// thread only, read by JS without a native call). Aligned 8-byte stores are
// single-copy atomic on the 64-bit platforms we build for.
namespace stats {
inline constexpr std::size_t kRounds = 0;          // drain rounds
inline constexpr std::size_t kWakeups = 1;         // rounds started by an epoll notification
inline constexpr std::size_t kRecords = 2;         // kernel records delivered into the JS ring
inline constexpr std::size_t kEvents = 3;          // events delivered (records if event_bytes == 0)
inline constexpr std::size_t kBytes = 4;           // record payload bytes delivered
inline constexpr std::size_t kBatches = 5;         // batches written into the JS ring
inline constexpr std::size_t kCappedDrains = 6;    // drains stopped by max_batch_bytes
inline constexpr std::size_t kFullStalls = 7;      // drains deferred: JS ring full (backpressure)
inline constexpr std::size_t kDroppedRecords = 8;  // drop_when_full: records consumed and dropped
inline constexpr std::size_t kDroppedEvents = 9;
inline constexpr std::size_t kDiscarded = 10;  // records the program discarded (skipped)
inline constexpr std::size_t kOversized = 11;  // records larger than max_batch_bytes (dropped)
inline constexpr std::size_t kMergeHeld = 12;  // events held back by the merge (now)
inline constexpr std::size_t kState = 13;  // 0 starting, 1 running, 2 paused, 3 stopped, 4 failed
inline constexpr std::size_t kWords = 16;
}  // namespace stats

// The batch record written into the JS ring (spsc record type kBatchType):
//   [u32 ring index][u32 records][u32 data bytes][u32 flags] then `data bytes` of
//   records framed as the kernel frames them: [u32 length|bits][u32 word][payload,
//   padded to 8]. Length bit 31 (busy) never appears; bit 30 marks a record the
//   program discarded, which readers skip. Merged batches (flags & kMerged) hold
//   one event per record, the second word being the event's ring index.
inline constexpr std::uint32_t kBatchType = 1;
inline constexpr std::uint32_t kBatchHeaderBytes = 16;
inline constexpr std::uint32_t kMergedFlag = 1;
inline constexpr std::uint32_t kMergedRingIndex = 0xffffffffu;
inline constexpr std::uint32_t kRecordHeaderBytes = 8;
inline constexpr std::uint32_t kBusyBit = 1u << 31;
inline constexpr std::uint32_t kDiscardBit = 1u << 30;

class Reader {
 public:
  // Maps every ring (consumer page read-write, producer page and data read-only,
  // data mapped twice by the kernel) and starts the thread. On failure returns
  // nullptr with a one-sentence reason in `error`.
  static std::unique_ptr<Reader> start(const std::vector<KernelRingSource>& rings,
                                       const ReaderOptions& options, ringkit::Ring js_ring,
                                       double* stats, std::string& error);
  ~Reader();  // stops and joins the thread, unmaps the rings

  void pause();  // stop draining (records stay in the kernel rings); returns at once
  void resume();
  // Drains what is committed, closes the JS ring (end of stream), joins.
  // Equivalent to request_stop() then join(): the caller is usually the JS
  // thread that consumes the ring, so the final drain does not wait for room.
  void stop();
  // Returns at once; the thread drains what is committed (waiting for room in
  // the JS ring at most final_drain_timeout_ms without progress; what is left
  // then counts as dropped), closes the JS ring and exits (state stopped).
  void request_stop();
  // Makes a final drain that waits for room give up at once (what is left counts
  // as dropped) and waits for the thread to exit. Idempotent.
  void join();

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

 private:
  Reader() = default;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ringkit::bpf
