import {
  createRing,
  FixedConsumer,
  FixedProducer,
  layout,
  nudgeConsumer,
  type WaitOptions,
  type WaitOutcome,
} from '@ringkit/spsc-ring';
import { Entry } from './layout.js';
import type { QueueKind, WaitDomain } from './options.js';

/**
 * Every hop of the pipeline is a queue of buffer ids; an entry is layout.ts's
 * Entry, [u32 id][u32 bytes used]. Each queue is sized for every buffer the pool can
 * ever own, so a hand-off between stages can never find it full: a buffer is
 * always in exactly one place, and the only place a buffer can be missing is
 * the free queue a producer takes from.
 */

export type EntryHandler = (id: number, length: number) => void;

export interface IdSender {
  /** False only if the queue is full, which sizing rules out for the pool's own hops. */
  tryPush(id: number, length: number): boolean;
  /** Queues an entry locally; nothing is visible until publish(). */
  stage(id: number, length: number): void;
  /** Makes every staged entry visible: one release store for the lot on a ring. Returns how many. */
  publish(): number;
  /** Entries waiting (all of them are visible to the receiver). */
  depth(): number;
  /** queuePosition(its memory, 'write'), without the lookup. */
  position(): number;
  close(): void;
}

export interface IdReceiver {
  /** Hands up to `limit` entries to `handler`, then frees their slots at once. */
  drain(handler: EntryHandler, limit?: number): number;
  /**
   * drain(), cut short where a ring would free its slots in more than one store, calling
   * `beforeFree` once after `handler` saw every entry and before that store: a thread that dies
   * before the store leaves every entry of the call queued (spsc queues; see queuePosition).
   */
  drainOnce(handler: EntryHandler, limit: number, beforeFree: () => void): number;
  /** queuePosition(its memory, 'read'), without the lookup. */
  position(): number;
  depth(): number;
  /** Entries are waiting; cheaper than depth() (a ring answers from its cached positions when it can). */
  hasEntries(): boolean;
  isEnded(): boolean;
  wait(options: WaitOptions): WaitOutcome;
  waitAsync(options: WaitOptions): Promise<WaitOutcome>;
  /** Wakes this receiver if it sleeps, so it asks its `until` again (see spsc-ring's nudgeConsumer). */
  nudge(): void;
}

/** The shared memory of one queue, as it travels in a pool spec. */
export interface QueueMemory {
  readonly kind: QueueKind;
  readonly buffer: SharedArrayBuffer;
}

export function createQueue(kind: QueueKind, entries: number, waitDomain: WaitDomain): QueueMemory {
  let capacity = 8;
  while (capacity < entries) capacity *= 2;
  if (kind !== 'spsc') return { kind, buffer: createMutexQueue(capacity) };
  return {
    kind,
    buffer: createRing({
      kind: 'fixed',
      capacity,
      recordSize: Entry.BYTES,
      fullPolicy: 'block',
      waitDomain,
    }),
  };
}

export function openSender(memory: QueueMemory): IdSender {
  if (memory.kind === 'lock') return new LockSender(memory.buffer);
  return memory.kind === 'mutex' ? new MutexSender(memory.buffer) : new RingSender(memory.buffer);
}

export function openReceiver(memory: QueueMemory): IdReceiver {
  if (memory.kind === 'lock') return new LockReceiver(memory.buffer);
  return memory.kind === 'mutex'
    ? new MutexReceiver(memory.buffer)
    : new RingReceiver(memory.buffer);
}

/** Wakes a queue's receiver if it sleeps, without attaching an end: see spsc-ring's nudgeConsumer. */
export function nudgeReceiver(memory: QueueMemory): void {
  if (memory.kind === 'spsc') {
    nudgeConsumer(memory.buffer);
    return;
  }
  const words = headerWords(memory);
  // A lock queue's receiver counts itself in SLEEPERS before it asks its `until` (LockReceiver):
  // with none there, the change that prompted this nudge is seen without one. The seed's mutex
  // queue notifies every time, as its condition variable did.
  if (memory.kind === 'lock' && Atomics.load(words, MutexWord.SLEEPERS) === 0) return;
  Atomics.add(words, MutexWord.SIGNAL, 1);
  Atomics.notify(words, MutexWord.SIGNAL);
}

