// The reader: one native thread that epolls the kernel rings it was given (of one
// object or several, as libbpf's ring_buffer__add gathers them), drains each (capped) and copies
// every drained run of records as one batch into an @ringkit/spsc-ring byte ring that JavaScript
// consumes (wait domain os).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ringkit/bpf_ringbuf/layout.hpp"
#include "ringkit/spsc_ring.hpp"

namespace ringkit::bpf {

// A kernel BPF ring buffer to consume: its map fd and size (max_entries, bytes).
struct KernelRingSource {
  int fd = -1;
  std::uint32_t bytes = 0;
  // What its batches say they came from (Batch.RING): the CPU of an object's per-CPU rings,
  // the ring's place among a reader's rings once a reader takes it.
  std::uint32_t index = 0;
  // Its events' fixed size for counting; 0: the reader's event_bytes.
  std::uint32_t event_bytes = 0;
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

// The stats block it writes (layout::stats) and the batches it writes into the JS ring
// (layout::batch): native/include/ringkit/bpf_ringbuf/layout.hpp, drawn in LAYOUT.md.
static_assert(static_cast<std::uint32_t>(WakeupPolicy::kAdaptive) == layout::policy::kAdaptive &&
                  static_cast<std::uint32_t>(WakeupPolicy::kTimer) == layout::policy::kTimer &&
                  static_cast<std::uint32_t>(WakeupPolicy::kWatermark) ==
                      layout::policy::kWatermark,
              "the reader's policies are the programs' (Policy)");

class Reader {
 public:
  // Maps every ring (consumer page read-write, producer page and data read-only,
  // data mapped twice by the kernel) and starts the thread. `ring_stats` (may be null):
  // layout::ring_stats::kWords words per ring, in the order of `rings`. On failure
  // returns nullptr with a one-sentence reason in `error`.
  static std::unique_ptr<Reader> start(const std::vector<KernelRingSource>& rings,
                                       const ReaderOptions& options, ringkit::Ring js_ring,
                                       double* stats, double* ring_stats, std::string& error);
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
