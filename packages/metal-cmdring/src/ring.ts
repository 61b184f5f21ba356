// CommandRing: the ring as JavaScript drives it. acquire() never blocks the
// event loop: a free slot resolves at once, an in-flight one settles when the
// device completes it (through the addon's mailbox). commit() never waits for
// the device. The *Sync variants block the calling thread, for workers.
import { readRingStats } from '@ringkit/spsc-ring';
import { type CommandCompletion, CompletionReader, createCompletionBuffer } from './completions.js';
import { CommandRingError, fromNative } from './errors.js';
import { requireNative } from './native.js';
import { MESSAGE_WORDS, type NativeRingHandle } from './native-binding.js';
import {
  type AllocationStrategy,
  type BackendName,
  MAX_RING_SIZE,
  normalizeOptions,
  type RingOptions,
  type WaitEvent,
} from './options.js';
import { type Kernel, Slot, sealSlot } from './slot.js';
import { type RingStatistics, STATISTICS_BYTE_LENGTH, StatisticsView } from './statistics.js';

const ACQUIRE_SETTLED = 0;
const FENCE_SETTLED = 1;
const WAIT_EVENT = 2;

/** How long close() waits for in-flight work unless told otherwise. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

export interface AcquireOptions {
  /** Overrides the ring's timeoutMs for this call; 0 waits without limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CommitOptions {
  /**
   * The level to run at, 0 (the lowest; the default) to priorityLevels − 1, on a ring opened with
   * allocationStrategy 'priority'. The backend runs the highest non-empty level first, each level
   * in fence order. A round-robin ring takes only 0.
   */
  priority?: number;
}

export interface CloseOptions {
  /** How long to wait for in-flight work; 0 waits without limit. Default 10 000. */
  timeoutMs?: number;
}

export interface CloseReport {
  /** True when every submitted fence completed before the ring stopped. */
  drained: boolean;
  /** Fences close gave up on: exactly those whose commits rejected with CLOSE_TIMEOUT. */
  abandonedFences: number;
}

interface PendingAcquire {
  waiter: number;
  resolve: (slot: Slot) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface PendingFence {
  resolve: (fence: number) => void;
  reject: (error: unknown) => void;
  completion: Promise<number>;
}

function ignore(): void {}

function abortedError(signal: AbortSignal): CommandRingError {
  return new CommandRingError('ABORTED', 'the acquire was aborted by its AbortSignal.', {
    cause: signal.reason,
  });
}

function checkTimeout(timeoutMs: unknown): void {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0)
    throw new CommandRingError(
      'INVALID_OPTIONS',
      `timeoutMs must be a finite number of milliseconds from 0 (0 waits without limit), got ${String(timeoutMs)}.`,
    );
}

export class CommandRing {
  /** The backend this ring runs on ('auto' resolved). */
  readonly backend: Exclude<BackendName, 'auto'>;
  readonly ringSize: number;
  readonly allocationStrategy: AllocationStrategy;
  /** 1 for round-robin; the levels commit({ priority }) may name otherwise. */
  readonly priorityLevels: number;
  /** The default acquire timeout; 0 waits without limit. */
  readonly timeoutMs: number;
  /** The statistics block: post it to a worker and read it there with readStatistics(). */
  readonly statisticsBuffer: SharedArrayBuffer;
  /**
   * The completion ring: one record per command the device ran, with its timings. Read it here
   * with completions(), or post it to a worker and read it there with a CompletionReader (one
   * reader in all).
   */
  readonly completionBuffer: SharedArrayBuffer;

  readonly #handle: NativeRingHandle;
  readonly #statistics: StatisticsView;
  readonly #onWaitEvent: ((event: WaitEvent) => void) | undefined;
  readonly #acquires = new Map<number, PendingAcquire>();
  readonly #fences = new Map<number, PendingFence>();
  #nextToken = 1;
  // Acquires and commits whose outcome is still to arrive: while there are any,
  // the addon's mailbox keeps the event loop alive.
  #outstanding = 0;
  #cpuBuffers: Uint8Array[][] | undefined;
  #gpuStagings: Uint8Array[] | undefined;
  #closing: Promise<CloseReport> | undefined;
  #completionReader: CompletionReader | undefined;
  readonly #host;
  // The slot handed out last, kept only so a slot is always alive. V8 holds the map a Slot
  // reaches once its fields are set only weakly (through its class's transition tree); a full
  // collection that finds no slot alive (every slot dies between bursts of work) frees it, and
  // then the optimised code of acquire, commit and every recording call is thrown away ("weak
  // objects") and compiled again on V8's background threads, which on a two-core machine take
  // the time of the executor running the next commands. Measured with a full collection before
  // each sample of the overhead gate: ~290 recompilations in 20 samples, +6–11 %; with this
  // reference, none.
  #lastSlot: Slot | undefined;