/** Entries in a queue without attaching an end: for snapshots and monitors. */
export function queueDepth(memory: QueueMemory): number {
  const words = headerWords(memory);
  return memory.kind === 'spsc' ? ringDepth(words) : Atomics.load(words, MutexWord.COUNT);
}

/**
 * The position a move changes: the read position for a receiver (a drain moves it), the write
 * position for a sender (a publish does). A role writes it down before a move, so whoever
 * settles the role's death can tell whether the move took effect. −1 for lock and mutex queues,
 * which move entry by entry and cannot tell.
 */
export function queuePosition(memory: QueueMemory, end: 'read' | 'write'): number {
  if (memory.kind !== 'spsc') return -1;
  const at = end === 'read' ? layout.Consumer.READ_POSITION : layout.Producer.WRITE_POSITION;
  return Atomics.load(headerWords(memory), at >> 2) >>> 0;
}

/** Monitors, replenish and nudges look at queue headers often: one view per queue, not one per look. */
const headerViews = new WeakMap<SharedArrayBuffer, Int32Array>();

function headerWords(memory: QueueMemory): Int32Array {
  let words = headerViews.get(memory.buffer);
  if (words === undefined) {
    words = new Int32Array(
      memory.buffer,
      0,
      memory.kind === 'spsc' ? layout.HEADER_BYTES >> 2 : MutexWord.ENTRIES,
    );
    headerViews.set(memory.buffer, words);
  }
  return words;
}

function ringDepth(words: Int32Array): number {
  const write = Atomics.load(words, layout.Producer.WRITE_POSITION >> 2);
  const read = Atomics.load(words, layout.Consumer.READ_POSITION >> 2);
  return (write - read) >>> 0;
}

/**
 * Every hop publishes once per batch and its receiver sleeps for most buffers (spin 0): a
 * fence per publish costs less than the membarrier light publishing would make each of those
 * sleeps issue, which also interrupts the other cores (4 KiB buffers, producers in their own
 * workers: 107 k buffers/s light, 188 k/s fenced).
 */
const PUBLISH = { publish: 'fenced' } as const;

class RingSender implements IdSender {
  private readonly producer: FixedProducer;
  private readonly entry = new Uint32Array(2);
  private readonly entryBytes = new Uint8Array(this.entry.buffer);
  private readonly words: Int32Array;
  private staged = new Uint32Array(2 * 64);
  private stagedBytes = new Uint8Array(this.staged.buffer);
  private stagedCount = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.producer = FixedProducer.attach(buffer, PUBLISH);
    this.words = new Int32Array(buffer, 0, layout.HEADER_BYTES >> 2);
  }

  stage(id: number, length: number): void {
    if (2 * this.stagedCount === this.staged.length) {
      const larger = new Uint32Array(2 * this.staged.length);
      larger.set(this.staged);
      this.staged = larger;
      this.stagedBytes = new Uint8Array(larger.buffer);
    }
    this.staged[2 * this.stagedCount] = id;
    this.staged[2 * this.stagedCount + 1] = length;
    this.stagedCount++;
  }

  publish(): number {
    const count = this.stagedCount;
    if (count === 0) return 0;
    this.stagedCount = 0;
    return this.producer.pushBatch(this.stagedBytes, count);
  }

  tryPush(id: number, length: number): boolean {
    this.entry[0] = id;
    this.entry[1] = length;
    return this.producer.tryPush(this.entryBytes);
  }

  depth(): number {
    return ringDepth(this.words);
  }

  position(): number {
    return Atomics.load(this.words, layout.Producer.WRITE_POSITION >> 2) >>> 0;
  }

  close(): void {
    this.producer.close();
  }
}

class RingReceiver implements IdReceiver {
  private readonly consumer: FixedConsumer;
  private readonly entries: Uint32Array;
  private readonly capacity: number;
  private readonly words: Int32Array;
  private handler: EntryHandler = () => {};
  /** Made once: drain() must not allocate a closure per call on the hot path. */
  private readonly visit = (_data: Uint8Array, offset: number, count: number): void => {
    const entries = this.entries;
    const handler = this.handler;
    for (let i = 0, word = offset >> 2; i < count; i++, word += 2)
      handler(entries[word]!, entries[word + 1]!);
  };

