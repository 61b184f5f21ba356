import {
  type CounterRole,
  CounterWriter,
  loadCounter,
  loadPositionCounter,
  publishPositionAcrossWrap,
} from './counter.js';
import { RingError } from './errors.js';
import {
  type AttachExpectations,
  describeRing,
  type RingDescriptor,
  type RingKindName,
  type WaitDomainName,
} from './header.js';
import {
  Consumer,
  DATA_OFFSET,
  HEADER_BYTES,
  Notification,
  Producer,
  PublishMode,
} from './layout.js';
import { Liveness, type PeerAliveOptions } from './liveness.js';
import { publishModeOfThisThread } from './publish-mode.js';
import { RingViews } from './views.js';
import {
  type Sleeper,
  type SleepPrimitive,
  sleepPrimitive,
  type WaitOptions,
  type WaitOutcome,
  waitAsync,
  waitSync,
  wakeIfWaiting,
} from './wait.js';

export interface AttachOptions {
  /** Refuse the ring unless it was created with this wait domain. */
  readonly waitDomain?: WaitDomainName;
  /**
   * How this end publishes its position. `auto` (default): a plain store where the process is
   * registered for membarrier (publish-mode.ts), so a record costs no fence, and the peer,
   * before each sleep, issues that barrier — a system call that interrupts every CPU.
   * `fenced`: `Atomics.store` always, and the peer sleeps with no barrier: for ends that
   * publish once per batch while their peer sleeps often (a pipeline of hops on few cores),
   * where the barriers would cost more than the fences.
   */
  readonly publish?: 'auto' | 'fenced';
}

export interface RingStats {
  /** Slots (fixed) or bytes (byte records). */
  readonly capacity: number;
  /** Slots or bytes holding records not yet consumed. */
  readonly used: number;
  readonly pushed: number;
  readonly popped: number;
  readonly dropped: number;
  readonly closed: boolean;
  /**
   * The most slots or bytes the consumer's drains found waiting since the mark was last taken
   * (takeFillMark): `used` is one instant, usually just after a drain; this is the peak between
   * two samples.
   */
  readonly fillMark: number;
}

function publishModeOf(options: AttachOptions): number {
  const publish = options.publish ?? 'auto';
  if (publish !== 'auto' && publish !== 'fenced')
    throw new RingError(
      'INVALID_OPTIONS',
      `publish must be 'auto' or 'fenced', publish=${JSON.stringify(publish)}.`,
    );
  return publish === 'fenced' ? PublishMode.FENCED : publishModeOfThisThread();
}

/** Header word indices (the header is read as an Int32Array). */
export const Word = {
  WRITE_POSITION: Producer.WRITE_POSITION >> 2,
  CLOSED: Producer.CLOSED >> 2,
  READ_POSITION: Consumer.READ_POSITION >> 2,
  CONSUMER_WAITING: Notification.CONSUMER_WAITING >> 2,
  DATA_SIGNAL: Notification.DATA_SIGNAL >> 2,
  PRODUCER_WAITING: Notification.PRODUCER_WAITING >> 2,
  SPACE_SIGNAL: Notification.SPACE_SIGNAL >> 2,
  PRODUCER_PUBLISH_MODE: Producer.PUBLISH_MODE >> 2,
  CONSUMER_PUBLISH_MODE: Consumer.PUBLISH_MODE >> 2,
  FILL_MARK: Consumer.FILL_MARK >> 2,
} as const;

/** What both ends of both ring kinds share: the validated header, the data area, waking, stats. */
export abstract class RingEnd {
  readonly buffer: SharedArrayBuffer;
  readonly descriptor: RingDescriptor;
  /** The data area: offsets handed to drain handlers and claims index into it. */
  readonly data: Uint8Array;
  /** The data area as bytes, DataView, i32/u32/f32/f64 words and UTF-8 text, for fields read or written in place. */
  readonly views: RingViews;
  /** The data area as 32-bit words (its length rounded down), for copies of small records. */
  protected readonly dataWords: Int32Array;
  protected readonly words: Int32Array;
  protected readonly primitive: SleepPrimitive;
  protected readonly mask: number;
  protected readonly capacity: number;

