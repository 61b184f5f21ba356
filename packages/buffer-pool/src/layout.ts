/**
 * The buffer pool's shared-memory layout, defined once for TypeScript: the
 * control block, the queue entries, the records inside a buffer and the buffer
 * id. LAYOUT.md draws it; native/include/ringkit/buffer_pool/layout.hpp defines
 * the same numbers for C++, and test/layout.test.ts proves the two agree on every
 * constant exported here. Control-block words are little-endian i32 (read as an
 * Int32Array) and its counters float64, so word constants are indices, not byte
 * offsets.
 *
 * The tracking wire format and the sender's status block have no C++ reader:
 * they are defined in src/tracking/layout.ts and src/tracking/status-block.ts
 * (drawn in LAYOUT.md too), and the lock-based queues' words in src/queues.ts.
 */

/**
 * The control block is whole lines: the pool line, ROLES_PER_LANE role lines per
 * lane, replenish's line, then the wake table. Lines are 128 bytes apart, as
 * adjacent-line prefetch pairs 64-byte lines, so no two roles' writes share a pair.
 */
export const LINE_BYTES = 128;
export const LINE_WORDS = LINE_BYTES / 4;
/** A role line's float64 counters start here, after its words. */
export const COUNTERS_OFFSET = 32;
export const COUNTERS_PER_LINE = (LINE_BYTES - COUNTERS_OFFSET) / 8;
export const ROLES_PER_LANE = 3;
export const QUEUES_PER_LANE = 5;

/** "POOL" when the first four bytes are read as ASCII. */
export const CONTROL_MAGIC = 0x4c4f4f50;
export const CONTROL_VERSION = 1;

/** A producer's low mark before it ever took a buffer (stats show it as null). */
export const NO_LOW_MARK = 0x7fffffff;

/** Word indices in the pool line (line 0). */
export const PoolWord = {
  MAGIC: 0,
  VERSION: 1,
  LANES: 2,
  /** Set once by complete(): the run's producers are done; drains exit once ready is empty. */
  COMPLETE: 3,
  /** Blocks allocated so far. */
  BLOCKS: 4,
  BUFFERS_PER_BLOCK: 5,
  /** A participant met an id of a block it never received and asked replenish to send it again. */
  BLOCK_WANTED: 6,
} as const;

/**
 * Word indices in a role line. Only its role writes them, but CLAIM: a
 * compare-and-swap by whoever takes the role, once for the pool's lifetime.
 */
export const RoleWord = {
  CLAIM: 0,
  /**
   * Odd while the role moves a buffer between queues, so a snapshot can tell
   * it saw a consistent picture.
   */
  SEQUENCE: 1,
  /** Buffers in the role's hand. */
  HELD: 2,
  EXITED: 3,
  /** Producer: the fewest free buffers it ever found when taking one (the free margin). */
  LOW_MARK: 4,
  /** Producer: the deepest ready queue it ever left behind a submit (for the ready margin). */
  HIGH_MARK: 5,
  /** The pid of the process whose thread took the role (0 until taken). */
  OWNER_PID: 6,
  /**
   * The kernel thread id of the thread that runs the role (JS: the claiming thread; a native
   * role: its own OS thread, written as it starts). 0 where unknown. A role is dead when it was
   * claimed, has not exited, and this thread (of OWNER_PID) is gone.
   */
  OWNER_THREAD: 7,
} as const;

/** Counter slots per role: float64 indices from COUNTERS_OFFSET of the role's line. */
export const Counter = {
  producer: {
    records: 0,
    bytes: 1,
    droppedRecords: 2,
    droppedBytes: 3,
    submitted: 4,
    blockedWaits: 5,
    registrations: 6,
  },
  drain: { handoffs: 0, refills: 1 },
  collector: {
    collected: 0,
    bytes: 1,
    errors: 2,
    registrations: 3,
    /** Records in the buffers it returned home (handled, whether the handler threw or not). */
    records: 4,
    /** Records in the buffers it took into its hand: minus `records`, those in its hand now. */
    takenRecords: 5,
    /**
     * The move under way, written before it and cleared after: 1 + collect[q]'s read position
     * while it takes buffers, −(1 + done[q]'s write position) while it returns them, 0 between
     * moves. Whoever takes the role of a collector that died mid-move compares it with the queue
     * to tell whether the move happened (control.ts's settleDeadOwner): without it a death between
     * a queue's store and the hand's store counts the batch twice, or not at all.
     */
    move: 6,
    /** While a take is under way: the hand it started from, held buffers and takenRecords. */
    moveHeld: 7,
    moveTakenRecords: 8,
  },
  replenish: { blocksAllocated: 0, routed: 1, rebalanced: 2, registrations: 3 },
  /** Every role's line, whatever its kind (the last slots). */
  role: {
    /** Buffers a dead owner of this role held, written off when the role was taken again. */
    lostBuffers: 9,
    /** Records in those buffers (counted where the role knows them: a collector's hand). */
    lostRecords: 10,
    /**
     * 1 + the line of a dead role this role reported (0: none): the role it depends on died;
     * see pool.ts's deathOf. Cleared when the role is taken again.
     */
    report: 11,
  },
} as const;

/** A lane's role lines, in order: role r of lane q has line 1 + ROLES_PER_LANE·q + r. */
export const LaneRole = { producer: 0, drain: 1, collector: 2 } as const;
/** Replenish has no place in a lane: one line for the whole pool, after every lane's. */
export type RoleKind = keyof typeof LaneRole | 'replenish';

/** A lane's queues, in the order the wake table's codes count them (wake.ts's queueCode). */
export const LaneQueue = { free: 0, ready: 1, collect: 2, done: 3, recycled: 4 } as const;

/** One queue entry, a fixed-size record of its spsc-ring: [u32 buffer id][u32 bytes used]. */
export const Entry = { ID: 0, LENGTH: 4, BYTES: 8 } as const;

/** Inside a buffer: [u32 payload length][u32 type][payload], each record 8-byte aligned. */
export const Record = { LENGTH: 0, TYPE: 4, HEADER_BYTES: 8, ALIGNMENT: 8 } as const;

/** A buffer id is block << BLOCK_SHIFT | index: resolving one is two shifts and a table lookup. */
export const BufferId = { BLOCK_SHIFT: 16, INDEX_MASK: 0xffff } as const;

/** The pool line, ROLES_PER_LANE lines per lane, and replenish's. */
const roleLines = (lanes: number): number => 2 + ROLES_PER_LANE * lanes;

/** The line index of a role; replenish has one line for the whole pool. */
export function roleLine(kind: RoleKind, lane: number, lanes: number): number {
  return kind === 'replenish'
    ? 1 + ROLES_PER_LANE * lanes
    : 1 + ROLES_PER_LANE * lane + LaneRole[kind];
}

/**
 * The wake table follows the role lines: the queue each role's thread sleeps
 * on (0: the role's own input). It changes only when a thread's arrangement
 * does, so it stays read-mostly in every cache and a knock costs one shared load,
 * rather than a miss on a line its role rewrites at every move.
 */
export function wakeTableWord(line: number, lanes: number): number {
  return roleLines(lanes) * LINE_WORDS + line;
}

/** The role lines, then the wake table rounded up to whole lines. */
export function controlByteLength(lanes: number): number {
  const tableBytes = Math.ceil((roleLines(lanes) * 4) / LINE_BYTES) * LINE_BYTES;
  return roleLines(lanes) * LINE_BYTES + tableBytes;
}