  private beforeFree: () => void = () => {};
  /** visit, then beforeFree: drainOnce's one run. */
  private readonly visitOnce = (data: Uint8Array, offset: number, count: number): void => {
    this.visit(data, offset, count);
    this.beforeFree();
  };

  constructor(private readonly buffer: SharedArrayBuffer) {
    this.consumer = FixedConsumer.attach(buffer, PUBLISH);
    const { data } = this.consumer;
    this.entries = new Uint32Array(data.buffer, data.byteOffset, data.byteLength >> 2);
    this.capacity = data.byteLength / Entry.BYTES;
    this.words = new Int32Array(buffer, 0, layout.HEADER_BYTES >> 2);
  }

  drain(handler: EntryHandler, limit?: number): number {
    this.handler = handler;
    return this.consumer.drain(this.visit, limit);
  }

  drainOnce(handler: EntryHandler, limit: number, beforeFree: () => void): number {
    // FixedConsumer.drain frees each run it hands out (up to the ring's end, at most a quarter
    // of the ring) as soon as its handler returns: one run is one store.
    const capacity = this.capacity;
    const read = this.position();
    const run = Math.min(capacity - (read & (capacity - 1)), Math.max(1, capacity >> 2));
    this.handler = handler;
    this.beforeFree = beforeFree;
    return this.consumer.drain(this.visitOnce, Math.min(limit, run));
  }

  depth(): number {
    return ringDepth(this.words);
  }

  position(): number {
    return Atomics.load(this.words, layout.Consumer.READ_POSITION >> 2) >>> 0;
  }

  hasEntries(): boolean {
    return this.consumer.peek() !== -1;
  }

  isEnded(): boolean {
    return this.consumer.isEnded();
  }

  wait(options: WaitOptions): WaitOutcome {
    return this.consumer.wait(options);
  }

  waitAsync(options: WaitOptions): Promise<WaitOutcome> {
    return this.consumer.waitAsync(options);
  }

  nudge(): void {
    nudgeConsumer(this.buffer);
  }
}

/**
 * Seed 004's "before": a circular array guarded by an Atomics mutex (0 free,
 * 1 locked, 2 locked with sleepers, after Drepper's "Futexes Are Tricky"), and
 * a condition-variable-like signal word bumped and notified on every push.
 * Word indices; LAYOUT.md draws the block. TypeScript's alone: native roles
 * work on spsc queues only.
 */
const MutexWord = {
  LOCK: 0,
  COUNT: 1,
  HEAD: 2,
  TAIL: 3,
  CLOSED: 4,
  SIGNAL: 5,
  CAPACITY: 6,
  /** `lock` queues: receivers about to sleep; a sender notifies only when this is not 0. */
  SLEEPERS: 7,
  ENTRIES: 8,
} as const;

function createMutexQueue(capacity: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer((MutexWord.ENTRIES + 2 * capacity) * 4);
  new Int32Array(buffer)[MutexWord.CAPACITY] = capacity;
  return buffer;
}

class MutexQueue {
  protected readonly words: Int32Array;
  protected readonly capacity: number;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer);
    this.capacity = this.words[MutexWord.CAPACITY]!;
  }

  protected lock(): void {
    const words = this.words;
    let state = Atomics.compareExchange(words, MutexWord.LOCK, 0, 1);
    if (state === 0) return;
    for (let spin = 0; spin < 100 && state !== 0; spin++) {
      state = Atomics.compareExchange(words, MutexWord.LOCK, 0, 1);
      if (state === 0) return;
    }
    if (state !== 2) state = Atomics.exchange(words, MutexWord.LOCK, 2);
    while (state !== 0) {
      Atomics.wait(words, MutexWord.LOCK, 2);
      state = Atomics.exchange(words, MutexWord.LOCK, 2);
    }
  }

  protected unlock(): void {
    if (Atomics.sub(this.words, MutexWord.LOCK, 1) !== 1) {
      Atomics.store(this.words, MutexWord.LOCK, 0);
      Atomics.notify(this.words, MutexWord.LOCK, 1);
    }
  }

  depth(): number {
    return Atomics.load(this.words, MutexWord.COUNT);
  }

  /** As queuePosition: none a settler could use. */
  position(): number {
    return -1;
  }
}

class MutexSender extends MutexQueue implements IdSender {
  private readonly staged: number[] = [];

