import { EventBatch } from './batch.js';
import { BpfError, native } from './errors.js';
import { KernelRing } from './kernel-ring.js';
import { Policy, RingStats as RingWords } from './layout.js';
import { requireNative } from './native.js';
import type { RawRingMapping } from './native-binding.js';
import { Period } from './period.js';
import {
  type ReaderRing,
  type ReaderRingStats,
  type ReaderStats,
  type ReaderTiming,
  type ReadOptions,
  type ResolvedRing,
  ringStatsOf,
} from './reader.js';
import type { FieldSpecs, Schema } from './schema.js';

/**
 * What a direct reader counted. Its batches are the kernel rings' records in place, so it has
 * no JS ring, merge, batch cap or back-pressure: `fullStalls`, `cappedDrains`, `oversized`,
 * `mergeHeld` and `wakeups` stay 0.
 */
export type DirectReaderStats = Omit<ReaderStats, 'jsRing'>;

/** Options of the thread mode only: the JS ring, the merge and the reader thread's drains. */
const THREAD_ONLY = [
  'merge',
  'jsRingBytes',
  'maxBatchBytes',
  'whenJsRingFull',
  'finalDrainTimeoutMs',
  'batchesPerTurn',
] as const;

/**
 * Batches of events read straight out of the kernel rings by the JS thread itself, once a
 * period (`read({ mode: 'direct' })`): no reader thread and no copy, so each event crosses
 * cores once and a period costs one wake-up. A batch is a view of the kernel ring, valid until
 * the next is asked for; its records are handed back to the kernel then. The kernel maps the
 * ring read-only: `batch.data` may be read, and a write through it faults. Read with
 * `for await (const batch of reader)` or `reader.onBatch(callback)` — one of them, once.
 */