  protected constructor(buffer: SharedArrayBuffer, kind: RingKindName, options: AttachOptions) {
    const expect: AttachExpectations =
      options.waitDomain === undefined ? { kind } : { kind, waitDomain: options.waitDomain };
    this.descriptor = describeRing(buffer, expect);
    this.buffer = buffer;
    this.words = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    this.views = new RingViews(buffer, DATA_OFFSET, this.descriptor.dataBytes);
    this.data = this.views.bytes;
    this.dataWords = this.views.i32;
    this.primitive = sleepPrimitive(this.descriptor.waitDomain);
    this.mask = this.descriptor.mask;
    this.capacity = this.descriptor.capacity;
  }

  protected abstract readonly liveness: Liveness;

  /** The other side attached, its process exists and (with `withinMs`) it beat that recently. */
  peerAlive(options: PeerAliveOptions = {}): boolean {
    return this.liveness.peerAlive(options);
  }

  /** A sign of life for the other side's `peerAlive` (attach, waits and every 1024 records beat on their own). */
  beat(): void {
    this.liveness.beat();
  }

  stats(): RingStats {
    return statsOf(this.words, this.descriptor);
  }
}

/**
 * Pushed and popped: in a fixed ring each is its side's position with the
 * counter's high words above it (LAYOUT.md), in a byte ring its own counter.
 * The side's own end takes it as `owner` (at attach), everyone else as `reader`.
 */
function loadSideCounter(
  words: Int32Array,
  { kind, capacity }: RingDescriptor,
  side: 'producer' | 'consumer',
  role: CounterRole = 'reader',
) {
  const [counter, position] =
    side === 'producer'
      ? [Producer.PUSHED, Word.WRITE_POSITION]
      : [Consumer.POPPED, Word.READ_POSITION];
  return kind === 'fixed'
    ? loadPositionCounter(words, counter, position, capacity, role)
    : loadCounter(words, counter, role);
}

function statsOf(words: Int32Array, descriptor: RingDescriptor): RingStats {
  const write = Atomics.load(words, Word.WRITE_POSITION) >>> 0;
  const read = Atomics.load(words, Word.READ_POSITION) >>> 0;
  return {
    capacity: descriptor.capacity,
    used: (write - read) >>> 0,
    pushed: loadSideCounter(words, descriptor, 'producer'),
    popped: loadSideCounter(words, descriptor, 'consumer'),
    dropped: loadCounter(words, Producer.DROPPED),
    closed: Atomics.load(words, Word.CLOSED) !== 0,
    fillMark: Atomics.load(words, Word.FILL_MARK) >>> 0,
  };
}

/**
 * A ring's stats without attaching an end: for monitors and dashboards, which
 * must not take over a side's pid and heartbeat the way attaching does.
 */
export function readRingStats(buffer: SharedArrayBuffer): RingStats {
  const descriptor = describeRing(buffer); // validates the header first
  return statsOf(new Int32Array(buffer, 0, HEADER_BYTES >> 2), descriptor);
}

/**
 * The ring's fill mark, reset to 0 so the next take sees the peak since this one: for one
 * monitor sampling a ring, whose `used` nearly always reads the instant after a drain. (Two
 * monitors taking it would each see part of the peaks.) The consumer raises the mark at each
 * drain; a drain racing with a take may leave its own fill as the mark, never a lower one.
 */
export function takeFillMark(buffer: SharedArrayBuffer): number {
  describeRing(buffer);
  return Atomics.exchange(new Int32Array(buffer, 0, HEADER_BYTES >> 2), Word.FILL_MARK, 0) >>> 0;
}

/** The producer's shared machinery: publishing, counting, closing, waiting for space. */
export abstract class ProducerEnd extends RingEnd {
  /** Local: nobody else writes the write position. */
  protected writePosition: number;
  /** Local copy of the consumer's position, re-read only when the ring looks full. */
  protected readPositionCache: number;
  /** Byte rings: records pushed (a fixed ring's count is its position, see pushedHigh). */
  private pushedCount: number;
  protected droppedCount: number;
  protected closed: boolean;
  protected readonly liveness: Liveness;
  /** Byte rings: publishes, for a beat every 1024th. */
  private publishes = 0;
  /** Publish the write position with a plain store (see publish-mode.ts). */
  private readonly light: boolean;
  /** Fixed rings: pushed's high word, the times the position wrapped past 2³². */
  private pushedHigh: number;
  private readonly pushedWriter: CounterWriter;
  private readonly droppedWriter: CounterWriter;
  private readonly spaceSleeper: Sleeper;
  private spaceWanted = 0;

