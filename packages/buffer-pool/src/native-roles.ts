import type { RoleKind, RoleLine } from './control.js';
import { PoolError } from './errors.js';
import {
  type NativeBinding,
  type RawDrainResult,
  type RawNativeRole,
  type RawRoleEvent,
  type RawRoleResult,
  requireNative,
} from './native.js';
import { BlockFeed, checkNativePool, nativeGeometry, nativeMemory } from './native-link.js';
import { openSender } from './queues.js';
import { checkLane, checkSpec, type PoolSpec } from './spec.js';

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
