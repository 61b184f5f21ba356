import { BlockDirectory } from './blocks.js';
import type { RoleKind, RoleLine } from './control.js';
import { PoolError } from './errors.js';
import {
  type NativeBinding,
  type RawCollectorResult,
  type RawDrainResult,
  type RawNativeRole,
  type RawReplenishResult,
  type RawRoleEvent,
  type RawRoleResult,
  requireNative,
} from './native.js';
import {
  BlockFeed,
  checkNativePool,
  handToNativeRoles,
  nativeGeometry,
  nativeMemory,
} from './native-link.js';
import { openSender } from './queues.js';
import type { ReplenishOptions } from './replenish.js';
import { channelName, checkLane, checkSpec, type PoolSpec } from './spec.js';
import { RoleWaker } from './wake.js';

/**
 * A drain, collector or replenish running on a native thread. Like the JS
 * roles, it takes its role in the control block first (a second taker, JS or
 * native, gets ROLE_TAKEN) and exits on its own end condition.
 */
export interface NativeRole<Result> {
  /** Settles once the thread has finished; rejects with its PoolError. */
  readonly done: Promise<Result>;
  /** The same promise as `done`. */
  join(): Promise<Result>;
  /**
   * Asks the thread to stop early: it finishes as at its end (a drain closes
   * collect[q], a collector returns the batch in hand), and `done` resolves with
   * `stopped: true`. Buffers still queued for it stay where they are.
   */
  stop(): void;
}

export interface NativeDrainResult {
  readonly lane: number;
  /** Buffers handed from ready[q] to the collector. */
  readonly handoffs: number;
  /** Buffers moved from recycled[q] to free[q]. */
  readonly refills: number;
  readonly seconds: number;
  readonly stopped: boolean;
}

export interface NativeCollectorOptions {
  /** Buffers taken per step (one move in, one move home), as CollectorOptions.batch. Default 64. */
  readonly batch?: number;
}

/**
 * What a native collector saw. It verifies every record against the native
 * producer's test pattern ([u32 sequence][u32 lane][(sequence + i) & 0xff …],
 * see startNativeProducer; test/workers/records.mjs writes the same from JS).
 */
export interface NativeCollectorResult {
  readonly lane: number;
  /** Buffers whose records all verified (the lane's `collected`). */
  readonly buffers: number;
  /** Their bytes used. */
  readonly bytes: number;
  /** Records whose pattern verified, and their payload bytes. */
  readonly records: number;
  readonly payloadBytes: number;
  /** Buffers with a record that did not verify (the lane's `collectorErrors`); each still went home. */
  readonly errors: number;
  /** What was wrong with the first of them; undefined when none was. */
  readonly firstError: string | undefined;
  /** The highest sequence number seen on this lane (-1: none). */
  readonly maxSequence: number;
  /** Sequence numbers skipped: records the producer dropped (or that never came). */
  readonly gaps: number;
  /** Records at or below a sequence number already seen: 0 when the lane kept its order. */
  readonly outOfOrder: number;
  readonly seconds: number;
  readonly stopped: boolean;
}

export interface NativeReplenishResult {
  /** Buffers moved from done to recycled, and those of them sent to another lane. */
  readonly routed: number;
  readonly rebalanced: number;
  /** Blocks allocated (on the starting thread, at the native replenish's request) and registered. */
  readonly blocksAllocated: number;
  readonly registrations: number;
  readonly seconds: number;
  readonly stopped: boolean;
}

interface Launch<Raw extends RawRoleResult> {
  readonly what: string;
  readonly kind: RoleKind;
  readonly lane: number;
  readonly start: (native: NativeBinding, onEvent: RawRoleEvent) => RawNativeRole<Raw>;
  /** Extra events (replenish's allocate and announce). */
  readonly onEvent?: (kind: string, block: number, thread: RawNativeRole<Raw>) => void;
  /** A role taken but never started still has to end as the pipeline expects (e.g. close its output). */
  readonly abandon: (role: RoleLine) => void;
  /** An error the JS side met while serving the thread, reported in preference to the thread's. */
  readonly sideError?: () => unknown;
}