  stage(id: number, length: number): void {
    this.staged.push(id, length);
  }

  /** One lock per entry, as seed 004's queues took one per push. */
  publish(): number {
    const count = this.staged.length / 2;
    for (let i = 0; i < this.staged.length; i += 2)
      this.tryPush(this.staged[i]!, this.staged[i + 1]!);
    this.staged.length = 0;
    return count;
  }

  tryPush(id: number, length: number): boolean {
    this.lock();
    const count = this.words[MutexWord.COUNT]!;
    if (count === this.capacity) {
      this.unlock();
      return false;
    }
    const tail = this.words[MutexWord.TAIL]!;
    this.words[MutexWord.ENTRIES + 2 * tail] = id;
    this.words[MutexWord.ENTRIES + 2 * tail + 1] = length;
    this.words[MutexWord.TAIL] = (tail + 1) % this.capacity;
    Atomics.store(this.words, MutexWord.COUNT, count + 1);
    this.unlock();
    // notify_one after every push, as the condition variable did.
    Atomics.add(this.words, MutexWord.SIGNAL, 1);
    Atomics.notify(this.words, MutexWord.SIGNAL, 1);
    return true;
  }

  close(): void {
    Atomics.store(this.words, MutexWord.CLOSED, 1);
    Atomics.add(this.words, MutexWord.SIGNAL, 1);
    Atomics.notify(this.words, MutexWord.SIGNAL);
  }
}

class MutexReceiver extends MutexQueue implements IdReceiver {
  drain(handler: EntryHandler, limit = Number.POSITIVE_INFINITY): number {
    let taken = 0;
    // One entry per lock, as the seed's pop did.
    while (taken < limit) {
      this.lock();
      const count = this.words[MutexWord.COUNT]!;
      if (count === 0) {
        this.unlock();
        break;
      }
      const head = this.words[MutexWord.HEAD]!;
      const id = this.words[MutexWord.ENTRIES + 2 * head]! >>> 0;
      const length = this.words[MutexWord.ENTRIES + 2 * head + 1]! >>> 0;
      this.words[MutexWord.HEAD] = (head + 1) % this.capacity;
      Atomics.store(this.words, MutexWord.COUNT, count - 1);
      this.unlock();
      handler(id, length);
      taken++;
    }
    return taken;
  }

  /** Entry by entry, as drain(): a lock or mutex queue cannot tell a settler what moved. */
  drainOnce(handler: EntryHandler, limit: number, beforeFree: () => void): number {
    const taken = this.drain(handler, limit);
    if (taken > 0) beforeFree();
    return taken;
  }

  hasEntries(): boolean {
    return this.depth() > 0;
  }

  isEnded(): boolean {
    return Atomics.load(this.words, MutexWord.CLOSED) !== 0 && this.depth() === 0;
  }

  wait(options: WaitOptions): WaitOutcome {
    const deadline = performance.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      const seen = Atomics.load(this.words, MutexWord.SIGNAL);
      if (this.depth() > 0) return 'ready';
      if (this.isEnded()) return 'closed';
      if (options.until?.()) return 'until';
      const remaining = deadline - performance.now();
      if (remaining <= 0) return 'timeout';
      Atomics.wait(this.words, MutexWord.SIGNAL, seen, Math.min(options.tickMs ?? 100, remaining));
    }
  }

  async waitAsync(options: WaitOptions): Promise<WaitOutcome> {
    const deadline = performance.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      const seen = Atomics.load(this.words, MutexWord.SIGNAL);
      if (this.depth() > 0) return 'ready';
      if (this.isEnded()) return 'closed';
      if (options.until?.()) return 'until';
      const remaining = deadline - performance.now();
      if (remaining <= 0) return 'timeout';
      const result = Atomics.waitAsync(
        this.words,
        MutexWord.SIGNAL,
        seen,
        Math.min(options.tickMs ?? 100, remaining),
      );
      if (result.async) await result.value;
    }
  }

  nudge(): void {
    nudgeReceiver({ kind: 'mutex', buffer: this.words.buffer as SharedArrayBuffer });
  }
}

