/**
 * The statistics block's layout, defined once for TypeScript. LAYOUT.md draws it;
 * native/include/ringkit/cmdring/layout.hpp defines the same numbers for C++, and
 * test/layout.test.ts proves the two agree name by name. The ring writes the block
 * with atomic stores into a SharedArrayBuffer, so any thread reads the figures with
 * typed arrays and no native call.
 */

/** "CMDR" when the first four bytes are read as ASCII. */
export const MAGIC = 0x52444d43;
export const VERSION = 1;
/** One 128-byte line: every figure is written under the ring's lock, so splitting writers across lines would buy nothing. */
export const BYTE_LENGTH = 128;
/** The block starts 8-aligned: the counters are f64. */
export const ALIGNMENT = 8;
/** The first byte past the fields; the rest of the line is reserved. */
export const FIELDS_END = 80;

/** Byte offsets of the u32 words, written once when the ring opens (magic last). */
export const Word = {
  MAGIC: 0,
  VERSION: 4,
  RING_SIZE: 8,
  FLAGS: 12,
} as const;

/** Bits of Word.FLAGS. */
export const Flags = {
  /** The ring tracks statistics; without it only the fence counters move. */
  TRACK_STATISTICS: 1,
} as const;

/**
 * Byte offsets of the f64 counters: exact to 2^53 and read without BigInt. The fence
 * counters are state, kept even when the ring does not track statistics.
 */
export const Counter = {
  TOTAL_ACQUISITIONS: 16,
  TOTAL_RELEASES: 24,
  WAIT_EVENTS: 32,
  TOTAL_WAIT_MS: 40,
  ACQUIRE_TIMEOUTS: 48,
  CURRENT_INDEX: 56,
  SUBMITTED_FENCES: 64,
  COMPLETED_FENCES: 72,
} as const;

/**
 * The completion ring: an @ringkit/spsc-ring fixed ring (wait domain os, drop when full) of
 * completion records, one per fence the device reported, in fence order. Each record's
 * u64 fields are little-endian; timestamps are nanoseconds of the host's steady clock
 * (CLOCK_MONOTONIC, which process.hrtime reads).
 */
export const Completion = {
  RECORD_BYTES: 40,
  /** Records the ring holds: room for many batches, so a reader that drains once per wake-up keeps up. */
  CAPACITY: 256,
  /** Byte offsets inside a record. */
  Field: {
    FENCE: 0,
    START_NS: 8,
    END_NS: 16,
    SLOT: 24,
    STATUS: 28,
    ERROR_CODE: 32,
    OP_COUNT: 36,
  },
  /** Values of Field.STATUS: what the device did with the command. */
  Status: { COMPLETED: 0, FAILED: 1 },
  /** Values of Field.ERROR_CODE. */
  ErrorCode: { NONE: 0, COMMAND_FAILED: 1 },
} as const;
