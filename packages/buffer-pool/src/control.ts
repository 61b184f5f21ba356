import { PoolError } from './errors.js';

/**
 * The pool's control block: one SharedArrayBuffer every participant shares,
 * in 128-byte lines so that no two writers share a cache line pair.
 *
 *   line 0            pool line: magic, version, lanes, complete flag, blocks allocated
 *   line 1 + 3q + 0   producer of lane q  ┐
 *   line 1 + 3q + 1   drain of lane q     ├ role lines: written only by that role
 *   line 1 + 3q + 2   collector of lane q ┘
 *   line 1 + 3·lanes  replenish
 *   then              the wake table: one word per role line (wake.ts)
 *
 * A role line: claim (taken once), sequence (odd while the role moves a buffer
 * between queues, so a snapshot can tell it saw a consistent picture), buffers
 * in hand, exited flag, two depth marks, then float64 counters from byte 32.
 * Counters are written by their role alone with plain stores: an aligned 8-byte
 * store is one instruction on x64 and arm64, so readers never see half a value.
 */
export const LINE_BYTES = 128;
const LINE_WORDS = LINE_BYTES / 4;
const COUNTERS_OFFSET = 32;
const LINE_COUNTERS = (LINE_BYTES - COUNTERS_OFFSET) / 8;

/** "POOL" read as ASCII. */
export const CONTROL_MAGIC = 0x4c4f4f50;
export const CONTROL_VERSION = 1;

export const PoolWord = {
  MAGIC: 0,
  VERSION: 1,
  LANES: 2,
  /** Set once by complete(): the run's producers are done; drains exit once ready is empty. */
  COMPLETE: 3,
  BLOCKS: 4,
  BUFFERS_PER_BLOCK: 5,
  /** A participant met an id of a block it never received and asked replenish to send it again. */
  BLOCK_WANTED: 6,
} as const;

export const RoleWord = {
  CLAIM: 0,
  SEQUENCE: 1,
  HELD: 2,
  EXITED: 3,
  /** Producer: the fewest free buffers it ever found when taking one (the free margin). */
  LOW_MARK: 4,
  /** Producer: the deepest ready queue it ever left behind a submit (for the ready margin). */
  HIGH_MARK: 5,
} as const;

export type RoleKind = 'producer' | 'drain' | 'collector' | 'replenish';
const LANE_ROLES: readonly RoleKind[] = ['producer', 'drain', 'collector'];

/** Counter slots per role (indices into the line's float64 counters). */
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
  collector: { collected: 0, bytes: 1, errors: 2, registrations: 3 },
  replenish: { blocksAllocated: 0, routed: 1, rebalanced: 2, registrations: 3 },
} as const;

const roleLines = (lanes: number): number => 2 + 3 * lanes;

/**
 * The wake table follows the role lines: the queue each role's thread sleeps
 * on (0: the role's own input). It changes only when a thread's arrangement
 * does, so it stays read-mostly in every cache and a knock costs one shared load,
 * rather than a miss on a line its role rewrites at every move.
 */
export function wakeTableWord(line: number, lanes: number): number {
  return roleLines(lanes) * LINE_WORDS + line;
}

export function controlByteLength(lanes: number): number {
  const tableBytes = Math.ceil((roleLines(lanes) * 4) / LINE_BYTES) * LINE_BYTES;
  return roleLines(lanes) * LINE_BYTES + tableBytes;
}

export function roleLine(kind: RoleKind, lane: number, lanes: number): number {
  return kind === 'replenish' ? 1 + 3 * lanes : 1 + 3 * lane + LANE_ROLES.indexOf(kind);
}

export function initialiseControl(lanes: number, buffersPerBlock: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(controlByteLength(lanes));
  const words = new Int32Array(buffer);
  words[PoolWord.MAGIC] = CONTROL_MAGIC;
  words[PoolWord.VERSION] = CONTROL_VERSION;
  words[PoolWord.LANES] = lanes;
  words[PoolWord.BUFFERS_PER_BLOCK] = buffersPerBlock;
  for (let lane = 0; lane < lanes; lane++)
    words[roleLine('producer', lane, lanes) * LINE_WORDS + RoleWord.LOW_MARK] = 0x7fffffff;
  return buffer;
}

