import type { WaitOutcome } from '@ringkit/spsc-ring';
import { BlockDirectory, blockOf, indexOf } from './blocks.js';
import type { RoleLine } from './control.js';
import { DeathWatch } from './death.js';
import { PoolError } from './errors.js';
import { Counter, RoleWord } from './layout.js';
import { type IdReceiver, type IdSender, openReceiver, openSender } from './queues.js';
import { RECORD_HEADER_BYTES, recordSpan } from './records.js';
import { channelName, checkLane, checkSpec, type PoolSpec } from './spec.js';
import { announceSleepQueue, askForBlock, type QueueAddress, RoleWaker } from './wake.js';

const NONE = -1;
/** At most this many free buffers are taken ahead: fewer queue operations, little hoarding. */
const STASH = 8;
const C = Counter.producer;

/**
 * The producer of one lane: fills buffers taken from free[q] with records and
 * submits them to ready[q]. It never allocates; when free[q] is empty it drops
 * the record and counts it (`drop`) or waits up to the backstop (`block`).
 */
export class PoolProducer {
  readonly lane: number;
  private readonly role: RoleLine;
  private readonly free: IdReceiver;
  private readonly ready: IdSender;
  private readonly directory: BlockDirectory;
  private readonly bufferSize: number;
  private readonly blockPolicy: boolean;
  private readonly blockTimeoutMs: number;
  private readonly tickMs: number;
  private readonly spin: number;
  private readonly drainWaker: RoleWaker;
  private readonly replenishWaker: RoleWaker;
  private current = NONE;
  /** The current buffer's block, its first byte in it, and how much of it is used. */
  private memory: Uint8Array = new Uint8Array(0);
  private words: Uint32Array = new Uint32Array(0);
  private readonly blockWords: Uint32Array[] = [];
  private start = 0;
  private used = 0;
  private closed = false;
  /** Free buffers taken ahead in one move (one publish), so most buffers cost no queue operation to take. */
  private readonly stash = new Uint32Array(STASH);
  private stashed = 0;
  private stashRead = 0;
  private submits = 0;
  /** Records and payload bytes in the current buffer: counted in the shared line when it is submitted. */
  private records = 0;
  /** Its drain and replenish, looked at while it blocks for a free buffer. */
  private readonly watch: DeathWatch;
  private payloadBytes = 0;
  private readonly takeAhead = (id: number): void => {
    this.stash[this.stashed++] = id;
  };

  constructor(spec: PoolSpec, lane: number) {
    const control = checkSpec(spec);
    checkLane(spec, lane);
    this.role = control.claim('producer', lane);
    this.lane = lane;
    const { options } = spec;
    this.bufferSize = options.bufferSize;
    this.blockPolicy = options.fullPolicy === 'block';
    this.blockTimeoutMs = options.blockTimeoutMs;
    this.tickMs = options.tickMs;
    this.spin = options.spin;
    this.directory = new BlockDirectory(channelName(spec), spec.control, spec.blocks, () =>
      askForBlock(spec, this.replenishWaker),
    );
    this.directory.listen();
    this.free = openReceiver(spec.lanes[lane]!.free);
    this.ready = openSender(spec.lanes[lane]!.ready);
    this.drainWaker = new RoleWaker(spec, control, 'drain', lane);
    this.replenishWaker = new RoleWaker(spec, control, 'replenish', 0);
    this.watch = new DeathWatch(this.role, [
      control.line('drain', lane),
      control.line('replenish', 0),
    ]);
  }

  /** Largest payload one record can carry: a whole buffer minus its header. */
  get maxRecord(): number {
    return this.bufferSize - RECORD_HEADER_BYTES;
  }

  /**
   * Copies one record into the lane's current buffer. False when it was dropped
   * (no free buffer, `drop` policy) — counted in stats().lanes[q].droppedRecords.
   */
  write(payload: Uint8Array, type = 0): boolean {
    const at = this.reserve(payload.length, type);
    if (at < 0) return false;
    this.memory.set(payload, at);
    return true;
  }

  /**
   * Zero-copy: makes room for a record and returns the offset of its payload in
   * `bytes` (write it there before the next call), or -1 when it was dropped.
   */
  reserve(payloadLength: number, type = 0): number {
    if (this.closed)
      throw new PoolError(
        'CLOSED',
        `the producer of lane ${this.lane} was closed; no record may follow close().`,
      );
    const span = recordSpan(payloadLength);
    if (!(payloadLength >= 0) || span > this.bufferSize)
      throw new PoolError(
        'RECORD_TOO_LARGE',
        `a record of ${payloadLength} bytes does not fit a ${this.bufferSize}-byte buffer (at most ${this.maxRecord}); split it or raise bufferSize.`,
      );
    if (this.current === NONE || this.used + span > this.bufferSize) {
      if (this.current !== NONE) this.submit();
      if (!this.acquire()) {
        this.role.add(C.droppedRecords, 1);
        this.role.add(C.droppedBytes, payloadLength);
        return -1;
      }
    }
    const at = this.start + this.used;
    this.words[at >> 2] = payloadLength;
    this.words[(at >> 2) + 1] = type;
    this.used += span;
    this.records++;
    this.payloadBytes += payloadLength;
    return at + RECORD_HEADER_BYTES;
  }

