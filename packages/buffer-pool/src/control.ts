/**
 * The pool's control block: one SharedArrayBuffer every participant shares,
 * laid out in layout.ts (drawn in LAYOUT.md): a pool line, a line per role, and
 * the wake table. Counters are written by their role alone with plain stores:
 * an aligned 8-byte store is one instruction on x64 and arm64, so readers never
 * see half a value.
 */
import { PoolError } from './errors.js';
import {
  CONTROL_MAGIC,
  CONTROL_VERSION,
  COUNTERS_OFFSET,
  controlByteLength,
  LINE_BYTES,
  LINE_WORDS,
  NO_LOW_MARK,
  PoolWord,
  type RoleKind,
  RoleWord,
  roleLine,
  wakeTableWord,
} from './layout.js';

/**
 * A fresh control block: magic, version, lanes and buffers per block written,
 * every producer's low mark at NO_LOW_MARK.
 */
export function initialiseControl(lanes: number, buffersPerBlock: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(controlByteLength(lanes));
  const words = new Int32Array(buffer);
  words[PoolWord.MAGIC] = CONTROL_MAGIC;
  words[PoolWord.VERSION] = CONTROL_VERSION;
  words[PoolWord.LANES] = lanes;
  words[PoolWord.BUFFERS_PER_BLOCK] = buffersPerBlock;
  for (let lane = 0; lane < lanes; lane++)
    words[roleLine('producer', lane, lanes) * LINE_WORDS + RoleWord.LOW_MARK] = NO_LOW_MARK;
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
