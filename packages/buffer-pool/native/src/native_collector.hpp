// A native collector of one pool lane: the C++ counterpart of src/collector.ts,
// whose "handler" verifies the native producer's test records. It takes up to
// `batch` buffers from collect[q] in one move, walks each buffer's records
// ([u32 length][u32 type][payload], 8-byte aligned) checking the pattern
// [u32 sequence][u32 lane][u32 sequence × 0x9e3779b1, repeated …], counts what collector.ts
// counts, and returns the batch to done[q] in one move. A buffer with a bad
// record is an error (the first message is kept); it goes home all the same.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "role_support.hpp"

namespace ringkit::buffer_pool {

struct CollectorConfig {
  std::uint32_t lane = 0;
  std::uint32_t lanes = 1;
  std::uint32_t buffer_size = 0;
  std::uint32_t buffers_per_block = 0;
  std::uint32_t batch = 64;  // buffers per step, as CollectorOptions.batch
  double tick_ms = 100;
  int spin = 0;
};

struct CollectorResult {
  std::uint64_t buffers = 0;        // collected: buffers with records that all verified
  std::uint64_t bytes = 0;          // their bytes used (collector.ts's bytes counter)
  std::uint64_t records = 0;        // records whose pattern verified
  std::uint64_t payload_bytes = 0;  // their payload bytes
  std::uint64_t errors = 0;         // buffers with a bad record (or an unresolvable block)
  std::string first_error;
  // Per-lane order: records of the lane arrive in increasing sequence; the producer's drops
  // show as gaps. -1 before the first record.
  std::int64_t max_sequence = -1;
  std::uint64_t gaps = 0;          // sequence numbers skipped (dropped records)
  std::uint64_t out_of_order = 0;  // records at or below a sequence already seen
  double seconds = 0;
  bool stopped = false;
  RoleError error;  // why the run itself ended early (none: it ran to the lane's end)
};

using CollectorRole = ReportingRole<CollectorResult>;

// Takes the lane's collector ends; run it with run_roles. It finishes (marking the role exited)
// once collect[q] is ended and empty.
std::unique_ptr<CollectorRole> make_collector(const CollectorConfig& config,
                                              const PoolMemory& memory, BlockTable& blocks,
                                              WantBlock want_block, const std::atomic<bool>& stop);

}  // namespace ringkit::buffer_pool