  protected constructor(buffer: SharedArrayBuffer, kind: RingKindName, options: AttachOptions) {
    super(buffer, kind, options);
    this.writePosition = Atomics.load(this.words, Word.WRITE_POSITION) >>> 0;
    this.readPositionCache = Atomics.load(this.words, Word.READ_POSITION) >>> 0;
    this.pushedCount = loadSideCounter(this.words, this.descriptor, 'producer', 'owner');
    this.pushedHigh = Math.floor(this.pushedCount / 2 ** 32);
    this.droppedCount = loadCounter(this.words, Producer.DROPPED, 'owner');
    this.closed = Atomics.load(this.words, Word.CLOSED) !== 0;
    this.pushedWriter = new CounterWriter(this.words, Producer.PUSHED);
    this.droppedWriter = new CounterWriter(this.words, Producer.DROPPED);
    this.liveness = new Liveness(this.words, 'producer');
    this.liveness.announce();
    // Stored before the first publish; a sleeper reads it after raising its flag (wait.ts).
    const mode = publishModeOf(options);
    this.light = mode === PublishMode.LIGHT;
    Atomics.store(this.words, Word.PRODUCER_PUBLISH_MODE, mode);
    this.spaceSleeper = {
      words: this.words,
      primitive: this.primitive,
      flagIndex: Word.PRODUCER_WAITING,
      signalIndex: Word.SPACE_SIGNAL,
      peerModeIndex: Word.CONSUMER_PUBLISH_MODE,
      check: () => (this.freeSpace(this.spaceWanted) >= this.spaceWanted ? 'ready' : null),
      tick: (peerTimeoutMs) => this.liveness.tick(peerTimeoutMs),
    };
  }

  /** Free slots or bytes; the consumer's position is re-read only when fewer than `wanted` look free. */
  protected freeSpace(wanted: number): number {
    let free = this.capacity - ((this.writePosition - this.readPositionCache) >>> 0);
    if (free < wanted) {
      // Acquire: the consumer's release store of its position covers its last reads.
      this.readPositionCache = Atomics.load(this.words, Word.READ_POSITION) >>> 0;
      free = this.capacity - ((this.writePosition - this.readPositionCache) >>> 0);
      if (free < 0) this.throwPositionsCorrupted();
    }
    return free;
  }

  private throwPositionsCorrupted(): never {
    throw new RingError(
      'CORRUPTED',
      `read position ${this.readPositionCache} is ahead of write position ${this.writePosition}; the ring header was overwritten.`,
    );
  }

  /**
   * Release: every byte written before this store is visible to a consumer that loads it. Once
   * per batch, after the local write position moved past `records` records. A fixed ring's
   * publish stores nothing but the position: across threads each extra store of a one-record
   * push queues behind the ones waiting for the consumer's cache lines. (Byte rings: see
   * publishCounted.)
   */
  protected publish(records: number): void {
    // The position is pushed's low word: it wrapped past 2³² when it is now below what it gained.
    if (this.writePosition < records) this.publishAcrossWrap();
    else this.storeWritePosition();
    // A beat every 1024 records: the position just crossed a multiple of 1024.
    if ((this.writePosition & 1023) < records) this.liveness.beat();
  }

  /** Byte rings: the position, then the pushed counter (the position counts bytes). */
  protected publishCounted(records: number): void {
    this.storeWritePosition();
    // A separate counter store after the position made a consumer spinning on this line take it twice.
    this.pushedCount += records;
    this.pushedWriter.store(this.pushedCount);
    if ((++this.publishes & 1023) === 0) this.liveness.beat();
  }