export class DirectReader<F extends FieldSpecs = FieldSpecs>
  implements AsyncIterable<EventBatch<F>>
{
  /** The kernel rings it takes, by index (one per CPU for a per-CPU ring map). */
  readonly rings: readonly ReaderRing[];
  /** Milliseconds between walks of the rings. */
  readonly periodMs: number;
  private readonly mappings: RawRingMapping[];
  private readonly kernelRings: KernelRing[];
  /** One batch view per ring, over that ring's own mapping. */
  private readonly batches: EventBatch<F>[];
  /** Each ring's counts, at layout.ts's RingStats word indices. */
  private readonly ringWords: Float64Array;
  private readonly kernelDropped: readonly (() => number)[];
  private readonly onStopped: () => void;
  private state: 'running' | 'paused' | 'stopped' = 'running';
  private stopping = false;
  private consuming = false;
  /** True while the consumer's loop runs; `holding`: while it has a batch in hand. */
  private consumerActive = false;
  private holding = false;
  private consumerDone: Promise<void> = Promise.resolve();
  /** The wait between walks: one native timer, re-armed each period (period.ts). */
  private readonly period: Period;
  /** Bytes of each ring's run in the consumer's hands, for release(). */
  private readonly pendingBytes: number[] = [];
  private rounds = 0;
  private batchesOut = 0;
  private eventsOut = 0;
  private recordsOut = 0;
  private bytesOut = 0;
  private droppedRecords = 0;
  private droppedEvents = 0;
  private discarded = 0;

  /** @internal Created by BpfObject.read() and readRings() with `mode: 'direct'`. */
  constructor(
    rings: readonly ResolvedRing[],
    timing: ReaderTiming,
    options: ReadOptions<F>,
    onStopped: () => void,
  ) {
    for (const name of THREAD_ONLY)
      if (options[name] !== undefined)
        throw new BpfError(
          'INVALID_OPTIONS',
          `${name} is an option of the reader thread, which mode 'direct' has none of: leave it out, or read with mode 'thread'.`,
        );
    if (timing.policy !== Policy.TIMER)
      throw new BpfError(
        'INVALID_OPTIONS',
        "mode 'direct' walks the rings on a timer and takes no kernel wakeups: open the object with policy { kind: 'timer' }.",
      );
    const periodMs = options.periodMs ?? timing.periodMs;
    if (!Number.isInteger(periodMs) || periodMs < 1 || periodMs > 60_000)
      throw new BpfError(
        'INVALID_OPTIONS',
        `periodMs must be a whole number of milliseconds from 1 to 60000, got ${periodMs}.`,
      );
    this.periodMs = periodMs;
    this.period = new Period(periodMs);
    this.onStopped = onStopped;
    const binding = requireNative('read');
    this.mappings = [];
    try {
      for (const ring of rings)
        this.mappings.push(native(() => binding.mapRing(ring.source.fd, ring.source.bytes)));
    } catch (error) {
      for (const mapping of this.mappings) mapping.unmap();
      throw error;
    }
    this.kernelRings = rings.map(
      (ring, index) => new KernelRing(this.mappings[index]!, ring.source.bytes),
    );
    this.batches = this.kernelRings.map(
      (kernelRing, index) =>
        new EventBatch<F>(kernelRing.data, rings[index]!.schema as Schema<F> | null),
    );
    this.ringWords = new Float64Array(rings.length * RingWords.WORDS);
    this.rings = rings.map((ring, index) => ({
      index,
      object: ring.object,
      map: ring.map,
      cpu: ring.perCpu ? ring.source.cpu : null,
      schema: ring.schema,
    }));
    this.kernelDropped = rings.map((ring) => ring.kernelDropped);
  }

  /** Stops walking the kernel rings (records wait there, and count as drops if they fill). */
  pause(): void {
    if (this.state === 'running') this.state = 'paused';
  }

  resume(): void {
    if (this.state === 'paused') this.state = 'running';
  }

  /**
   * Ends the stream after one last walk of the rings: the consumer's, when one is reading
   * (resolves once it did it — at once if called with a batch in hand, which the walk then
   * follows), else this one's, counting what it takes as dropped. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.holding ? undefined : this.consumerDone;
    this.stopping = true;
    if (this.consumerActive) {
      this.period.wake();
      if (!this.holding) await this.consumerDone;
    } else {
      this.finish();
    }
  }

  /** @internal Stops at once (BpfObject.close): what the rings hold is counted as dropped. */
  stopNow(): void {
    this.stopping = true;
    this.period.wake();
    this.finish();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventBatch<F>> {
    const done = this.claimConsumption();
    try {
      for (;;) {
        const last = this.stopping;
        if (this.state === 'stopped') return;
        if (last || this.state === 'running') {
          this.rounds++;
          for (let index = 0; index < this.batches.length; index++) {
            const batch = this.take(index);
            if (batch === null) continue;
            this.delivered(index, batch);
            this.holding = true;
            try {
              yield batch;
            } finally {
              this.holding = false;
              this.release(index);
            }
          }
        }
        if (last) return;
        // stop() while a batch was in hand: the last walk follows at once.
        if (!this.stopping) await this.period.over();
      }
    } finally {
      this.consumerEnded(done);
    }
  }

  /**
   * Calls `callback` with every batch (a view of the kernel ring valid until it returns);
   * resolves once the stream ended. A callback that throws rejects it: that batch's events
   * count as delivered, and what follows is left in the rings (the program's drops count it
   * once they fill; stop() counts what they hold as dropped). Each period is one timer
   * callback and a plain loop over the rings: no promise per batch.
   */
  onBatch(callback: (batch: EventBatch<F>) => void): Promise<void> {
    const done = this.claimConsumption();
    return new Promise((resolve, reject) => {
      const walk = () => {
        const last = this.stopping;
        try {
          if (this.state !== 'stopped' && (last || this.state === 'running')) {
            this.rounds++;
            for (let index = 0; index < this.batches.length; index++) {
              const batch = this.take(index);
              if (batch === null) continue;
              this.delivered(index, batch);
              this.holding = true;
              try {
                callback(batch);
              } finally {
                this.holding = false;
                this.release(index);
              }
            }
          }
        } catch (error) {
          this.consumerEnded(done);
          reject(error);
          return;
        }
        if (last || this.state === 'stopped') {
          this.consumerEnded(done);
          resolve();
        } else if (this.stopping) {
          // stop() from the callback: the last walk follows at once.
          queueMicrotask(walk);
        } else {
          this.period.sleep(walk);
        }
      };
      walk();
    });
  }

  stats(): DirectReaderStats {
    return {
      state: this.state,
      rounds: this.rounds,
      wakeups: 0,
      records: this.recordsOut,
      events: this.eventsOut,
      bytes: this.bytesOut,
      batches: this.batchesOut,
      cappedDrains: 0,
      fullStalls: 0,
      droppedRecords: this.droppedRecords,
      droppedEvents: this.droppedEvents,
      discarded: this.discarded,
      oversized: 0,
      mergeHeld: 0,
      consumedBatches: this.batchesOut,
      consumedEvents: this.eventsOut,
    };
  }

  /** What the reader took out of each of its kernel rings, with each ring's kernel drops. */
  ringStats(): ReaderRingStats[] {
    // Its OVERSIZED words stay 0: a record walked in place is never too big for a JS ring.
    return ringStatsOf(this.rings, this.ringWords, this.kernelDropped);
  }

  /** True once stop() was called. */
  get stopped(): boolean {
    return this.stopping;
  }

  /**
   * The batch of what ring `index` holds up to its first record still being written, counted
   * as taken from it; null when nothing is ready. Its bytes stay the consumer's until
   * release().
   */
  private take(index: number): EventBatch<F> | null {
    const ring = this.kernelRings[index]!;
    const waiting = ring.waiting();
    if (waiting === 0) return null;
    const batch = this.batches[index]!;
    const taken = batch.loadKernelRun(index, ring.start, ring.start + waiting) - ring.start;
    if (taken === 0) return null;
    this.pendingBytes[index] = taken;
    const at = index * RingWords.WORDS;
    const words = this.ringWords;
    words[at + RingWords.RECORDS]! += batch.records;
    words[at + RingWords.EVENTS]! += batch.length;
    words[at + RingWords.BYTES]! += batch.bytes;
    words[at + RingWords.DISCARDED]! += batch.discarded;
    this.discarded += batch.discarded;
    if (batch.length > 0) return batch;
    // Only discarded records: nothing to hand out.
    this.release(index);
    return null;
  }

  /** Counts ring `index`'s batch as handed to the consumer. */
  private delivered(index: number, batch: EventBatch<F>): void {
    this.ringWords[index * RingWords.WORDS + RingWords.BATCHES]! += 1;
    this.batchesOut++;
    this.recordsOut += batch.records;
    this.eventsOut += batch.length;
    this.bytesOut += batch.bytes;
  }

  /** Hands the run take() found in ring `index` back to the kernel (once the batch is done with). */
  private release(index: number): void {
    const bytes = this.pendingBytes[index] ?? 0;
    this.pendingBytes[index] = 0;
    if (this.state !== 'stopped') this.kernelRings[index]!.release(bytes);
  }

  /**
   * The last walk when no consumer makes it — what the rings hold is taken and counted as
   * dropped — then unmaps the rings. Nothing is unmapped under a batch still in hand: its
   * consumer's loop finishes once it lets go.
   */
  private finish(): void {
    if (this.state === 'stopped' || this.holding) return;
    for (let index = 0; index < this.batches.length; index++) {
      const batch = this.take(index);
      if (batch === null) continue;
      const at = index * RingWords.WORDS;
      this.ringWords[at + RingWords.DROPPED_RECORDS]! += batch.records;
      this.ringWords[at + RingWords.DROPPED_EVENTS]! += batch.length;
      this.droppedRecords += batch.records;
      this.droppedEvents += batch.length;
      this.release(index);
    }
    this.state = 'stopped';
    this.period.close();
    for (const mapping of this.mappings) mapping.unmap();
    this.onStopped();
  }

  /** The consumer's loop ended: after stop(), the rings are let go of. */
  private consumerEnded(done: () => void): void {
    this.consumerActive = false;
    if (this.stopping) this.finish();
    done();
  }

  /** Marks the reader consumed; returns what to call once the consumer's loop ended. */
  private claimConsumption(): () => void {
    if (this.consuming)
      throw new BpfError(
        'INVALID_OPTIONS',
        'this reader is already being consumed: iterate it or call onBatch() once.',
      );
    if (this.state === 'stopped')
      throw new BpfError('CLOSED', 'this reader is stopped: start a new one.');
    this.consuming = true;
    this.consumerActive = true;
    let done = () => {};
    this.consumerDone = new Promise((resolve) => {
      done = resolve;
    });
    return done;
  }
}
