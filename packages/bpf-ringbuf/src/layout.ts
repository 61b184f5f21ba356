/**
 * The ABI between the BPF programs, the reader thread and JavaScript, defined once
 * for TypeScript. LAYOUT.md draws it; native/include/ringkit/bpf_ringbuf/layout.hpp
 * defines the same numbers for C++ (taking what the programs share from
 * bpf/ringkit_abi.h), and test/layout.test.ts proves the two agree name by name.
 * The package exports part of it as `abi` (src/abi.ts).
 */

/** Wakeup policies as the programs read them from the config map. */
export const Policy = { ADAPTIVE: 0, TIMER: 1, WATERMARK: 2 } as const;

/** struct ringkit_config: key 0 of the map `ringkit_config`. Byte offsets; a reserved u32 follows. */
export const Config = {
  BYTES: 32,
  POLICY: 0,
  WATERMARK_BYTES: 4,
  PER_CPU: 8,
  TARGET_TGID: 12,
  BENCH_SYSCALL_NR: 16,
  EVENTS_PER_SYSCALL: 20,
  EVENTS_PER_RECORD: 24,
} as const;

/** Map names the built-in programs (and programs including bpf/ringkit.bpf.h) use. */
export const MapName = {
  CONFIG: 'ringkit_config',
  SHARED_RING: 'ringkit_ring',
  PER_CPU_RINGS: 'ringkit_rings',
  DROPS: 'ringkit_drops',
} as const;

/** The bench program's limits. */
export const Bench = { MAX_EVENTS_PER_RECORD: 16, MAX_EVENTS_PER_SYSCALL: 64 } as const;

/** struct ringkit_syscall_event, byte offsets (src/programs.ts's `syscallEvent` reads them). */
export const SyscallEvent = {
  BYTES: 24,
  TIMESTAMP_NS: 0,
  CPU: 8,
  PID: 12,
  TID: 16,
  SYSCALL_NR: 20,
} as const;

/** struct ringkit_sched_switch_event, byte offsets. */
export const SchedSwitchEvent = {
  BYTES: 56,
  TIMESTAMP_NS: 0,
  CPU: 8,
  PREV_PID: 12,
  NEXT_PID: 16,
  PREV_STATE: 20,
  PREV_COMM: 24,
  NEXT_COMM: 40,
} as const;

/** struct ringkit_bench_event, byte offsets. */
export const BenchEvent = {
  BYTES: 24,
  TIMESTAMP_NS: 0,
  CPU: 8,
  TID: 12,
  INDEX: 16,
  CALL: 20,
} as const;

/**
 * A batch, as the reader thread writes it into the JS ring (one spsc-ring record
 * of type TYPE): a 16-byte header of four u32 (RING … FLAGS are byte offsets),
 * then kernel records framed as the kernel frames them. A merged batch
 * (flags & MERGED) holds one event per record; its ring is MERGED_RING_INDEX.
 */
export const Batch = {
  TYPE: 1,
  HEADER_BYTES: 16,
  RING: 0,
  RECORDS: 4,
  DATA_BYTES: 8,
  FLAGS: 12,
  MERGED: 1,
  MERGED_RING_INDEX: 0xffffffff,
} as const;

/** A kernel ring record's header: [u32 length | BUSY_BIT | DISCARD_BIT][u32 word]. */
export const KernelRecord = {
  HEADER_BYTES: 8,
  BUSY_BIT: 0x80000000,
  DISCARD_BIT: 0x40000000,
} as const;

/** The reader's stats block: f64 word indices (not bytes), written by the reader thread only. */
export const Stats = {
  ROUNDS: 0,
  WAKEUPS: 1,
  RECORDS: 2,
  EVENTS: 3,
  BYTES: 4,
  BATCHES: 5,
  CAPPED_DRAINS: 6,
  FULL_STALLS: 7,
  DROPPED_RECORDS: 8,
  DROPPED_EVENTS: 9,
  DISCARDED: 10,
  OVERSIZED: 11,
  MERGE_HELD: 12,
  STATE: 13,
  WORDS: 16,
} as const;

/**
 * Each ring's stats: RingStats.WORDS f64 words per ring of a reader (ring i's start at word
 * i × WORDS of their own SharedArrayBuffer), written by the reader thread only: what it took out
 * of that kernel ring (delivered, handed to the merge, or dropped) and, of it, what it dropped.
 */
export const RingStats = {
  RECORDS: 0,
  EVENTS: 1,
  BYTES: 2,
  BATCHES: 3,
  DROPPED_RECORDS: 4,
  DROPPED_EVENTS: 5,
  DISCARDED: 6,
  OVERSIZED: 7,
  WORDS: 8,
} as const;

/** The reader's states by the value of its Stats.STATE word. */
export const ReaderState = ['starting', 'running', 'paused', 'stopped', 'failed'] as const;
export type ReaderStateName = (typeof ReaderState)[number];