  private storeWritePosition(): void {
    if (this.light) this.words[Word.WRITE_POSITION] = this.writePosition | 0;
    else Atomics.store(this.words, Word.WRITE_POSITION, this.writePosition | 0);
    wakeIfWaiting(this.words, this.primitive, Word.CONSUMER_WAITING, Word.DATA_SIGNAL);
  }

  private publishAcrossWrap(): void {
    this.pushedHigh += 1;
    const pushed = this.pushedHigh * 2 ** 32 + this.writePosition;
    publishPositionAcrossWrap(this.words, Producer.PUSHED, Word.WRITE_POSITION, pushed);
    wakeIfWaiting(this.words, this.primitive, Word.CONSUMER_WAITING, Word.DATA_SIGNAL);
  }

  /** Records that did not fit: counted under `drop`, left to the caller under `block`. */
  protected refuse(records: number): void {
    if (this.descriptor.fullPolicy !== 'drop' || records <= 0) return;
    this.droppedCount += records;
    this.droppedWriter.store(this.droppedCount);
  }

  protected assertOpen(): void {
    if (this.closed)
      throw new RingError('CLOSED', 'ring is closed; no record may be pushed after close().');
  }

  /** Waits (blocking this thread) until `wanted` slots or bytes are free. */
  protected waitForSpaceSync(wanted: number, options: WaitOptions): void {
    if (this.freeSpace(wanted) >= wanted) return;
    this.spaceWanted = wanted;
    this.throwUnlessReady(waitSync(this.spaceSleeper, options), options);
  }

  protected async waitForSpaceAsync(wanted: number, options: WaitOptions): Promise<void> {
    if (this.freeSpace(wanted) >= wanted) return;
    this.spaceWanted = wanted;
    this.throwUnlessReady(await waitAsync(this.spaceSleeper, options), options);
  }

  /**
   * `pushAll`: pushes every record of a batch, `pushFrom(first)` pushing what fits from
   * record `first` on; under `block` waits (blocking this thread) for `roomFor(first)` between
   * tries, all within one `timeoutMs`. Under `drop` one try: what did not fit is counted dropped.
   */
  protected pushEachSync(
    total: number,
    pushFrom: (first: number) => number,
    roomFor: (first: number) => number,
    options: WaitOptions,
  ): number {
    const steps = this.pushEachSteps(total, pushFrom, roomFor, options);
    let step = steps.next();
    while (!step.done) {
      try {
        this.waitForSpaceSync(step.value.wanted, step.value.options);
        step = steps.next();
      } catch (error) {
        step = steps.throw(error); // rethrown there, saying how far the batch got
      }
    }
    return step.value;
  }

  /** The same without blocking the event loop. */
  protected async pushEachAsync(
    total: number,
    pushFrom: (first: number) => number,
    roomFor: (first: number) => number,
    options: WaitOptions,
  ): Promise<number> {
    const steps = this.pushEachSteps(total, pushFrom, roomFor, options);
    let step = steps.next();
    while (!step.done) {
      try {
        await this.waitForSpaceAsync(step.value.wanted, step.value.options);
        step = steps.next();
      } catch (error) {
        step = steps.throw(error);
      }
    }
    return step.value;
  }

  /** pushEach's loop, written once for both callers: it yields each wait it needs. */
  private *pushEachSteps(
    total: number,
    pushFrom: (first: number) => number,
    roomFor: (first: number) => number,
    options: WaitOptions,
  ): Generator<{ wanted: number; options: WaitOptions }, number, void> {
    let pushed = pushFrom(0);
    if (this.descriptor.fullPolicy === 'drop') return pushed;
    const deadline = performance.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    while (pushed < total) {
      const timeoutMs = Math.max(0, deadline - performance.now());
      try {
        yield { wanted: roomFor(pushed), options: { ...options, timeoutMs } };
      } catch (error) {
        throw withPushedCount(error, pushed, total);
      }
      pushed += pushFrom(pushed);
    }
    return pushed;
  }