  /**
   * Would a record of this size be taken now, without dropping or waiting? For
   * producers that share a thread with other roles and must not block it.
   */
  canWrite(payloadLength: number): boolean {
    if (this.current !== NONE && this.used + recordSpan(payloadLength) <= this.bufferSize)
      return true;
    return this.stashRead < this.stashed || this.free.depth() > 0;
  }

  /** The block holding the current buffer: where `reserve`'s offsets point. */
  get bytes(): Uint8Array {
    return this.memory;
  }

  /** Submits the current buffer if it holds anything: its records reach the collector without waiting for it to fill. */
  flush(): void {
    if (this.current !== NONE && this.used > 0) this.submit();
  }

  /** The queue a producer waits on: its lane's free queue. */
  get input(): QueueAddress {
    return { lane: this.lane, name: 'free' };
  }

  /**
   * For a producer written as a looping role (see LoopingRole): sleeps until a
   * free buffer arrives, a knock, `until`, or one tick.
   */
  sleep(until: () => boolean): WaitOutcome {
    return this.free.wait({ tickMs: this.tickMs, spin: this.spin, until });
  }

  sleepAsync(until: () => boolean): Promise<WaitOutcome> {
    return this.free.waitAsync({ tickMs: this.tickMs, spin: this.spin, until });
  }

  /** For a producer that runs among other roles in one thread: where that thread sleeps (see runRoles). */
  sleepsOn(queue: QueueAddress | undefined): void {
    announceSleepQueue(this.role, queue);
  }

  /** Flushes and ends the lane's stream: the drain exits once it has handed on everything. */
  close(): void {
    if (this.closed) return;
    this.flush();
    // Buffers taken but never filled still belong somewhere: send them round with 0 bytes used.
    if (this.current !== NONE) this.submit();
    while (this.stashRead < this.stashed) {
      this.current = this.stash[this.stashRead++]!;
      this.used = 0;
      this.submit();
    }
    this.closed = true;
    this.ready.close();
    this.role.markExited();
    this.directory.close();
  }

  private acquire(): boolean {
    if (this.stashRead === this.stashed && !this.takeFreeBuffers()) return false;
    // From the stash to the current buffer: still held by this producer, so HELD does not change.
    const id = this.stash[this.stashRead++]!;
    this.current = id;
    this.memory = this.directory.bytes(blockOf(id));
    if (this.words.buffer !== this.memory.buffer) {
      // One word view per block, made once: buffers alternate between blocks all the time.
      let words = this.blockWords[blockOf(id)];
      if (words === undefined) {
        words = new Uint32Array(this.memory.buffer);
        this.blockWords[blockOf(id)] = words;
      }
      this.words = words;
    }
    this.start = indexOf(id) * this.bufferSize;
    this.used = 0;
    const newRegistrations = this.directory.registrations - this.role.counter(C.registrations);
    if (newRegistrations > 0) this.role.add(C.registrations, newRegistrations);
    return true;
  }

  /** Takes up to STASH free buffers in one move; false when there are none (after waiting, under `block`). */
  private takeFreeBuffers(): boolean {
    for (;;) {
      const freeDepth = this.free.depth();
      if (freeDepth < this.role.word(RoleWord.LOW_MARK))
        this.role.setWord(RoleWord.LOW_MARK, freeDepth);
      this.role.beginMove();
      this.stashed = 0;
      this.stashRead = 0;
      const got = this.free.drain(this.takeAhead, STASH);
      if (got > 0) this.role.setHeld(got);
      this.role.endMove();
      if (got > 0) return true;
      // Empty: wake the drain (recycled → free) and replenish (top-up) in case they sleep.
      this.drainWaker.wake();
      this.replenishWaker.wake();
      if (!this.blockPolicy) return false;
      this.waitForFree();
    }
  }

  private waitForFree(): void {
    this.role.add(C.blockedWaits, 1);
    const outcome = this.free.wait({
      timeoutMs: this.blockTimeoutMs,
      tickMs: this.tickMs,
      spin: this.spin,
      until: () => this.watch.look() !== undefined,
    });
    if (outcome === 'ready') return;
    // Its drain or replenish died: no free buffer can come until that role is taken again.
    const died = this.watch.error();
    if (outcome === 'until' && died !== undefined) throw died;
    throw new PoolError(
      'BLOCK_TIMEOUT',
      `lane ${this.lane} had no free buffer for ${this.blockTimeoutMs} ms: its collector or replenish is not keeping up (or not running); raise maxBlocks, speed up collection, or use fullPolicy 'drop'.`,
    );
  }

  private submit(): void {
    this.role.beginMove();
    this.ready.tryPush(this.current, this.used);
    this.role.setHeld(this.stashed - this.stashRead);
    this.role.endMove();
    this.current = NONE;
    this.drainWaker.wakeIfElsewhere();
    this.role.add(C.submitted, 1);
    this.role.add(C.records, this.records);
    this.role.add(C.bytes, this.payloadBytes);
    this.records = 0;
    this.payloadBytes = 0;
    // Sampled: reading the depth touches the drain's line, a cache miss on every submit otherwise.
    if ((++this.submits & 15) === 0) {
      const readyDepth = this.ready.depth();
      if (readyDepth > this.role.word(RoleWord.HIGH_MARK))
        this.role.setWord(RoleWord.HIGH_MARK, readyDepth);
    }
  }
}