/** Claims the role, starts its thread with a feed of blocks, and turns its result into a promise. */
function launch<Raw extends RawRoleResult>(spec: PoolSpec, launch: Launch<Raw>) {
  const control = checkSpec(spec);
  checkNativePool(spec, launch.what);
  const native = requireNative(launch.what);
  const role = control.claim(launch.kind, launch.lane);
  const feed = new BlockFeed(spec);
  let thread: RawNativeRole<Raw> | undefined;
  const onEvent: RawRoleEvent = (kind, block) => {
    if (kind === 'want') feed.askFor(block);
    else if (thread !== undefined) launch.onEvent?.(kind, block, thread);
  };
  try {
    thread = launch.start(native, onEvent);
  } catch (error) {
    feed.close();
    launch.abandon(role);
    throw error;
  }
  const started = thread;
  feed.feed((block, bytes) => started.addBlock(block, bytes));
  const done = started.done.then(
    (raw) => {
      feed.close();
      const sideError = launch.sideError?.();
      if (sideError !== undefined) throw sideError;
      if (raw.errorCode !== '')
        throw new PoolError(raw.errorCode as PoolError['code'], raw.errorMessage);
      return raw;
    },
    (error: unknown) => {
      feed.close();
      throw error;
    },
  );
  return { done, stop: () => started.stop() };
}

function handle<Raw extends RawRoleResult, Result>(
  started: { done: Promise<Raw>; stop(): void },
  shape: (raw: Raw) => Result,
): NativeRole<Result> {
  const done = started.done.then(shape);
  return { done, join: () => done, stop: started.stop };
}

/**
 * Takes the drain of `lane` and runs it on a native thread: exactly drain.ts's
 * moves (recycled[q] → free[q], ready[q] → collect[q], one move window and one
 * publish per hop per step), counters and knocks; it sleeps on ready[q] and
 * exits when the lane's stream ended, or within one tick of complete() once
 * ready[q] is empty. The pool must use waitDomain 'os'.
 */
export function startNativeDrain(spec: PoolSpec, lane: number): NativeRole<NativeDrainResult> {
  checkSpec(spec);
  checkLane(spec, lane);
  const started = launch<RawDrainResult>(spec, {
    what: 'a native drain',
    kind: 'drain',
    lane,
    start: (native, onEvent) =>
      native.startDrain(nativeMemory(spec), { ...nativeGeometry(spec), lane }, onEvent),
    abandon: (role) => {
      // The collector finishes once collect[q] is closed.
      openSender(spec.lanes[lane]!.collect).close();
      role.markExited();
    },
  });
  return handle(started, (raw) => ({
    lane,
    handoffs: raw.handoffs,
    refills: raw.refills,
    seconds: raw.seconds,
    stopped: raw.stopped,
  }));
}

/**
 * Takes the collector of `lane` and runs it on a native thread: collector.ts's
 * batches (one move in, one move home to done[q], replenish knocked), with a
 * built-in handler that verifies every record against the native producer's test
 * pattern. A buffer with a bad record counts as a collector error and goes home
 * all the same; the other lanes never notice. Blocks reach it through the pool's
 * channel on this thread's event loop (keep it turning: await `join()`).
 */
export function startNativeCollector(
  spec: PoolSpec,
  lane: number,
  options: NativeCollectorOptions = {},
): NativeRole<NativeCollectorResult> {
  const control = checkSpec(spec);
  checkLane(spec, lane);
  const batch = options.batch ?? 64;
  if (!(Number.isInteger(batch) && batch >= 1 && batch <= 65_536))
    throw new PoolError(
      'INVALID_OPTIONS',
      `batch must be an integer from 1 to 65536, batch=${String(batch)}.`,
    );
  const started = launch<RawCollectorResult>(spec, {
    what: 'a native collector',
    kind: 'collector',
    lane,
    start: (native, onEvent) =>
      native.startCollector(nativeMemory(spec), { ...nativeGeometry(spec), lane, batch }, onEvent),
    abandon: (role) => {
      // Replenish finishes once every collector exited.
      role.markExited();
      new RoleWaker(spec, control, 'replenish', 0).wake();
    },
  });
  return handle(started, (raw) => ({
    lane,
    buffers: raw.buffers,
    bytes: raw.bytes,
    records: raw.records,
    payloadBytes: raw.payloadBytes,
    errors: raw.errors,
    firstError: raw.firstError === '' ? undefined : raw.firstError,
    maxSequence: raw.maxSequence,
    gaps: raw.gaps,
    outOfOrder: raw.outOfOrder,
    seconds: raw.seconds,
    stopped: raw.stopped,
  }));
}

