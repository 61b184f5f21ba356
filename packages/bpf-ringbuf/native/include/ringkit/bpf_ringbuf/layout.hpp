// The ABI between ringkit's BPF programs, the reader thread and JavaScript, defined once for
// C++. LAYOUT.md draws it; src/layout.ts defines the same numbers for TypeScript, and
// test/layout.test.ts proves the two agree: every constant below comes from one list
// (ringkit/layout_list.hpp, from @ringkit/spsc-ring), and the addon's abi() hands those same
// lists to the test.
//
// What the BPF programs share (the config record, policies, map names, bench limits, event
// structs) stays defined in bpf/ringkit_abi.h: clang compiles that header for the kernel side,
// so it must stay plain C, and generating it from these lists would put a second build step
// in front of every BPF program. The lists below take those values from the header instead
// (sizeof, offsetof, its #defines), so C and C++ agree by construction and nothing is
// generated; a field added to the C header shifts an offset or a size, which the layout test
// then sees against src/layout.ts. What only the reader and JavaScript share (the batch, the
// kernel's record framing, the stats block, the reader's states) is defined here.
#pragma once

#include <linux/bpf.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ringkit/layout_list.hpp"
#include "ringkit_abi.h"  // bpf/, on the addon's include path

namespace ringkit::bpf::layout {

// Wakeup policies: what a program passes to bpf_ringbuf_submit/output (LAYOUT.md).
#define RINGKIT_BPF_POLICY(X)                                                     \
  X(policy, kAdaptive, "Policy.ADAPTIVE", std::uint32_t, RINGKIT_POLICY_ADAPTIVE) \
  X(policy, kTimer, "Policy.TIMER", std::uint32_t, RINGKIT_POLICY_TIMER)          \
  X(policy, kWatermark, "Policy.WATERMARK", std::uint32_t, RINGKIT_POLICY_WATERMARK)
namespace policy {
RINGKIT_BPF_POLICY(RINGKIT_LAYOUT_DEFINE)
}  // namespace policy

// struct ringkit_config: key 0 of the map MapName.CONFIG, written by the loader after load and
// before attach. Its last word, `reserved`, is left out on purpose (see the static_assert).
#define RINGKIT_BPF_CONFIG(X)                                                                      \
  X(config, kBytes, "Config.BYTES", std::size_t, sizeof(ringkit_config))                           \
  X(config, kPolicy, "Config.POLICY", std::size_t, offsetof(ringkit_config, policy))               \
  X(config, kWatermarkBytes, "Config.WATERMARK_BYTES", std::size_t,                                \
    offsetof(ringkit_config, watermark_bytes))                                                     \
  X(config, kPerCpu, "Config.PER_CPU", std::size_t, offsetof(ringkit_config, per_cpu))             \
  X(config, kTargetTgid, "Config.TARGET_TGID", std::size_t, offsetof(ringkit_config, target_tgid)) \
  X(config, kBenchSyscallNr, "Config.BENCH_SYSCALL_NR", std::size_t,                               \
    offsetof(ringkit_config, bench_syscall_nr))                                                    \
  X(config, kEventsPerSyscall, "Config.EVENTS_PER_SYSCALL", std::size_t,                           \
    offsetof(ringkit_config, events_per_syscall))                                                  \
  X(config, kEventsPerRecord, "Config.EVENTS_PER_RECORD", std::size_t,                             \
    offsetof(ringkit_config, events_per_record))
namespace config {
RINGKIT_BPF_CONFIG(RINGKIT_LAYOUT_DEFINE)
}  // namespace config

// The maps the built-in programs (and programs including bpf/ringkit.bpf.h) declare, by name.
// Strings: visited as such by for_each_constant below, not through RINGKIT_LAYOUT_VISIT.
#define RINGKIT_BPF_MAP_NAME(X)                                                                   \
  X(map_name, kConfig, "MapName.CONFIG", std::string_view, RINGKIT_CONFIG_MAP)                    \
  X(map_name, kSharedRing, "MapName.SHARED_RING", std::string_view, RINGKIT_SHARED_RING_MAP)      \
  X(map_name, kPerCpuRings, "MapName.PER_CPU_RINGS", std::string_view, RINGKIT_PER_CPU_RINGS_MAP) \
  X(map_name, kDrops, "MapName.DROPS", std::string_view, RINGKIT_DROPS_MAP)
namespace map_name {
RINGKIT_BPF_MAP_NAME(RINGKIT_LAYOUT_DEFINE)
}  // namespace map_name

// The bench program's limits: the most events it batches into one record and produces per call.
#define RINGKIT_BPF_BENCH(X)                                                    \
  X(bench, kMaxEventsPerRecord, "Bench.MAX_EVENTS_PER_RECORD", std::uint32_t,   \
    RINGKIT_BENCH_MAX_EVENTS_PER_RECORD)                                        \
  X(bench, kMaxEventsPerSyscall, "Bench.MAX_EVENTS_PER_SYSCALL", std::uint32_t, \
    RINGKIT_BENCH_MAX_EVENTS_PER_SYSCALL)
namespace bench {
RINGKIT_BPF_BENCH(RINGKIT_LAYOUT_DEFINE)
}  // namespace bench

// The built-in programs' events (src/programs.ts's schemas read them at these offsets).
#define RINGKIT_BPF_SYSCALL_EVENT(X)                                                            \
  X(syscall_event, kBytes, "SyscallEvent.BYTES", std::size_t, sizeof(ringkit_syscall_event))    \
  X(syscall_event, kTimestampNs, "SyscallEvent.TIMESTAMP_NS", std::size_t,                      \
    offsetof(ringkit_syscall_event, timestamp_ns))                                              \
  X(syscall_event, kCpu, "SyscallEvent.CPU", std::size_t, offsetof(ringkit_syscall_event, cpu)) \
  X(syscall_event, kPid, "SyscallEvent.PID", std::size_t, offsetof(ringkit_syscall_event, pid)) \
  X(syscall_event, kTid, "SyscallEvent.TID", std::size_t, offsetof(ringkit_syscall_event, tid)) \
  X(syscall_event, kSyscallNr, "SyscallEvent.SYSCALL_NR", std::size_t,                          \
    offsetof(ringkit_syscall_event, syscall_nr))
namespace syscall_event {
RINGKIT_BPF_SYSCALL_EVENT(RINGKIT_LAYOUT_DEFINE)
}  // namespace syscall_event

#define RINGKIT_BPF_SCHED_SWITCH_EVENT(X)                                           \
  X(sched_switch_event, kBytes, "SchedSwitchEvent.BYTES", std::size_t,              \
    sizeof(ringkit_sched_switch_event))                                             \
  X(sched_switch_event, kTimestampNs, "SchedSwitchEvent.TIMESTAMP_NS", std::size_t, \
    offsetof(ringkit_sched_switch_event, timestamp_ns))                             \
  X(sched_switch_event, kCpu, "SchedSwitchEvent.CPU", std::size_t,                  \
    offsetof(ringkit_sched_switch_event, cpu))                                      \
  X(sched_switch_event, kPrevPid, "SchedSwitchEvent.PREV_PID", std::size_t,         \
    offsetof(ringkit_sched_switch_event, prev_pid))                                 \
  X(sched_switch_event, kNextPid, "SchedSwitchEvent.NEXT_PID", std::size_t,         \
    offsetof(ringkit_sched_switch_event, next_pid))                                 \
  X(sched_switch_event, kPrevState, "SchedSwitchEvent.PREV_STATE", std::size_t,     \
    offsetof(ringkit_sched_switch_event, prev_state))                               \
  X(sched_switch_event, kPrevComm, "SchedSwitchEvent.PREV_COMM", std::size_t,       \
    offsetof(ringkit_sched_switch_event, prev_comm))                                \
  X(sched_switch_event, kNextComm, "SchedSwitchEvent.NEXT_COMM", std::size_t,       \
    offsetof(ringkit_sched_switch_event, next_comm))
namespace sched_switch_event {
RINGKIT_BPF_SCHED_SWITCH_EVENT(RINGKIT_LAYOUT_DEFINE)
}  // namespace sched_switch_event

#define RINGKIT_BPF_BENCH_EVENT(X)                                                              \
  X(bench_event, kBytes, "BenchEvent.BYTES", std::size_t, sizeof(ringkit_bench_event))          \
  X(bench_event, kTimestampNs, "BenchEvent.TIMESTAMP_NS", std::size_t,                          \
    offsetof(ringkit_bench_event, timestamp_ns))                                                \
  X(bench_event, kCpu, "BenchEvent.CPU", std::size_t, offsetof(ringkit_bench_event, cpu))       \
  X(bench_event, kTid, "BenchEvent.TID", std::size_t, offsetof(ringkit_bench_event, tid))       \
  X(bench_event, kIndex, "BenchEvent.INDEX", std::size_t, offsetof(ringkit_bench_event, index)) \
  X(bench_event, kCall, "BenchEvent.CALL", std::size_t, offsetof(ringkit_bench_event, call))
namespace bench_event {
RINGKIT_BPF_BENCH_EVENT(RINGKIT_LAYOUT_DEFINE)
}  // namespace bench_event

// A batch: one spsc-ring record of type kType that the reader writes into the JS ring, a
// kHeaderBytes header of four u32 (offsets kRing … kFlags), then kernel records framed as the
// kernel frames them. A merged batch (flags & kMerged) holds one event per record, its ring
// is kMergedRingIndex, and each record's second word is the ring its event came from.
#define RINGKIT_BPF_BATCH(X)                                      \
  X(batch, kType, "Batch.TYPE", std::uint32_t, 1)                 \
  X(batch, kHeaderBytes, "Batch.HEADER_BYTES", std::uint32_t, 16) \
  X(batch, kRing, "Batch.RING", std::size_t, 0)                   \
  X(batch, kRecords, "Batch.RECORDS", std::size_t, 4)             \
  X(batch, kDataBytes, "Batch.DATA_BYTES", std::size_t, 8)        \
  X(batch, kFlags, "Batch.FLAGS", std::size_t, 12)                \
  X(batch, kMerged, "Batch.MERGED", std::uint32_t, 1)             \
  X(batch, kMergedRingIndex, "Batch.MERGED_RING_INDEX", std::uint32_t, 0xffffffffu)
namespace batch {
RINGKIT_BPF_BATCH(RINGKIT_LAYOUT_DEFINE)
}  // namespace batch

// A kernel ring record's header: [u32 length | busy bit | discard bit][u32 word], the whole
// record padded to 8 bytes. The kernel's ABI, so checked against <linux/bpf.h> below. The busy
// bit marks a record still being written (never copied out); the discard bit one the program
// discarded, which readers skip.
#define RINGKIT_BPF_KERNEL_RECORD(X)                                            \
  X(kernel_record, kHeaderBytes, "KernelRecord.HEADER_BYTES", std::uint32_t, 8) \
  X(kernel_record, kBusyBit, "KernelRecord.BUSY_BIT", std::uint32_t, 1u << 31)  \
  X(kernel_record, kDiscardBit, "KernelRecord.DISCARD_BIT", std::uint32_t, 1u << 30)
namespace kernel_record {
RINGKIT_BPF_KERNEL_RECORD(RINGKIT_LAYOUT_DEFINE)
}  // namespace kernel_record

// The reader's stats block: kWords f64 words (indices, not bytes) written by the reader thread
// only and read by JavaScript without a native call; aligned 8-byte stores are single-copy
// atomic on the 64-bit platforms we build for. Words 14 and 15 are reserved.
#define RINGKIT_BPF_STATS(X)                                         \
  X(stats, kRounds, "Stats.ROUNDS", std::size_t, 0)                  \
  X(stats, kWakeups, "Stats.WAKEUPS", std::size_t, 1)                \
  X(stats, kRecords, "Stats.RECORDS", std::size_t, 2)                \
  X(stats, kEvents, "Stats.EVENTS", std::size_t, 3)                  \
  X(stats, kBytes, "Stats.BYTES", std::size_t, 4)                    \
  X(stats, kBatches, "Stats.BATCHES", std::size_t, 5)                \
  X(stats, kCappedDrains, "Stats.CAPPED_DRAINS", std::size_t, 6)     \
  X(stats, kFullStalls, "Stats.FULL_STALLS", std::size_t, 7)         \
  X(stats, kDroppedRecords, "Stats.DROPPED_RECORDS", std::size_t, 8) \
  X(stats, kDroppedEvents, "Stats.DROPPED_EVENTS", std::size_t, 9)   \
  X(stats, kDiscarded, "Stats.DISCARDED", std::size_t, 10)           \
  X(stats, kOversized, "Stats.OVERSIZED", std::size_t, 11)           \
  X(stats, kMergeHeld, "Stats.MERGE_HELD", std::size_t, 12)          \
  X(stats, kState, "Stats.STATE", std::size_t, 13)                   \
  X(stats, kWords, "Stats.WORDS", std::size_t, 16)
namespace stats {
RINGKIT_BPF_STATS(RINGKIT_LAYOUT_DEFINE)
}  // namespace stats

// Each ring's stats: kWords f64 words per ring of a reader, ring i's at word i × kWords of a
// second block, written like the stats block. What the reader took out of that kernel ring
// (delivered, handed to the merge, or dropped) and, of it, what it dropped.
#define RINGKIT_BPF_RING_STATS(X)                                             \
  X(ring_stats, kRecords, "RingStats.RECORDS", std::size_t, 0)                \
  X(ring_stats, kEvents, "RingStats.EVENTS", std::size_t, 1)                  \
  X(ring_stats, kBytes, "RingStats.BYTES", std::size_t, 2)                    \
  X(ring_stats, kBatches, "RingStats.BATCHES", std::size_t, 3)                \
  X(ring_stats, kDroppedRecords, "RingStats.DROPPED_RECORDS", std::size_t, 4) \
  X(ring_stats, kDroppedEvents, "RingStats.DROPPED_EVENTS", std::size_t, 5)   \
  X(ring_stats, kDiscarded, "RingStats.DISCARDED", std::size_t, 6)            \
  X(ring_stats, kOversized, "RingStats.OVERSIZED", std::size_t, 7)            \
  X(ring_stats, kWords, "RingStats.WORDS", std::size_t, 8)
namespace ring_stats {
RINGKIT_BPF_RING_STATS(RINGKIT_LAYOUT_DEFINE)
}  // namespace ring_stats

// The values of word stats::kState (an f64, hence double). TypeScript's ReaderState is the
// array of their names, indexed by value, so its names are the lower-case state names.
#define RINGKIT_BPF_READER_STATE(X)                             \
  X(reader_state, kStarting, "ReaderState.starting", double, 0) \
  X(reader_state, kRunning, "ReaderState.running", double, 1)   \
  X(reader_state, kPaused, "ReaderState.paused", double, 2)     \
  X(reader_state, kStopped, "ReaderState.stopped", double, 3)   \
  X(reader_state, kFailed, "ReaderState.failed", double, 4)
namespace reader_state {
RINGKIT_BPF_READER_STATE(RINGKIT_LAYOUT_DEFINE)
}  // namespace reader_state

// Every numeric list above, in order.
#define RINGKIT_BPF_LAYOUT(X)       \
  RINGKIT_BPF_POLICY(X)             \
  RINGKIT_BPF_CONFIG(X)             \
  RINGKIT_BPF_BENCH(X)              \
  RINGKIT_BPF_SYSCALL_EVENT(X)      \
  RINGKIT_BPF_SCHED_SWITCH_EVENT(X) \
  RINGKIT_BPF_BENCH_EVENT(X)        \
  RINGKIT_BPF_BATCH(X)              \
  RINGKIT_BPF_KERNEL_RECORD(X)      \
  RINGKIT_BPF_STATS(X)              \
  RINGKIT_BPF_RING_STATS(X)         \
  RINGKIT_BPF_READER_STATE(X)

// Hands one string constant to `visit(const char* ts_name, std::string_view value)`.
#define RINGKIT_BPF_VISIT_NAME(ns, name, ts_name, type, value) visit(ts_name, ns::name);

// Calls visit(typescript_name, value) for every constant of the ABI: value is a double for the
// numeric lists and a std::string_view for the map names, so `visit` takes both (what the
// addon's abi() exports for test/layout.test.ts).
template <typename Visit>
void for_each_constant(Visit&& visit) {
  RINGKIT_BPF_LAYOUT(RINGKIT_LAYOUT_VISIT)
  RINGKIT_BPF_MAP_NAME(RINGKIT_BPF_VISIT_NAME)
}

// Only the reserved word follows the listed fields: a field that takes it over in C alone would
// change no listed offset or size, so this is where it fails.
static_assert(offsetof(ringkit_config, reserved) == config::kEventsPerRecord + 4 &&
              offsetof(ringkit_config, reserved) + 4 == config::kBytes);
// The reader writes a batch header as std::uint32_t[4] in this order.
static_assert(batch::kRing == 0 && batch::kRecords == 4 && batch::kDataBytes == 8 &&
              batch::kFlags == 12 && batch::kHeaderBytes == 16);
static_assert(kernel_record::kHeaderBytes == BPF_RINGBUF_HDR_SZ &&
                  kernel_record::kBusyBit == BPF_RINGBUF_BUSY_BIT &&
                  kernel_record::kDiscardBit == BPF_RINGBUF_DISCARD_BIT,
              "the kernel's record framing (<linux/bpf.h>)");
static_assert(stats::kState < stats::kWords);

}  // namespace ringkit::bpf::layout