  constructor(options: RingOptions = {}) {
    const normalized = normalizeOptions(options);
    const native = requireNative('openRing()');
    this.statisticsBuffer = new SharedArrayBuffer(STATISTICS_BYTE_LENGTH);
    this.completionBuffer = createCompletionBuffer();
    try {
      this.#handle = new native.RingHandle(
        normalized,
        new Uint8Array(this.statisticsBuffer),
        (packed, kind, id, fence, error) => this.#dispatchBatch(packed, kind, id, fence, error),
        new Uint8Array(this.completionBuffer),
      );
    } catch (error) {
      throw fromNative(error);
    }
    this.#statistics = new StatisticsView(this.statisticsBuffer);
    this.backend = this.#handle.backendName() as Exclude<BackendName, 'auto'>;
    this.ringSize = normalized.ringSize;
    this.allocationStrategy = normalized.allocationStrategy;
    this.priorityLevels = normalized.priorityLevels;
    this.timeoutMs = normalized.timeoutMs;
    this.#onWaitEvent = normalized.onWaitEvent;
    const handle = this.#handle;
    this.#host = {
      handle,
      cpuBuffers: () => {
        this.#cpuBuffers ??= handle.buffers();
        return this.#cpuBuffers;
      },
      gpuStagings: () => {
        this.#gpuStagings ??= handle.stagings();
        return this.#gpuStagings;
      },
    };
  }

  /**
   * The next slot. Resolves at once when it is free; otherwise when the device completes its last
   * use. Rejects with ACQUIRE_TIMEOUT (counted in the statistics), ABORTED, POISONED (cause: the
   * failed command) or CLOSED.
   */
  acquire(options: AcquireOptions = {}): Promise<Slot> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    if (timeoutMs !== this.timeoutMs) checkTimeout(timeoutMs);
    const token = this.#nextToken++;
    let outcome: number;
    try {
      outcome = this.#handle.acquire(token);
    } catch (error) {
      return Promise.reject(fromNative(error));
    }
    if (outcome > 0) return Promise.resolve(this.#slotFor(outcome));
    const waiter = -outcome;
    return new Promise<Slot>((resolve, reject) => {
      const pending: PendingAcquire = {
        waiter,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => this.#handle.expireAcquire(waiter, timeoutMs), timeoutMs);
      }
      if (signal !== undefined) {
        pending.onAbort = () => this.#handle.abortAcquire(waiter);
        signal.addEventListener('abort', pending.onAbort, { once: true });
      }
      this.#acquires.set(token, pending);
      this.#retain();
    });
  }

  /** acquire(), blocking this thread while the slot is in flight (for workers). */
  acquireSync(options: { timeoutMs?: number } = {}): Slot {
    if (options.timeoutMs !== undefined) checkTimeout(options.timeoutMs);
    try {
      return this.#slotFor(this.#handle.acquireSync(options.timeoutMs));
    } catch (error) {
      throw fromNative(error);
    }
  }

  /**
   * Hands the slot's work to the device, in fence order (with priorities: at `priority`, in fence
   * order within its level); never waits for it. Resolves with the fence when the work completed;
   * rejects with COMMAND_FAILED, POISONED, or CLOSE_TIMEOUT. An unobserved rejection never crashes
   * the process: the failure also poisons the ring, so the next acquire reports it.
   */
  commit(slot: Slot, options: CommitOptions = {}): Promise<number> {
    const priority = this.#priority(options);
    this.#seal(slot);
    try {
      this.#handle.commit(slot.index, slot.fence, true, priority);
    } catch (error) {
      return Promise.reject(fromNative(error));
    }
    let resolve!: PendingFence['resolve'];
    let reject!: PendingFence['reject'];
    const completion = new Promise<number>((settle, fail) => {
      resolve = settle;
      reject = fail;
    });
    this.#fences.set(slot.fence, { resolve, reject, completion });
    this.#retain();
    return completion;
  }

  /**
   * commit() without a completion promise: for loops that need only the ring's back-pressure
   * (or that wait with waitSync). Returns the fence.
   */
  submit(slot: Slot, options: CommitOptions = {}): number {
    const priority = this.#priority(options);
    this.#seal(slot);
    try {
      this.#handle.commit(slot.index, slot.fence, false, priority);
    } catch (error) {
      throw fromNative(error);
    }
    return slot.fence;
  }

  /** Blocks this thread until `fence` completed (for workers). */
  waitSync(fence: number, options: { timeoutMs?: number } = {}): void {
    if (options.timeoutMs !== undefined) checkTimeout(options.timeoutMs);
    try {
      this.#handle.waitSync(fence, options.timeoutMs);
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** The statistics, read from shared memory (no native call). */
  stats(): RingStatistics {
    return this.#statistics.read();
  }

  /**
   * Batches of completion records, as the device reports commands: each wake-up of this thread
   * brings every record waiting, however many. Ends when the ring closes and every record was
   * read; while it waits it keeps the process alive, so close the ring (or break out) to end it.
   * The ring's one completion reader: a second call is refused with INVALID_STATE (and a
   * CompletionReader elsewhere must not read the same ring).
   */
  async *completions(): AsyncGenerator<CommandCompletion[], void, undefined> {
    if (this.#completionReader !== undefined)
      throw new CommandRingError(
        'INVALID_STATE',
        'completions() is already being read: a ring has one completion reader.',
      );
    const reader = new CompletionReader(this.completionBuffer);
    this.#completionReader = reader;
    for (;;) {
      const batch = await reader.nextBatch();
      if (batch.length === 0) return;
      yield batch;
    }
  }

  /**
   * Completion records the ring dropped because their reader fell a whole ring (256 records)
   * behind — e.g. a loop that acquires and commits without yielding to the event loop while
   * completions() waits on the same thread. The commands themselves are never dropped.
   */
  get completionsDropped(): number {
    return readRingStats(this.completionBuffer).dropped;
  }

  /** Fences the device completed: one shared-memory read. */
  get completedFences(): number {
    return this.#statistics.completedFences();
  }

  /** cpu backend: nanoseconds the executor spent running ops. */
  executorBusyNs(): number {
    try {
      return this.#handle.busyNs();
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** GPU backends: loads a module (PTX for cuda, Metal Shading Language for metal). */
  loadModule(source: string): { kernel(name: string): Kernel } {
    const handle = this.#handle;
    let module: number;
    try {
      module = handle.loadModule(source);
    } catch (error) {
      throw fromNative(error);
    }
    return {
      kernel(name: string): Kernel {
        try {
          return { id: handle.kernel(module, name), name };
        } catch (error) {
          throw fromNative(error);
        }
      },
    };
  }

  /** GPU backends: 'spin' (u64 ns, slot address for 2 × u64 stamps) or 'saxpy' (u32 n, f32 a, x, y). */
  builtinKernel(name: 'spin' | 'saxpy'): Kernel {
    try {
      return { id: this.#handle.builtinKernel(name), name };
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** GPU backends: the device's name. */
  deviceName(): string {
    try {
      return this.#handle.deviceName();
    } catch (error) {
      throw fromNative(error);
    }
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Refuses new acquires (pending ones reject with CLOSED), waits up to timeoutMs for in-flight
   * work, then stops the backend and joins its threads. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<CloseReport> {
    if (this.#closing !== undefined) return this.#closing;
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    checkTimeout(timeoutMs);
    this.#retain();
    this.#closing = this.#handle.close(timeoutMs).then((error) => {
      this.#release();
      return this.#report(error);
    });
    return this.#closing;
  }

  /** close(), blocking this thread (for workers). */
  closeSync(options: CloseOptions = {}): CloseReport {
    if (this.#closing !== undefined)
      throw new CommandRingError(
        'INVALID_STATE',
        'closeSync: the ring is already closed or closing.',
      );
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    checkTimeout(timeoutMs);
    const report = this.#report(this.#handle.closeSync(timeoutMs));
    this.#closing = Promise.resolve(report);
    return report;
  }

  #report(error: Error | undefined): CloseReport {
    if (error !== undefined && (error as Error & { code?: string }).code !== 'CLOSE_TIMEOUT')
      throw fromNative(error);
    // Counted by the ring when it gave up, not from statistics read now: a fence the device
    // finished after that moment still rejected with CLOSE_TIMEOUT and still counts.
    return { drained: error === undefined, abandonedFences: this.#handle.abandonedFences() };
  }

  /** The addon's one-number slot (native/src/js_ring.cc's slot_number) as a Slot. */
  #slotFor(slotNumber: number): Slot {
    const index = slotNumber % MAX_RING_SIZE;
    this.#lastSlot = new Slot(this.#host, index, (slotNumber - index) / MAX_RING_SIZE);
    return this.#lastSlot;
  }

  #priority(options: CommitOptions): number {
    const priority = options.priority ?? 0;
    if (
      typeof priority !== 'number' ||
      !Number.isInteger(priority) ||
      priority < 0 ||
      priority >= this.priorityLevels
    )
      throw new CommandRingError(
        'INVALID_OPTIONS',
        this.priorityLevels === 1
          ? `priority ${String(priority)} needs a ring opened with allocationStrategy 'priority'; this one is round-robin, so leave priority out or pass 0.`
          : `priority must be a whole number from 0 (the lowest) to ${this.priorityLevels - 1} (priorityLevels − 1), got ${String(priority)}.`,
      );
    return priority;
  }

  #seal(slot: Slot): void {
    if (!(slot instanceof Slot) || slot[sealSlot]() === false)
      throw new CommandRingError(
        'INVALID_SLOT',
        slot instanceof Slot
          ? `the slot for fence ${slot.fence} was already committed.`
          : 'commit() takes a slot that acquire() returned.',
      );
  }

  #retain(): void {
    if (this.#outstanding++ === 0) this.#handle.keepAlive(true);
  }

  #release(): void {
    if (--this.#outstanding === 0) this.#handle.keepAlive(false);
  }

  #dispatchBatch(
    packed: Float64Array | null,
    kind?: number,
    id?: number,
    fence?: number,
    error?: unknown,
  ): void {
    if (packed === null) {
      this.#dispatch(kind!, id!, fence!, error);
      return;
    }
    for (let at = 0; at < packed.length; at += MESSAGE_WORDS) {
      const messageKind = packed[at]!;
      const waitMs = messageKind === WAIT_EVENT ? packed[at + 3] : undefined;
      this.#dispatch(messageKind, packed[at + 1]!, packed[at + 2]!, waitMs);
    }
  }

  #dispatch(kind: number, id: number, fence: number, detail: unknown): void {
    if (kind === FENCE_SETTLED) {
      const pending = this.#fences.get(id);
      if (pending === undefined) return;
      this.#fences.delete(id);
      this.#release();
      if (detail === undefined) {
        pending.resolve(fence);
      } else {
        // Marked handled only as it rejects (a success needs no second promise): an
        // unobserved failure must not crash the process, it poisons the ring instead.
        pending.completion.catch(ignore);
        pending.reject(fromNative(detail));
      }
    } else if (kind === ACQUIRE_SETTLED) {
      const pending = this.#acquires.get(id);
      if (pending === undefined) return;
      this.#acquires.delete(id);
      if (pending.timer !== undefined) clearTimeout(pending.timer);
      if (pending.onAbort !== undefined)
        pending.signal?.removeEventListener('abort', pending.onAbort);
      this.#release();
      if (fence > 0) {
        pending.resolve(this.#slotFor(fence));
      } else {
        const error = fromNative(detail);
        if (error instanceof CommandRingError && error.code === 'ABORTED' && pending.signal)
          pending.reject(abortedError(pending.signal));
        else pending.reject(error);
      }
    } else if (kind === WAIT_EVENT) {
      const event: WaitEvent = { slot: id, fence, waitMs: detail as number };
      if (this.#onWaitEvent === undefined) {
        process.stderr.write(
          `ringkit cmdring: acquire waited ${event.waitMs.toFixed(2)} ms for slot ${event.slot} (fence ${event.fence})\n`,
        );
        return;
      }
      try {
        this.#onWaitEvent(event);
      } catch (error) {
        // A throwing user callback must not cost the messages behind it in this batch.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** Opens a command ring: `backend: 'auto' | 'cpu' | 'cuda' | 'metal'`, ringSize 1–64. */
export function openRing(options: RingOptions = {}): CommandRing {
  return new CommandRing(options);
}