  private throwUnlessReady(outcome: WaitOutcome, options: WaitOptions): void {
    if (outcome === 'ready') return;
    if (outcome === 'until')
      throw new RingError(
        'TIMEOUT',
        'gave up waiting for space in the ring: the until() condition became true.',
      );
    if (outcome === 'peer-gone') {
      throw new RingError(
        'PEER_GONE',
        `the ring is full and its consumer (pid ${this.liveness.peerPid()}) is gone; attach a new consumer to drain it.`,
      );
    }
    throw new RingError(
      'TIMEOUT',
      `ring stayed full for ${options.timeoutMs} ms; the consumer is not keeping up (or is gone).`,
    );
  }

  /** Ends the stream: the consumer drains what was published, then sees 'closed'. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.words, Word.CLOSED, 1);
    wakeIfWaiting(this.words, this.primitive, Word.CONSUMER_WAITING, Word.DATA_SIGNAL);
  }
}

/** The consumer's shared machinery: availability, publishing the read position, waiting for records. */
export abstract class ConsumerEnd extends RingEnd {
  protected readPosition: number;
  /** Local copy of the producer's position, re-read only when the ring looks empty. */
  protected writePositionCache: number;
  /** Byte rings: records consumed (a fixed ring's count is its position, see poppedHigh). */
  private poppedCount: number;
  protected readonly liveness: Liveness;
  /** Byte rings: publishes of the read position, for a beat every 1024th. */
  private drains = 0;
  /** Publish the read position with a plain store (see publish-mode.ts). */
  private readonly light: boolean;
  /** Fixed rings: popped's high word, the times the position wrapped past 2³². */
  private poppedHigh: number;
  private readonly poppedWriter: CounterWriter;
  private readonly dataSleeper: Sleeper;

  protected constructor(buffer: SharedArrayBuffer, kind: RingKindName, options: AttachOptions) {
    super(buffer, kind, options);
    this.readPosition = Atomics.load(this.words, Word.READ_POSITION) >>> 0;
    this.writePositionCache = Atomics.load(this.words, Word.WRITE_POSITION) >>> 0;
    this.poppedCount = loadSideCounter(this.words, this.descriptor, 'consumer', 'owner');
    this.poppedHigh = Math.floor(this.poppedCount / 2 ** 32);
    this.poppedWriter = new CounterWriter(this.words, Consumer.POPPED);
    this.liveness = new Liveness(this.words, 'consumer');
    this.liveness.announce();
    const mode = publishModeOf(options);
    this.light = mode === PublishMode.LIGHT;
    Atomics.store(this.words, Word.CONSUMER_PUBLISH_MODE, mode);
    this.dataSleeper = {
      words: this.words,
      primitive: this.primitive,
      flagIndex: Word.CONSUMER_WAITING,
      signalIndex: Word.DATA_SIGNAL,
      peerModeIndex: Word.PRODUCER_PUBLISH_MODE,
      check: (atLeast = 1) => {
        if (this.available() >= atLeast) return 'ready';
        // Fewer than asked: look at the producer's position again (available() trusts its cache).
        if (atLeast > 1 && this.refreshAvailable() >= atLeast) return 'ready';
        // Closed is stored after the last publish: seeing it, then re-reading the position, misses nothing.
        if (Atomics.load(this.words, Word.CLOSED) === 0) return null;
        return this.available() > 0 ? 'ready' : 'closed';
      },
      tick: (peerTimeoutMs) => this.liveness.tick(peerTimeoutMs),
    };
  }

  /** Slots or bytes published and not yet consumed; the producer's position is re-read only when that looks like 0. */
  protected available(): number {
    let available = (this.writePositionCache - this.readPosition) >>> 0;
    if (available === 0) {
      // Acquire: the producer's release store of its position covers the records' bytes.
      this.writePositionCache = Atomics.load(this.words, Word.WRITE_POSITION) >>> 0;
      available = (this.writePositionCache - this.readPosition) >>> 0;
      if (available > this.capacity)
        throw new RingError(
          'CORRUPTED',
          `write position ${this.writePositionCache} is ${available} ahead of read position ${this.readPosition}, more than the capacity; the ring header was overwritten.`,
        );
    }
    return available;
  }

  /** As available(), but always re-reads the producer's position. */
  private refreshAvailable(): number {
    this.writePositionCache = this.readPosition;
    return this.available();
  }