export interface NativeReplenishOptions extends ReplenishOptions {
  /**
   * How long the native thread waits for this thread to start allocating a
   * block it asked for (an event-loop turn) before the run ends with
   * ALLOCATION_TIMEOUT. Default 5000.
   */
  readonly allocationTimeoutMs?: number;
}

/**
 * Takes replenish and runs its loop on a native thread: replenish.ts's routing
 * (done of every lane → recycled of the lane furthest below its high watermark;
 * ties and lanes without a deficit keep their own) and its watermarks (free +
 * recycled per lane; a lane below the low watermark gets a block while blocks <
 * maxBlocks). A native thread cannot create a SharedArrayBuffer, so it decides
 * when and THIS thread allocates: on its request this thread creates block N,
 * announces it on the pool's channel as PoolReplenish does (before any of its ids
 * is queued), reports it to `tracker`, and hands it over; only then does the
 * native thread carve and route its ids. It also answers BLOCK_WANTED here. Keep
 * this thread's event loop turning while it runs (await `join()`): a request
 * this thread has not started on within `allocationTimeoutMs` (default 5 s)
 * ends the run with ALLOCATION_TIMEOUT.
 */
export function startNativeReplenish(
  spec: PoolSpec,
  options: NativeReplenishOptions = {},
): NativeRole<NativeReplenishResult> {
  checkSpec(spec);
  const allocationTimeoutMs = options.allocationTimeoutMs ?? 5000;
  if (!(Number.isFinite(allocationTimeoutMs) && allocationTimeoutMs > 0))
    throw new PoolError(
      'INVALID_OPTIONS',
      `allocationTimeoutMs must be a positive number of milliseconds, allocationTimeoutMs=${String(options.allocationTimeoutMs)}.`,
    );
  const pool = spec.options;
  const directory = new BlockDirectory(channelName(spec), spec.control, spec.blocks);
  let sideError: unknown;
  const allocate = (block: number, thread: RawNativeRole<RawReplenishResult>): void => {
    // A thread that gave up waiting (ALLOCATION_TIMEOUT) gets nothing: no block is announced or tracked that it never carves.
    if (!thread.takeRequest(block)) return;
    let memory = directory.blocks[block]?.buffer as SharedArrayBuffer | undefined;
    if (memory === undefined) {
      try {
        memory = new SharedArrayBuffer(pool.bufferSize * pool.buffersPerBlock);
      } catch (error) {
        // The thread waits for the block this thread took on; stopping it ends the run, and this error says why.
        sideError ??= error;
        thread.stop();
        return;
      }
      // Registration first: no id of this block may reach a queue before every participant can resolve it.
      directory.announce(block, memory);
      try {
        options.tracker?.register(options.device ?? 0, memory.byteLength, block);
      } catch (error) {
        sideError ??= error;
      }
    }
    handToNativeRoles(spec, block, memory);
    thread.addBlock(block, new Uint8Array(memory));
  };
  /** replenish.ts's answerWants: participants that joined after a block's broadcast asked again. */
  const answerWants = (): void => {
    for (const block of directory.pump()) {
      const bytes = directory.blocks[block];
      if (bytes === undefined) continue;
      directory.announce(block, bytes.buffer as SharedArrayBuffer);
      handToNativeRoles(spec, block, bytes.buffer as SharedArrayBuffer);
    }
  };
  let started: ReturnType<typeof launch<RawReplenishResult>>;
  try {
    directory.listen();
    started = launch<RawReplenishResult>(spec, {
      what: 'a native replenish',
      kind: 'replenish',
      lane: 0,
      start: (native, onEvent) =>
        native.startReplenish(
          { ...nativeMemory(spec), blocks: [] },
          {
            ...nativeGeometry(spec),
            lowWatermark: pool.lowWatermark,
            highWatermark: pool.highWatermark,
            allocationTimeoutMs,
          },
          onEvent,
        ),
      onEvent: (kind, block, thread) => {
        if (kind === 'allocate') allocate(block, thread);
        else if (kind === 'announce') answerWants();
      },
      abandon: (role) => role.markExited(),
      sideError: () => sideError,
    });
  } catch (error) {
    directory.close();
    throw error;
  }
  const closing = {
    done: started.done.finally(() => directory.close()),
    stop: started.stop,
  };
  return handle(closing, (raw) => ({
    routed: raw.routed,
    rebalanced: raw.rebalanced,
    blocksAllocated: raw.blocksAllocated,
    registrations: raw.registrations,
    seconds: raw.seconds,
    stopped: raw.stopped,
  }));
}
