/**
 * The ring's shared-memory layout, defined once for TypeScript. LAYOUT.md draws
 * it; native/include/ringkit/spsc_ring/layout.hpp defines the same numbers for C++, and
 * test/layout.test.ts proves the two agree. Every field is a little-endian u32.
 */

/** "RING" when the first four bytes are read as ASCII. */
export const MAGIC = 0x474e4952;
export const LAYOUT_VERSION = 2;

/** Fields written by different parties live 128 bytes apart: adjacent-line prefetch pairs 64-byte lines. */
export const LINE_BYTES = 128;
export const HEADER_BYTES = 4 * LINE_BYTES;
export const DATA_OFFSET = HEADER_BYTES;

export const DESCRIPTOR_LINE = 0;
export const PRODUCER_LINE = 1 * LINE_BYTES;
export const CONSUMER_LINE = 2 * LINE_BYTES;
export const NOTIFICATION_LINE = 3 * LINE_BYTES;

/** Descriptor line: written once by create, read-only afterwards. */
export const Descriptor = {
  MAGIC: DESCRIPTOR_LINE + 0,
  LAYOUT_VERSION: DESCRIPTOR_LINE + 4,
  KIND: DESCRIPTOR_LINE + 8,
  /** Slots (fixed) or bytes (byte records); a power of two. */
  CAPACITY: DESCRIPTOR_LINE + 12,
  /** Slot size (fixed) or record alignment (byte records). */
  RECORD_SIZE: DESCRIPTOR_LINE + 16,
  /** Largest payload a record may carry, in bytes. */
  MAX_RECORD: DESCRIPTOR_LINE + 20,
  WAIT_DOMAIN: DESCRIPTOR_LINE + 24,
  FLAGS: DESCRIPTOR_LINE + 28,
  DATA_OFFSET: DESCRIPTOR_LINE + 32,
  DATA_BYTES: DESCRIPTOR_LINE + 36,
} as const;

/**
 * Producer line: written only by the producer. A 64-bit counter is three words
 * (low, high-before, high-after) so it can be read without BigInt and without a
 * lock; see src/counter.ts.
 */
export const Producer = {
  WRITE_POSITION: PRODUCER_LINE + 0,
  CLOSED: PRODUCER_LINE + 4,
  PUSHED: PRODUCER_LINE + 8,
  DROPPED: PRODUCER_LINE + 20,
  HEARTBEAT: PRODUCER_LINE + 32,
  PID: PRODUCER_LINE + 36,
  /** How this side publishes its position (PublishMode), stored at attach before any publish. */
  PUBLISH_MODE: PRODUCER_LINE + 40,
  /** The attaching thread's kernel thread id, or 0 when the side is not bound to one thread. */
  THREAD: PRODUCER_LINE + 44,
} as const;

/** Consumer line: written only by the consumer. */
export const Consumer = {
  READ_POSITION: CONSUMER_LINE + 0,
  POPPED: CONSUMER_LINE + 4,
  HEARTBEAT: CONSUMER_LINE + 16,
  PID: CONSUMER_LINE + 20,
  PUBLISH_MODE: CONSUMER_LINE + 24,
  THREAD: CONSUMER_LINE + 28,
  /**
   * The most slots (fixed) or bytes (byte records) a drain found waiting since a monitor last
   * took the mark (takeFillMark): the fill a sampled `used` almost never catches.
   */
  FILL_MARK: CONSUMER_LINE + 32,
} as const;

/**
 * Notification line: the words waiters sleep on, and the flags saying someone
 * sleeps. The flags live here, not on the sleeper's own line, because the other
 * side reads them after every publish: this line changes only when a side goes to
 * sleep, so that read stays a cache hit.
 */
export const Notification = {
  /** Set by the consumer before it sleeps waiting for records. */
  CONSUMER_WAITING: NOTIFICATION_LINE + 0,
  /** The consumer sleeps on it; the producer bumps it and wakes. */
  DATA_SIGNAL: NOTIFICATION_LINE + 4,
  /** Set by a blocked producer before it sleeps waiting for space. */
  PRODUCER_WAITING: NOTIFICATION_LINE + 8,
  /** The producer sleeps on it; the consumer bumps it and wakes. */
  SPACE_SIGNAL: NOTIFICATION_LINE + 12,
} as const;

/** A 64-bit counter's words, relative to its offset. */
export const Counter = {
  LOW: 0,
  HIGH_BEFORE: 4,
  HIGH_AFTER: 8,
  BYTES: 12,
} as const;

export const RingKind = { FIXED: 1, BYTES: 2 } as const;
export const WaitDomain = { PROCESS: 1, OS: 2 } as const;
export const Flags = { BLOCK_WHEN_FULL: 1 } as const;
/**
 * How a side publishes its position (LAYOUT.md, step 5): FENCED, a sequentially
 * consistent store; LIGHT, a release store, so the other side's sleeper must
 * issue membarrier after raising its flag.
 */
export const PublishMode = { FENCED: 0, LIGHT: 1 } as const;

/** Byte records: `[u32 length][u32 type][payload]`, each 8-byte aligned. */
export const Record = {
  LENGTH: 0,
  TYPE: 4,
  HEADER_BYTES: 8,
  ALIGNMENT: 8,
  /** The type of the record that fills the end of the data area when the next record would wrap. */
  PADDING_TYPE: 0xffffffff,
  /** A record (header included) may take at most capacity / 8 bytes. */
  MAX_FRACTION: 8,
} as const;

export const Limits = {
  MIN_FIXED_CAPACITY: 2,
  MIN_BYTE_CAPACITY: 128,
  /** Positions are u32; the data area stays addressable by them. */
  MAX_DATA_BYTES: 2 ** 31,
  MAX_RECORD_SIZE: 2 ** 16,
} as const;

export function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0 && value <= 2 ** 31;
}

export function alignRecord(bytes: number): number {
  return (bytes + Record.ALIGNMENT - 1) & ~(Record.ALIGNMENT - 1);
}