/** Typed views over the control block, with the few operations every role needs. */
export class Control {
  readonly words: Int32Array;
  readonly counters: Float64Array;
  readonly lanes: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 2 * LINE_BYTES)
      throw new PoolError(
        'INVALID_SPEC',
        'the pool spec has no control block; pass pool.spec as it was created.',
      );
    this.words = new Int32Array(buffer);
    this.counters = new Float64Array(buffer);
    if (
      this.words[PoolWord.MAGIC] !== CONTROL_MAGIC ||
      this.words[PoolWord.VERSION] !== CONTROL_VERSION
    )
      throw new PoolError(
        'INVALID_SPEC',
        `the pool spec's control block has magic 0x${(this.words[PoolWord.MAGIC]! >>> 0).toString(16)} version ${this.words[PoolWord.VERSION]}, not a @ringkit/buffer-pool v${CONTROL_VERSION} pool; pass pool.spec as it was created.`,
      );
    this.lanes = this.words[PoolWord.LANES]!;
    if (buffer.byteLength !== controlByteLength(this.lanes))
      throw new PoolError(
        'INVALID_SPEC',
        `the pool spec's control block is ${buffer.byteLength} bytes, not the ${controlByteLength(this.lanes)} its ${this.lanes} lanes need.`,
      );
  }

  /** Takes a role once for the pool's lifetime; a second taker, anywhere, gets ROLE_TAKEN. */
  claim(kind: RoleKind, lane: number): RoleLine {
    const line = roleLine(kind, lane, this.lanes);
    if (Atomics.compareExchange(this.words, line * LINE_WORDS + RoleWord.CLAIM, 0, 1) !== 0) {
      const which = kind === 'replenish' ? 'replenish' : `the ${kind} of lane ${lane}`;
      throw new PoolError(
        'ROLE_TAKEN',
        `${which} was already taken: each queue end has exactly one owner for the pool's lifetime (see "Static ownership" in the README).`,
      );
    }
    return new RoleLine(this, line);
  }

  line(kind: RoleKind, lane: number): RoleLine {
    return new RoleLine(this, roleLine(kind, lane, this.lanes));
  }

  get complete(): boolean {
    return Atomics.load(this.words, PoolWord.COMPLETE) !== 0;
  }
}

/** One role's line: its sequence, hand count, marks and counters. */
export class RoleLine {
  private readonly base: number;
  private readonly counterBase: number;
  private readonly wakeWord: number;
  private sequence: number;

  constructor(
    readonly control: Control,
    readonly line: number,
  ) {
    this.base = line * LINE_WORDS;
    this.counterBase = (line * LINE_BYTES + COUNTERS_OFFSET) / 8;
    this.wakeWord = wakeTableWord(line, control.lanes);
    this.sequence = Atomics.load(control.words, this.base + RoleWord.SEQUENCE);
  }

  /** Brackets a move between queues (odd while moving), so snapshots can tell a consistent view. */
  beginMove(): void {
    Atomics.store(this.control.words, this.base + RoleWord.SEQUENCE, ++this.sequence);
  }

  endMove(): void {
    Atomics.store(this.control.words, this.base + RoleWord.SEQUENCE, ++this.sequence);
  }

  setHeld(count: number): void {
    Atomics.store(this.control.words, this.base + RoleWord.HELD, count);
  }

  word(index: number): number {
    return Atomics.load(this.control.words, this.base + index);
  }

  setWord(index: number, value: number): void {
    Atomics.store(this.control.words, this.base + index, value);
  }

  counter(index: number): number {
    return this.control.counters[this.counterBase + index]!;
  }

  add(index: number, amount: number): void {
    const counters = this.control.counters;
    counters[this.counterBase + index] = counters[this.counterBase + index]! + amount;
  }

  /** The code (wake.ts) of the queue this role's thread sleeps on; 0: its own input. */
  get wakeTarget(): number {
    return Atomics.load(this.control.words, this.wakeWord);
  }

  set wakeTarget(code: number) {
    Atomics.store(this.control.words, this.wakeWord, code);
  }

  markExited(): void {
    Atomics.store(this.control.words, this.base + RoleWord.EXITED, 1);
  }

  get exited(): boolean {
    return this.word(RoleWord.EXITED) !== 0;
  }
}

export const COUNTERS_PER_LINE = LINE_COUNTERS;
