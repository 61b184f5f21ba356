/**
 * The pool's control block: one SharedArrayBuffer every participant shares,
 * laid out in layout.ts (drawn in LAYOUT.md): a pool line, a line per role, and
 * the wake table. Counters are written by their role alone with plain stores:
 * an aligned 8-byte store is one instruction on x64 and arm64, so readers never
 * see half a value.
 */
import { threadGone, threadIdOfThisThread } from '@ringkit/spsc-ring';
import { PoolError } from './errors.js';
import {
  CONTROL_MAGIC,
  CONTROL_VERSION,
  COUNTERS_OFFSET,
  Counter,
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
import { type QueueMemory, queuePosition } from './queues.js';

/** The queues a collector's moves change (its lane's LaneQueues has them): see settleDeadOwner. */
export interface HandQueues {
  readonly collect: QueueMemory;
  readonly done: QueueMemory;
}

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

/** CLAIM while a dead role is being taken again: neither free nor dead. */
const TAKING = -1;

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

  /**
   * Takes a role. A role is taken once, unless its owner died (claimed, not exited, its thread
   * gone): then the first of any racing takers wins it back and the others get ROLE_TAKEN.
   * CLAIM counts the owners so far (1, 2, …); a retaker swaps the count it read for TAKING,
   * so a racer never sees the dead owner again, records itself, settles what the dead owner
   * left (its hand written off as lost, its exit and report cleared), then stores the next count.
   */
  claim(kind: RoleKind, lane: number, queues?: HandQueues): RoleLine {
    const line = roleLine(kind, lane, this.lanes);
    const claimWord = line * LINE_WORDS + RoleWord.CLAIM;
    const owners = Atomics.compareExchange(this.words, claimWord, 0, 1);
    if (owners === 0) {
      const role = new RoleLine(this, line);
      role.recordOwner();
      return role;
    }
    const which = kind === 'replenish' ? 'replenish' : `the ${kind} of lane ${lane}`;
    if (
      owners === TAKING ||
      !this.line(kind, lane).dead ||
      Atomics.compareExchange(this.words, claimWord, owners, TAKING) !== owners
    )
      throw new PoolError(
        'ROLE_TAKEN',
        `${which} was already taken: each queue end has exactly one owner (see "Static ownership" in the README); only a role whose thread died can be taken again.`,
      );
    const role = new RoleLine(this, line);
    role.recordOwner();
    role.settleDeadOwner(kind, queues);
    Atomics.store(this.words, claimWord, owners + 1);
    return role;
  }

  lineAt(line: number): RoleLine {
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

  setCounter(index: number, value: number): void {
    this.control.counters[this.counterBase + index] = value;
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

  /** This thread runs the role now: its pid and kernel thread id, for deathOf's look at /proc. */
  recordOwner(): void {
    Atomics.store(this.control.words, this.base + RoleWord.OWNER_THREAD, threadIdOfThisThread());
    Atomics.store(this.control.words, this.base + RoleWord.OWNER_PID, process.pid);
  }

  /** Claimed, not exited, and the thread that ran it is gone. */
  get dead(): boolean {
    const claim = this.word(RoleWord.CLAIM);
    return (
      claim > 0 &&
      !this.exited &&
      threadGone(this.word(RoleWord.OWNER_PID) >>> 0, this.word(RoleWord.OWNER_THREAD) >>> 0)
    );
  }

  /** 1 + the line of a dead role this role reported; 0 when none. */
  get report(): number {
    return this.counter(Counter.role.report);
  }

  /** Records the dead role this one depends on (its line; -1: none, or no longer). */
  setReport(deadLine: number): void {
    this.control.counters[this.counterBase + Counter.role.report] = 1 + deadLine;
  }

  /**
   * A new owner takes over what a dead one left: what it held is written off as lost (a
   * collector also knows how many records that was), its exit and report are cleared, and a
   * sequence left odd by a move it died in is made even again. `queues` (its lane's) lets a
   * collector's journalled move be settled first.
   */
  settleDeadOwner(kind: RoleKind, queues?: HandQueues): void {
    const words = this.control.words;
    if (kind === 'collector' && queues !== undefined) this.settleCollectorMove(queues);
    const held = this.word(RoleWord.HELD);
    if (held > 0) this.add(Counter.role.lostBuffers, held);
    if (kind === 'collector') {
      const inHand =
        this.counter(Counter.collector.takenRecords) - this.counter(Counter.collector.records);
      if (inHand > 0) this.add(Counter.role.lostRecords, inHand);
      this.control.counters[this.counterBase + Counter.collector.takenRecords] = this.counter(
        Counter.collector.records,
      );
    }
    this.setHeld(0);
    this.control.counters[this.counterBase + Counter.role.report] = 0;
    if (this.sequence & 1) this.endMove();
    Atomics.store(words, this.base + RoleWord.EXITED, 0);
  }

  /**
   * A collector that died mid-move left Counter.collector.move set. A take whose drain never
   * freed its slots (collect's read position unmoved) left its buffers queued: the hand goes
   * back to what it was before that take (moveHeld, moveTakenRecords). A return whose publish
   * went out (done's write position moved) put its buffers home: the hand is empty. Otherwise
   * the hand holds what its line says.
   */
  private settleCollectorMove(queues: HandQueues): void {
    const move = this.counter(Counter.collector.move);
    if (move > 0 && queuePosition(queues.collect, 'read') === move - 1) {
      this.setHeld(this.counter(Counter.collector.moveHeld));
      this.setCounter(
        Counter.collector.takenRecords,
        this.counter(Counter.collector.moveTakenRecords),
      );
    } else if (move < 0 && queuePosition(queues.done, 'write') !== -move - 1) {
      this.setHeld(0);
    }
    this.setCounter(Counter.collector.move, 0);
  }
}
