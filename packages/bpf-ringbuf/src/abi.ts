/**
 * The TypeScript side of the contract with the BPF programs and the reader
 * thread: bpf/ringkit_abi.h and native/src/reader.hpp define it for C and C++,
 * this module for TypeScript, and test/abi.test.ts checks that the three agree.
 */

/** Wakeup policies as the programs read them from the config map. */
export const Policy = { ADAPTIVE: 0, TIMER: 1, WATERMARK: 2 } as const;

/** struct ringkit_config: key 0 of the map `ringkit_config`. */
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

/**
 * A batch, as the reader thread writes it into the JS ring (one spsc-ring record
 * of type BATCH_TYPE): a 16-byte header, then kernel records framed as the
 * kernel frames them.
 *
 * ```
 *  0        4          8            12       16
 *  ┌────────┬──────────┬────────────┬────────┬───────────────────────────────┐
 *  │ ring   │ records  │ data bytes │ flags  │ record │ record │ … │ record │
 *  └────────┴──────────┴────────────┴────────┴───────────────────────────────┘
 *  record: [u32 length | DISCARD_BIT][u32 word][payload, padded to 8 bytes]
 * ```
 * A merged batch (flags & MERGED) holds one event per record and `word` is the
 * ring (CPU) the event came from; otherwise `word` is the kernel's and unused.
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

export const KernelRecord = {
  HEADER_BYTES: 8,
  BUSY_BIT: 0x80000000,
  DISCARD_BIT: 0x40000000,
} as const;

/** The reader's stats block: f64 words written by the reader thread only. */
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

export const ReaderState = ['starting', 'running', 'paused', 'stopped', 'failed'] as const;
export type ReaderStateName = (typeof ReaderState)[number];