  /**
   * Raises the fill mark to what a drain found waiting. A load and a compare on this side's own
   * line, and a store only for a new peak: a drain's worth of records pays for it.
   */
  protected noteFill(fill: number): void {
    if (fill > Atomics.load(this.words, Word.FILL_MARK) >>> 0)
      Atomics.store(this.words, Word.FILL_MARK, fill | 0);
  }

  /** Release: the producer may reuse everything before this position. Once per batch (fixed rings). */
  protected publishRead(records: number): void {
    if (this.readPosition < records) this.publishReadAcrossWrap();
    else this.storeReadPosition();
    if ((this.readPosition & 1023) < records) this.liveness.beat();
  }

  /** Byte rings: the position, then the popped counter. */
  protected publishReadCounted(records: number): void {
    this.storeReadPosition();
    this.poppedCount += records;
    this.poppedWriter.store(this.poppedCount);
    if ((++this.drains & 1023) === 0) this.liveness.beat();
  }

  private storeReadPosition(): void {
    if (this.light) this.words[Word.READ_POSITION] = this.readPosition | 0;
    else Atomics.store(this.words, Word.READ_POSITION, this.readPosition | 0);
    wakeIfWaiting(this.words, this.primitive, Word.PRODUCER_WAITING, Word.SPACE_SIGNAL);
  }

  private publishReadAcrossWrap(): void {
    this.poppedHigh += 1;
    const popped = this.poppedHigh * 2 ** 32 + this.readPosition;
    publishPositionAcrossWrap(this.words, Consumer.POPPED, Word.READ_POSITION, popped);
    wakeIfWaiting(this.words, this.primitive, Word.PRODUCER_WAITING, Word.SPACE_SIGNAL);
  }

  /** True once the producer closed the ring and every record was consumed. */
  isEnded(): boolean {
    return this.dataSleeper.check() === 'closed';
  }

  /** Blocks this thread until records arrive, the ring is closed and empty, time runs out, or `until()` holds. */
  wait(options: WaitOptions = {}): WaitOutcome {
    return waitSync(this.dataSleeper, options);
  }

  /** The same without blocking the event loop. */
  waitAsync(options: WaitOptions = {}): Promise<WaitOutcome> {
    return waitAsync(this.dataSleeper, options);
  }
}

/** A wait of pushAll that failed, saying how far the batch got. */
function withPushedCount(error: unknown, pushed: number, total: number): unknown {
  if (!(error instanceof RingError)) return error;
  return new RingError(
    error.code,
    `${error.message.replace(/\.$/, '')}; ${pushed} of the batch's ${total} records were pushed.`,
    { cause: error, pushed },
  );
}

const nudgeTargets = new WeakMap<
  SharedArrayBuffer,
  { words: Int32Array; primitive: SleepPrimitive }
>();

function nudge(buffer: SharedArrayBuffer, flagIndex: number, signalIndex: number): void {
  let target = nudgeTargets.get(buffer);
  if (target === undefined) {
    const { waitDomain } = describeRing(buffer);
    target = {
      words: new Int32Array(buffer, 0, HEADER_BYTES >> 2),
      primitive: sleepPrimitive(waitDomain),
    };
    nudgeTargets.set(buffer, target);
  }
  const { words, primitive } = target;
  if (Atomics.load(words, flagIndex) !== 0 && Atomics.exchange(words, flagIndex, 0) !== 0) {
    Atomics.add(words, signalIndex, 1);
    primitive.wake(words, signalIndex);
  }
}

/**
 * Wakes the ring's consumer if it sleeps in wait(), so it asks its `until`
 * again now rather than at its next tick. For a third party that is not the
 * ring's producer: store the state `until` reads (with Atomics), then nudge.
 * The sleeper asks `until` after raising its flag, so a nudge is never lost.
 */
export function nudgeConsumer(buffer: SharedArrayBuffer): void {
  nudge(buffer, Word.CONSUMER_WAITING, Word.DATA_SIGNAL);
}

/** The same for a producer waiting for space. */
export function nudgeProducer(buffer: SharedArrayBuffer): void {
  nudge(buffer, Word.PRODUCER_WAITING, Word.SPACE_SIGNAL);
}
