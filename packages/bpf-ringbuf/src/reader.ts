import {
  ByteConsumer,
  createRing,
  type RingStats,
  takeFillMark,
  type WaitOptions,
} from '@ringkit/spsc-ring';
import { EventBatch } from './batch.js';
import { BpfError, native } from './errors.js';
// Each ring's words (layout.ts's RingStats, not spsc-ring's RingStats type).
import {
  Batch,
  Policy,
  ReaderState,
  type ReaderStateName,
  RingStats as RingWords,
  Stats,
} from './layout.js';
import type { RawReader, RawRingSource } from './native.js';
import { requireNative } from './native.js';
import { Period } from './period.js';
import type { FieldSpecs, Schema } from './schema.js';

/** What a reader does with batches when JavaScript falls behind and its ring is full. */
export type WhenJsRingFull = 'wait' | 'drop';

/**
 * A schema of any fields, as one ring among several is read with (a Schema<F> is
 * assignable to it; Schema<F> itself is invariant in F).
 */
export interface RingSchema {
  readonly name: string;
  readonly size: number;
  readonly fields: FieldSpecs;
  readonly timestamp: string | null;
}

/** A ring map of an object to read, and what its events are. */
export interface RingSpec {
  /** The ring map: a ringbuf map, or the object's own ring map (its per-CPU rings). */
  readonly map: string;
  /** Its events' layout (default: the read options' schema). */
  readonly schema?: RingSchema | null;
  /**
   * A PERCPU_ARRAY (or ARRAY) whose key-0 u64 counts the events the program found no room
   * for in this ring: ringStats().kernelDropped. Default: the object's drops map for its own
   * ring map, none for other maps.
   */
  readonly drops?: string | null;
}

/**
 * How a reader takes records out of the kernel rings: `thread` (default), a native reader
 * thread copies them into a JS ring; `direct`, the JS thread walks the kernel rings itself once
 * a period and hands their records out in place (a DirectReader).
 */
export type ReadMode = 'thread' | 'direct';

export interface ReadOptions<F extends FieldSpecs> {
  /** `thread` (default): a BpfReader; `direct`: a DirectReader (see ReadMode). */
  readonly mode?: ReadMode;
  /**
   * mode 'direct': milliseconds between walks of the rings (default: the timer policy's
   * periodMs). The reader thread drains on the object's wakeup policy instead.
   */
  readonly periodMs?: number;
  /** Event layout: typed accessors and event counts. Without one, each kernel record is one event. */
  readonly schema?: Schema<F> | null;
  /**
   * object.read(): the ring maps to read, by name or with their own schema and drops map
   * (default: the ring map the object was opened with). A ring has one reader at a time;
   * other rings of the object stay free for other readers.
   */
  readonly rings?: readonly (string | RingSpec)[];
  /**
   * The struct of the object's BTF to check `schema` against — its size, and each
   * field's offset and width (SCHEMA_MISMATCH naming the field): by default the struct
   * named as the schema is, when the BTF has one (none: no check); a name here must be
   * there (UNKNOWN_STRUCT); false: no check.
   */
  readonly btfStruct?: string | false;
  /**
   * Merge every CPU's events into one timestamp order (needs a schema with a
   * timestamp). Events are held until they are `slackMs` older than the drain
   * (default 10 ms): later commits of earlier timestamps are not expected past it.
   */
  readonly merge?: boolean | { readonly slackMs?: number };
  /** Bytes of the ring between the reader thread and JavaScript (default 8 MiB). */
  readonly jsRingBytes?: number;
  /** Most record bytes in one batch, and so per ring per drain (default 256 KiB). */
  readonly maxBatchBytes?: number;
  /**
   * `wait` (default): leave records in the kernel rings until JavaScript makes
   * room — if those fill, the program counts the drops. `drop`: keep draining the
   * kernel and count what JavaScript had no room for as dropped here.
   */
  readonly whenJsRingFull?: WhenJsRingFull;
  /** stop(): how long the last drain waits for room in the JS ring without progress (default 2000 ms). */
  readonly finalDrainTimeoutMs?: number;
  /** Batches handed out before the event loop gets a turn (default 64). */
  readonly batchesPerTurn?: number;
}