/**
 * The `lock` queue: the same memory as seed 004's, used as well as a lock-based queue can be —
 * the lock taken once per batch on either side, and the receiver woken only when it sleeps
 * (it counts itself in SLEEPERS before its last look; the sender's sequentially consistent
 * store of COUNT and load of SLEEPERS pair with it, so no wake-up is lost). The baseline the
 * pipeline's rings must beat, not a strawman.
 */
class LockSender extends MutexQueue implements IdSender {
  private staged = new Int32Array(2 * 64);
  private stagedCount = 0;
  private readonly one = new Int32Array(2);

  stage(id: number, length: number): void {
    if (2 * this.stagedCount === this.staged.length) {
      const larger = new Int32Array(2 * this.staged.length);
      larger.set(this.staged);
      this.staged = larger;
    }
    this.staged[2 * this.stagedCount] = id;
    this.staged[2 * this.stagedCount + 1] = length;
    this.stagedCount++;
  }

  publish(): number {
    const count = this.stagedCount;
    this.stagedCount = 0;
    return count === 0 ? 0 : this.pushEntries(this.staged, count);
  }

  tryPush(id: number, length: number): boolean {
    this.one[0] = id;
    this.one[1] = length;
    return this.pushEntries(this.one, 1) === 1;
  }

  /** Appends as many of `count` entries as fit under one lock; wakes a sleeping receiver. */
  private pushEntries(entries: Int32Array, count: number): number {
    const words = this.words;
    const capacity = this.capacity;
    this.lock();
    const queued = words[MutexWord.COUNT]!;
    const pushed = Math.min(count, capacity - queued);
    let tail = words[MutexWord.TAIL]!;
    for (let i = 0; i < pushed; i++) {
      words[MutexWord.ENTRIES + 2 * tail] = entries[2 * i]!;
      words[MutexWord.ENTRIES + 2 * tail + 1] = entries[2 * i + 1]!;
      tail = tail + 1 === capacity ? 0 : tail + 1;
    }
    words[MutexWord.TAIL] = tail;
    Atomics.store(words, MutexWord.COUNT, queued + pushed);
    this.unlock();
    if (pushed > 0 && Atomics.load(words, MutexWord.SLEEPERS) !== 0) {
      Atomics.add(words, MutexWord.SIGNAL, 1);
      Atomics.notify(words, MutexWord.SIGNAL);
    }
    return pushed;
  }

  close(): void {
    Atomics.store(this.words, MutexWord.CLOSED, 1);
    Atomics.add(this.words, MutexWord.SIGNAL, 1);
    Atomics.notify(this.words, MutexWord.SIGNAL);
  }
}

class LockReceiver extends MutexReceiver {
  private taken = new Int32Array(2 * 64);

  /** Takes up to `limit` entries under one lock, then hands them out with the lock released. */
  override drain(handler: EntryHandler, limit = Number.POSITIVE_INFINITY): number {
    const words = this.words;
    const capacity = this.capacity;
    this.lock();
    const queued = words[MutexWord.COUNT]!;
    const count = Math.min(queued, limit);
    if (2 * count > this.taken.length) this.taken = new Int32Array(2 * capacity);
    const taken = this.taken;
    let head = words[MutexWord.HEAD]!;
    for (let i = 0; i < count; i++) {
      taken[2 * i] = words[MutexWord.ENTRIES + 2 * head]!;
      taken[2 * i + 1] = words[MutexWord.ENTRIES + 2 * head + 1]!;
      head = head + 1 === capacity ? 0 : head + 1;
    }
    words[MutexWord.HEAD] = head;
    Atomics.store(words, MutexWord.COUNT, queued - count);
    this.unlock();
    for (let i = 0; i < count; i++) handler(taken[2 * i]! >>> 0, taken[2 * i + 1]! >>> 0);
    return count;
  }

  override wait(options: WaitOptions): WaitOutcome {
    Atomics.add(this.words, MutexWord.SLEEPERS, 1);
    try {
      return super.wait(options);
    } finally {
      Atomics.sub(this.words, MutexWord.SLEEPERS, 1);
    }
  }

  override async waitAsync(options: WaitOptions): Promise<WaitOutcome> {
    Atomics.add(this.words, MutexWord.SLEEPERS, 1);
    try {
      return await super.waitAsync(options);
    } finally {
      Atomics.sub(this.words, MutexWord.SLEEPERS, 1);
    }
  }
}
