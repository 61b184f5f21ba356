import { BlockDirectory } from './blocks.js';
import type { Control, RoleLine } from './control.js';
import { reportedError } from './death.js';
import { PoolError } from './errors.js';
import { type RoleKind, RoleWord } from './layout.js';
import {
  type RawCollectorResult,
  type RawDrainResult,
  type RawNativeRole,
  type RawReplenishResult,
  type RawRoleRequest,
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

/** What every native role's result says besides its own counts. */
export interface NativeRoleEnd {
  readonly seconds: number;
  /** Ended by stop() rather than by the role's own end condition. */
  readonly stopped: boolean;
  /**
   * A role it depends on died while it ran (its lane's producer, drain or collector, or
   * replenish; replenish watches every lane): the ROLE_DIED error naming it, as runRoles
   * returns for JS roles; undefined when none did, or the dead role was taken again.
   */
  readonly deathReport: PoolError | undefined;
}

export interface NativeDrainResult extends NativeRoleEnd {
  readonly lane: number;
  /** Buffers handed from ready[q] to the collector. */
  readonly handoffs: number;
  /** Buffers moved from recycled[q] to free[q]. */
  readonly refills: number;
}

export interface NativeCollectorOptions {
  /** Buffers taken per step (one move in, one move home), as CollectorOptions.batch. Default 64. */
  readonly batch?: number;
}

/**
 * What a native collector saw. It verifies every record against the native
 * producer's test pattern ([u32 sequence][u32 lane][u32 sequence × 0x9e3779b1, repeated …],
 * see startNativeProducer; test/workers/records.mjs writes the same from JS).
 */
export interface NativeCollectorResult extends NativeRoleEnd {
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
}

export interface NativeReplenishResult extends NativeRoleEnd {
  /** Buffers moved from done to recycled, and those of them sent to another lane. */
  readonly routed: number;
  readonly rebalanced: number;
  /** Blocks allocated (on the starting thread, at the native replenish's request) and registered. */
  readonly blocksAllocated: number;
  readonly registrations: number;
}

/**
 * One role for a native thread: startNativeRoles runs several on one OS thread
 * (as runRoles does in JS), each still the only owner of its queue ends.
 */
export type NativeRoleRequest =
  | { readonly role: 'drain'; readonly lane: number }
  | ({ readonly role: 'collector'; readonly lane: number } & NativeCollectorOptions)
  | ({ readonly role: 'replenish' } & NativeReplenishOptions);

/** A role's result from startNativeRoles, tagged with its role. */
export type NativeRoleResult =
  | ({ readonly role: 'drain' } & NativeDrainResult)
  | ({ readonly role: 'collector' } & NativeCollectorResult)
  | ({ readonly role: 'replenish' } & NativeReplenishResult);

export interface NativeReplenishOptions extends ReplenishOptions {
  /**
   * How long the native thread waits for this thread to start allocating a
   * block it asked for (an event-loop turn) before the run ends with
   * ALLOCATION_TIMEOUT. Default 5000.
   */
  readonly allocationTimeoutMs?: number;
}

/** What one requested role needs from the thread's JS side. */
interface Part {
  readonly kind: RoleKind;
  readonly lane: number;
  /** What the addon is told about the role. */
  readonly raw: RawRoleRequest;
  /** Turns the addon's result into the public one; `end` is what every role's result says. */
  readonly shape: (raw: RawRoleResult, end: NativeRoleEnd) => NativeRoleResult;
  /** A role taken but never started still has to end as the pipeline expects (e.g. close its output). */
  readonly abandon: (role: RoleLine) => void;
  /** Replenish's events (allocate and announce), and what it holds open. */
  readonly onEvent?: (kind: string, block: number, thread: RawNativeRole<RawRoleResult[]>) => void;
  /** An error the JS side met while serving the thread, reported in preference to the thread's. */
  readonly sideError?: () => unknown;
  readonly close?: () => void;
}

function positiveBatch(batch: number): number {
  if (!(Number.isInteger(batch) && batch >= 1 && batch <= 65_536))
    throw new PoolError(
      'INVALID_OPTIONS',
      `batch must be an integer from 1 to 65536, batch=${String(batch)}.`,
    );
  return batch;
}

function drainPart(spec: PoolSpec, lane: number): Part {
  checkLane(spec, lane);
  return {
    kind: 'drain',
    lane,
    raw: { kind: 'drain', lane },
    shape: (raw, end) => {
      const drained = raw as RawDrainResult;
      return { role: 'drain', lane, handoffs: drained.handoffs, refills: drained.refills, ...end };
    },
    abandon: (role) => {
      // The collector finishes once collect[q] is closed.
      openSender(spec.lanes[lane]!.collect).close();
      role.markExited();
    },
  };
}

function collectorPart(spec: PoolSpec, control: Control, lane: number, batch: number): Part {
  checkLane(spec, lane);
  return {
    kind: 'collector',
    lane,
    raw: { kind: 'collector', lane, batch: positiveBatch(batch) },
    shape: (raw, end) => {
      const seen = raw as RawCollectorResult;
      return {
        role: 'collector',
        lane,
        buffers: seen.buffers,
        bytes: seen.bytes,
        records: seen.records,
        payloadBytes: seen.payloadBytes,
        errors: seen.errors,
        firstError: seen.firstError === '' ? undefined : seen.firstError,
        maxSequence: seen.maxSequence,
        gaps: seen.gaps,
        outOfOrder: seen.outOfOrder,
        ...end,
      };
    },
    abandon: (role) => {
      // Replenish finishes once every collector exited.
      role.markExited();
      new RoleWaker(spec, control, 'replenish', 0).wake();
    },
  };
}

/**
 * Replenish's JS side. A native thread cannot create a SharedArrayBuffer: on
 * the thread's request this thread allocates block N, announces it on the
 * pool's channel (before any of its ids is queued), reports it to the tracker
 * and hands it over. It also answers BLOCK_WANTED.
 */
function replenishPart(spec: PoolSpec, options: NativeReplenishOptions): Part {
  const allocationTimeoutMs = options.allocationTimeoutMs ?? 5000;
  if (!(Number.isFinite(allocationTimeoutMs) && allocationTimeoutMs > 0))
    throw new PoolError(
      'INVALID_OPTIONS',
      `allocationTimeoutMs must be a positive number of milliseconds, allocationTimeoutMs=${String(options.allocationTimeoutMs)}.`,
    );
  const pool = spec.options;
  const directory = new BlockDirectory(channelName(spec), spec.control, spec.blocks);
  let sideError: unknown;
  const allocate = (block: number, thread: RawNativeRole<unknown>): void => {
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
  directory.listen();
  return {
    kind: 'replenish',
    lane: 0,
    raw: {
      kind: 'replenish',
      lowWatermark: pool.lowWatermark,
      highWatermark: pool.highWatermark,
      allocationTimeoutMs,
    },
    shape: (raw, end) => {
      const done = raw as RawReplenishResult;
      return {
        role: 'replenish',
        routed: done.routed,
        rebalanced: done.rebalanced,
        blocksAllocated: done.blocksAllocated,
        registrations: done.registrations,
        ...end,
      };
    },
    abandon: (role) => role.markExited(),
    onEvent: (kind, block, thread) => {
      if (kind === 'allocate') allocate(block, thread);
      else if (kind === 'announce') answerWants();
    },
    sideError: () => sideError,
    close: () => directory.close(),
  };
}

function partOf(spec: PoolSpec, control: Control, request: NativeRoleRequest): Part {
  if (request?.role === 'drain') return drainPart(spec, request.lane);
  if (request?.role === 'collector')
    return collectorPart(spec, control, request.lane, request.batch ?? 64);
  if (request?.role === 'replenish') return replenishPart(spec, request);
  throw new PoolError(
    'INVALID_OPTIONS',
    `a native role is { role: 'drain' | 'collector', lane } or { role: 'replenish' }, got ${JSON.stringify(request)}.`,
  );
}

/** Refuses a list that names a role twice or one already taken, before any role is claimed. */
function checkRequests(control: Control, parts: readonly Part[]): void {
  const named = new Set<string>();
  for (const { kind, lane } of parts) {
    const which = kind === 'replenish' ? 'replenish' : `the ${kind} of lane ${lane}`;
    if (named.has(which))
      throw new PoolError(
        'INVALID_OPTIONS',
        `${which} is listed twice: a thread runs each role once; list it once.`,
      );
    named.add(which);
    const line = control.line(kind, lane);
    // Taken by a live owner: throws ROLE_TAKEN (a dead owner's role is taken again below).
    if (line.word(RoleWord.CLAIM) !== 0 && !line.dead) control.claim(kind, lane);
  }
}

/**
 * Runs several roles on ONE native thread: each step does every running role's
 * work once, and when none had work for a while the thread sleeps on the first
 * running role's input, with every role's wake-table word pointing there, so a
 * hand-over to any of them wakes it at once (runRoles's scheme, in C++). This
 * is how native roles fit a small machine: a pool's drains, collectors and
 * replenish on one thread instead of one thread each. Every role is claimed
 * first (a role listed twice is INVALID_OPTIONS; one already taken, ROLE_TAKEN,
 * and none is claimed). `done` resolves with each role's result in the order
 * listed; `stop()` finishes them all. The pool must use waitDomain 'os'. While
 * a native replenish waits for this thread to allocate a block, the roles
 * beside it wait too: keep this thread's event loop turning (await `join()`).
 */
export function startNativeRoles(
  spec: PoolSpec,
  roles: readonly NativeRoleRequest[],
): NativeRole<readonly NativeRoleResult[]> {
  const control = checkSpec(spec);
  const what = 'native roles';
  checkNativePool(spec, what);
  if (!Array.isArray(roles) || roles.length === 0)
    throw new PoolError(
      'INVALID_OPTIONS',
      "startNativeRoles needs a non-empty list of roles, e.g. [{ role: 'drain', lane: 0 }, { role: 'collector', lane: 0 }].",
    );
  const native = requireNative(what);
  const parts: Part[] = [];
  const closeParts = () => {
    for (const part of parts) part.close?.();
  };
  let lines: RoleLine[] = [];
  let feed: BlockFeed | undefined;
  let thread: RawNativeRole<RawRoleResult[]> | undefined;
  try {
    for (const request of roles) parts.push(partOf(spec, control, request));
    checkRequests(control, parts);
    lines = parts.map((part) => control.claim(part.kind, part.lane, spec.lanes[part.lane]));
    feed = new BlockFeed(spec);
    const ownFeed = feed;
    thread = native.startRoles(
      nativeMemory(spec),
      { ...nativeGeometry(spec), roles: parts.map((part) => part.raw) },
      (kind, block) => {
        if (kind === 'want') ownFeed.askFor(block);
        else if (thread !== undefined)
          for (const part of parts) part.onEvent?.(kind, block, thread);
      },
    );
  } catch (error) {
    feed?.close();
    // Roles taken but never started end as the pipeline expects.
    for (const [index, line] of lines.entries()) parts[index]!.abandon(line);
    closeParts();
    throw error;
  }
  const started = thread;
  const blocks = feed;
  blocks.feed((block, bytes) => started.addBlock(block, bytes));
  const done = started.done
    .then((raws) => {
      for (const part of parts) {
        const sideError = part.sideError?.();
        if (sideError !== undefined) throw sideError;
      }
      const failed = raws.find((raw) => raw.errorCode !== '');
      if (failed !== undefined)
        throw new PoolError(failed.errorCode as PoolError['code'], failed.errorMessage);
      return raws.map((raw, index) =>
        parts[index]!.shape(raw, {
          seconds: raw.seconds,
          stopped: raw.stopped,
          deathReport: reportedError(lines[index]!),
        }),
      );
    })
    .finally(() => {
      blocks.close();
      closeParts();
    });
  return { done, join: () => done, stop: () => started.stop() };
}

/** One role on a thread of its own: startNativeRoles with one role, its result untagged. */
function startOne<Result>(spec: PoolSpec, request: NativeRoleRequest): NativeRole<Result> {
  const group = startNativeRoles(spec, [request]);
  const done = group.done.then(([result]) => {
    const { role: _role, ...untagged } = result!;
    return untagged as Result;
  });
  return { done, join: () => done, stop: group.stop };
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
  return startOne(spec, { role: 'drain', lane });
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
  checkSpec(spec);
  checkLane(spec, lane);
  return startOne(spec, { role: 'collector', lane, ...options });
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
  return startOne(spec, { ...options, role: 'replenish' });
}