/** Timing the reader thread takes from the object's wakeup policy. */
export interface ReaderTiming {
  readonly policy: number;
  readonly periodMs: number;
}

/** One kernel ring a reader takes. */
export interface ReaderRing {
  /** Its place among the reader's rings: what batch.ring and batch.ringOf(i) say. */
  readonly index: number;
  /** The path of the object it belongs to, and its map's name. */
  readonly object: string;
  readonly map: string;
  /** The CPU, for one of an object's per-CPU rings; null for a ringbuf map. */
  readonly cpu: number | null;
  /** The layout its batches are read with. */
  readonly schema: RingSchema | null;
}

/** What the reader took out of one kernel ring. */
export interface ReaderRingStats extends ReaderRing {
  /** Taken out of the kernel ring: delivered into the JS ring, handed to the merge, or dropped. */
  readonly records: number;
  readonly events: number;
  readonly bytes: number;
  /** Batches delivered from it (merged batches belong to no one ring). */
  readonly batches: number;
  /**
   * Of those taken, dropped by the reader (`drop`, or left when stop() gave up); under merge,
   * events dropped after merging count in the reader's stats only.
   */
  readonly droppedRecords: number;
  readonly droppedEvents: number;
  readonly discarded: number;
  readonly oversized: number;
  /** Events the program found no room for in this ring (its drops map; 0 without one). */
  readonly kernelDropped: number;
}

/** @internal A ring as the object that owns it resolved it for a reader. */
export interface ResolvedRing {
  readonly object: string;
  readonly map: string;
  readonly source: RawRingSource;
  readonly perCpu: boolean;
  readonly schema: RingSchema | null;
  readonly kernelDropped: () => number;
}

/** What the reader thread and the JS side counted. */
export interface ReaderStats {
  readonly state: ReaderStateName;
  /** Drain rounds, and those started by a kernel notification. */
  readonly rounds: number;
  readonly wakeups: number;
  /** Delivered into the JS ring by the reader thread. */
  readonly records: number;
  readonly events: number;
  readonly bytes: number;
  readonly batches: number;
  /** Drains cut short by maxBatchBytes (the rest followed at once). */
  readonly cappedDrains: number;
  /** Drains deferred because the JS ring was full (`wait`). */
  readonly fullStalls: number;
  /** `drop`: records and events consumed from the kernel that the JS ring had no room for. */
  readonly droppedRecords: number;
  readonly droppedEvents: number;
  /** Records the program discarded (skipped), and records too large for a batch (dropped). */
  readonly discarded: number;
  readonly oversized: number;
  /** Events the merge holds back now. */
  readonly mergeHeld: number;
  /** Taken out of the JS ring by JavaScript. */
  readonly consumedBatches: number;
  readonly consumedEvents: number;
  /** The JS ring's own figures (its `dropped` counts batches). */
  readonly jsRing: RingStats;
}

const MiB = 1024 * 1024;

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new BpfError('INVALID_OPTIONS', `${what} must be a positive whole number, got ${value}.`);
  return value;
}

/**
 * Batches of events from kernel rings of one object or several, delivered by a native thread
 * through an spsc-ring byte ring. Read with `for await (const batch of reader)` or
 * `reader.onBatch(callback)` — one of them, once.
 */
export class BpfReader<F extends FieldSpecs = FieldSpecs> implements AsyncIterable<EventBatch<F>> {
  /** The kernel rings it takes, by index (one per CPU for a per-CPU ring map). */
  readonly rings: readonly ReaderRing[];
  private readonly ring: SharedArrayBuffer;
  private readonly statsWords: Float64Array;
  private readonly ringWords: Float64Array;
  private readonly kernelDropped: readonly (() => number)[];
  private readonly consumer: ByteConsumer;
  private readonly view: DataView;
  /** One batch view per schema; batchOfRing[i] reads ring i's, mergedBatch merged ones. */
  private readonly batchOfRing: EventBatch<F>[];
  private readonly mergedBatch: EventBatch<F>;
  private batch: EventBatch<F>;
  private readonly onStopped: () => void;
  private readonly batchesPerTurn: number;
  private raw: RawReader | null;
  private consuming = false;
  private readonly waitOptions: WaitOptions;
  private readonly pollMs: number;
  /** Under the timer policy, the wait between polls of the JS ring (period.ts). */
  private poll: Period | null = null;
  private stopping = false;
  private consumedBatches = 0;
  private consumedEvents = 0;

  /** @internal Created by BpfObject.read() and readRings(). */
  constructor(
    rings: readonly ResolvedRing[],
    timing: ReaderTiming,
    options: ReadOptions<F>,
    onStopped: () => void,
  ) {
    const schema = options.schema ?? null;
    if (options.periodMs !== undefined)
      throw new BpfError(
        'INVALID_OPTIONS',
        "periodMs is mode 'direct''s: the reader thread drains on the object's wakeup policy (open it with policy { kind: 'timer', periodMs }).",
      );
    this.onStopped = onStopped;
    const jsRingBytes = positiveInteger(options.jsRingBytes ?? 8 * MiB, 'jsRingBytes');
    const maxBatchBytes = positiveInteger(options.maxBatchBytes ?? 256 * 1024, 'maxBatchBytes');
    this.batchesPerTurn = positiveInteger(options.batchesPerTurn ?? 64, 'batchesPerTurn');
    this.waitOptions = { tickMs: 100, spin: 0 };
    this.pollMs = timing.policy === Policy.TIMER ? timing.periodMs : 0;
    const whenFull = options.whenJsRingFull ?? 'wait';
    if (whenFull !== 'wait' && whenFull !== 'drop')
      throw new BpfError(
        'INVALID_OPTIONS',
        `whenJsRingFull must be 'wait' or 'drop', got ${JSON.stringify(whenFull)}.`,
      );
    const merge = options.merge ?? false;
    const slackMs = typeof merge === 'object' ? (merge.slackMs ?? 10) : 10;
    if (merge !== false) {
      const other = rings.find((ring) => ring.schema !== (schema as RingSchema | null));
      if (other !== undefined)
        throw new BpfError(
          'INVALID_OPTIONS',
          `merge needs one schema for every ring, but ring map '${other.map}' of ${other.object} has its own: merge rings of one event type, or read the others with another reader.`,
        );
      if (schema?.timestamp == null)
        throw new BpfError(
          'INVALID_OPTIONS',
          'merge needs a schema with a timestamp field (defineSchema({ …, timestamp })).',
        );
      if (!(slackMs >= 0))
        throw new BpfError(
          'INVALID_OPTIONS',
          `merge.slackMs must be a number ≥ 0, got ${slackMs}.`,
        );
    }
    // `block` makes the ring count nothing itself when the reader thread waits (`wait`);
    // under `drop` every batch it had no room for is counted on the ring's producer line.
    this.ring = createRing({
      kind: 'bytes',
      capacity: jsRingBytes,
      waitDomain: 'os',
      fullPolicy: whenFull === 'drop' ? 'drop' : 'block',
    });
    const maxRecord = (jsRingBytes >>> 3) - 8;
    if (maxBatchBytes + Batch.HEADER_BYTES > maxRecord)
      throw new BpfError(
        'INVALID_OPTIONS',
        `maxBatchBytes ${maxBatchBytes} plus the ${Batch.HEADER_BYTES}-byte batch header exceeds the JS ring's largest record (${maxRecord} bytes for jsRingBytes ${jsRingBytes}): raise jsRingBytes to at least ${(maxBatchBytes + Batch.HEADER_BYTES + 8) * 8} or lower maxBatchBytes.`,
      );
    const statsBuffer = new SharedArrayBuffer(Stats.WORDS * 8);
    this.statsWords = new Float64Array(statsBuffer);
    const ringStatsBuffer = new SharedArrayBuffer(rings.length * RingWords.WORDS * 8);
    this.ringWords = new Float64Array(ringStatsBuffer);
    this.consumer = ByteConsumer.attach(this.ring);
    const data = this.consumer.data;
    // Touch every page of the empty ring now, so the reader thread's first lap
    // through it takes no page faults (one per 4 KiB, costly in a VM).
    data.fill(0);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const batches = new Map<RingSchema | null, EventBatch<F>>();
    const batchOf = (ringSchema: RingSchema | null) => {
      let batch = batches.get(ringSchema);
      if (batch === undefined) {
        batch = new EventBatch<F>(this.view, ringSchema as Schema<F> | null);
        batches.set(ringSchema, batch);
      }
      return batch;
    };
    this.mergedBatch = batchOf(schema);
    this.batchOfRing = rings.map((ring) => batchOf(ring.schema));
    this.batch = this.mergedBatch;
    this.rings = rings.map((ring, index) => ({
      index,
      object: ring.object,
      map: ring.map,
      cpu: ring.perCpu ? ring.source.cpu : null,
      schema: ring.schema,
    }));
    this.kernelDropped = rings.map((ring) => ring.kernelDropped);
    const timestampOffset = schema?.timestamp != null ? schema.fields[schema.timestamp]!.offset : 0;
    const binding = requireNative('read');
    this.raw = native(() =>
      binding.startReader({
        rings: rings.map((ring, index) => ({
          fd: ring.source.fd,
          bytes: ring.source.bytes,
          index,
          eventBytes: ring.schema?.size ?? 0,
        })),
        ringStats: new Uint8Array(ringStatsBuffer),
        ring: new Uint8Array(this.ring),
        stats: new Uint8Array(statsBuffer),
        policy: timing.policy,
        periodMs: timing.periodMs,
        maxBatchBytes,
        eventBytes: schema?.size ?? 0,
        merge: merge !== false,
        timestampOffset,
        mergeSlackNs: Math.round(slackMs * 1e6),
        dropWhenFull: whenFull === 'drop',
        finalDrainTimeoutMs: positiveInteger(
          options.finalDrainTimeoutMs ?? 2000,
          'finalDrainTimeoutMs',
        ),
      }),
    );
  }

  /** Stops draining the kernel rings (records wait there, and count as drops if they fill). */
  pause(): void {
    this.raw?.pause();
  }

  resume(): void {
    this.raw?.resume();
  }

  /**
   * Drains what the kernel rings hold into the stream, ends it (iteration and
   * `onBatch` finish after the last batch) and resolves once the reader thread
   * exited. If nothing consumes and the JS ring stays full for
   * `finalDrainTimeoutMs`, what is left is counted as dropped. Idempotent.
   */
  async stop(): Promise<void> {
    const raw = this.raw;
    if (raw === null) return;
    this.stopping = true;
    native(() => raw.stop());
    while (this.statsWords[Stats.STATE]! < STOPPED) await delay(2);
    this.raw = null;
    native(() => raw.join());
    this.onStopped();
  }

  /** @internal Stops at once (BpfObject.close): a final drain finds no room → counted as dropped. */
  stopNow(): void {
    const raw = this.raw;
    if (raw === null) return;
    this.raw = null;
    this.stopping = true;
    try {
      native(() => {
        raw.stop();
        raw.join();
      });
    } finally {
      this.onStopped();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventBatch<F>> {
    this.claimConsumption();
    let handedOut = 0;
    try {
      for (;;) {
        const record = this.consumer.peek();
        if (record !== null) {
          this.take(record.offset, record.length, record.type);
          yield this.batch;
          this.consumer.consumePeek();
          if (++handedOut % this.batchesPerTurn === 0) await nextTurn();
          continue;
        }
        if ((await this.nextBatch()) === 'closed') return;
      }
    } finally {
      this.poll?.close(); // a loop left early leaves no timer open
    }
  }

  /**
   * Calls `callback` with every batch (a view valid until it returns); resolves
   * once the stream ended and everything was handed out.
   */
  async onBatch(callback: (batch: EventBatch<F>) => void): Promise<void> {
    this.claimConsumption();
    const handle = (_data: Uint8Array, offset: number, length: number, type: number) => {
      this.take(offset, length, type);
      callback(this.batch);
    };
    try {
      for (;;) {
        if (this.consumer.drain(handle, this.batchesPerTurn) === this.batchesPerTurn) {
          await nextTurn();
          continue;
        }
        if ((await this.nextBatch()) === 'closed') return;
      }
    } finally {
      this.poll?.close(); // a callback that threw leaves no timer open
    }
  }

  stats(): ReaderStats {
    const words = this.statsWords;
    return {
      state: ReaderState[words[Stats.STATE]!] ?? 'failed',
      rounds: words[Stats.ROUNDS]!,
      wakeups: words[Stats.WAKEUPS]!,
      records: words[Stats.RECORDS]!,
      events: words[Stats.EVENTS]!,
      bytes: words[Stats.BYTES]!,
      batches: words[Stats.BATCHES]!,
      cappedDrains: words[Stats.CAPPED_DRAINS]!,
      fullStalls: words[Stats.FULL_STALLS]!,
      droppedRecords: words[Stats.DROPPED_RECORDS]!,
      droppedEvents: words[Stats.DROPPED_EVENTS]!,
      discarded: words[Stats.DISCARDED]!,
      oversized: words[Stats.OVERSIZED]!,
      mergeHeld: words[Stats.MERGE_HELD]!,
      consumedBatches: this.consumedBatches,
      consumedEvents: this.consumedEvents,
      jsRing: this.consumer.stats(),
    };
  }

  /**
   * What the reader took out of each of its kernel rings, by index (see `rings`), with the
   * drops its program counted for that ring.
   */
  ringStats(): ReaderRingStats[] {
    return ringStatsOf(this.rings, this.ringWords, this.kernelDropped);
  }

  /**
   * The JS ring's fill mark — the most bytes a drain of this reader found waiting since the
   * last take — reset to 0 (spsc-ring's takeFillMark): for the one monitor that samples this
   * reader. `stats().jsRing.fillMark` reads it without taking it.
   */
  takeJsRingFillMark(): number {
    return takeFillMark(this.ring);
  }

  /** True once stop() was called (the stream still yields what was delivered before). */
  get stopped(): boolean {
    return this.stopping;
  }

  /**
   * Waits for the next batch. Under the timer policy batches come once a period,
   * so a timer on the event loop (a native one, period.ts) polls for them: no wake-up
   * crosses threads and the reader thread never pays for one. Otherwise the reader wakes us.
   */
  private async nextBatch(): Promise<'ready' | 'closed'> {
    if (this.pollMs === 0) {
      const outcome = await this.consumer.waitAsync(this.waitOptions);
      return outcome === 'closed' ? 'closed' : 'ready';
    }
    this.poll ??= new Period(this.pollMs);
    for (;;) {
      if (this.consumer.peek() !== null) return 'ready';
      if (this.consumer.isEnded()) {
        this.poll.close();
        return 'closed';
      }
      await this.poll.over();
    }
  }

  private claimConsumption(): void {
    if (this.consuming)
      throw new BpfError(
        'INVALID_OPTIONS',
        'this reader is already being consumed: iterate it or call onBatch() once.',
      );
    this.consuming = true;
  }

  private take(offset: number, length: number, type: number): void {
    if (type !== Batch.TYPE)
      throw new BpfError(
        'READER_FAILED',
        `the JS ring holds a record of type ${type}, not a batch (${Batch.TYPE}); something else wrote into it.`,
      );
    const ring = length >= Batch.HEADER_BYTES ? this.view.getUint32(offset + Batch.RING, true) : 0;
    this.batch =
      ring === Batch.MERGED_RING_INDEX
        ? this.mergedBatch
        : (this.batchOfRing[ring] ?? this.mergedBatch);
    this.batch.load(offset, length);
    this.consumedBatches++;
    this.consumedEvents += this.batch.length;
  }
}

const STOPPED = ReaderState.indexOf('stopped');

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Gives the event loop a turn (timers, I/O) between runs of batches. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Each ring's counts from a reader's per-ring words (layout.ts's RingStats, one block per ring),
 * with the drops its program counted: what both reader modes' ringStats() return.
 */
export function ringStatsOf(
  rings: readonly ReaderRing[],
  words: Float64Array,
  kernelDropped: readonly (() => number)[],
): ReaderRingStats[] {
  return rings.map((ring, index) => {
    const at = index * RingWords.WORDS;
    return {
      ...ring,
      records: words[at + RingWords.RECORDS]!,
      events: words[at + RingWords.EVENTS]!,
      bytes: words[at + RingWords.BYTES]!,
      batches: words[at + RingWords.BATCHES]!,
      droppedRecords: words[at + RingWords.DROPPED_RECORDS]!,
      droppedEvents: words[at + RingWords.DROPPED_EVENTS]!,
      discarded: words[at + RingWords.DISCARDED]!,
      oversized: words[at + RingWords.OVERSIZED]!,
      kernelDropped: kernelDropped[index]!(),
    };
  });
}
