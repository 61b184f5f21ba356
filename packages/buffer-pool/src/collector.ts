import type { WaitOutcome } from '@ringkit/spsc-ring';
import { BlockDirectory, blockOf, indexOf } from './blocks.js';
import { Counter, type RoleLine } from './control.js';
import {
  type IdReceiver,
  type IdSender,
  nudgeReceiver,
  openReceiver,
  openSender,
  type QueueMemory,
} from './queues.js';
import { type LoopingRole, runRoles, runRolesAsync } from './role.js';
import { askForBlock, channelName, checkLane, checkSpec, type PoolSpec } from './spec.js';

const C = Counter.collector;
const NONE = -1;

/** Reads one filled buffer: `bytes` is its block, the buffer is `[offset, offset + length)`. See forEachRecord. */
export type CollectHandler = (
  bytes: Uint8Array,
  offset: number,
  length: number,
  lane: number,
) => void;

export interface CollectorOptions {
  /** Called when the handler throws; the buffer still goes home and the lane keeps running. Default: console.error. */
  readonly onError?: (error: unknown, lane: number) => void;
  /** Buffers handled per step before the loop looks at its other roles again. Default 64. */
  readonly batch?: number;
}

/**
 * The collector of one lane: hands each buffer the drain passed on to the
 * user's handler, then returns it through done[q] to replenish. A handler
 * that throws is reported and counted; its buffer is returned all the same.
 */
export class PoolCollector implements LoopingRole {
  readonly lane: number;
  finished = false;
  private readonly role: RoleLine;
  private readonly collect: IdReceiver;
  private readonly done: IdSender;
  private readonly replenishBell: QueueMemory | undefined;
  private readonly tickMs: number;
  private readonly directory: BlockDirectory;
  private readonly bufferSize: number;
  private readonly handler: CollectHandler;
  private readonly onError: (error: unknown, lane: number) => void;
  private readonly batch: number;
  private current = NONE;
  private currentLength = 0;
  private readonly take = (id: number, length: number): void => {
    this.current = id;
    this.currentLength = length;
  };

  constructor(
    spec: PoolSpec,
    lane: number,
    handler: CollectHandler,
    options: CollectorOptions = {},
  ) {
    const control = checkSpec(spec);
    checkLane(spec, lane);
    if (typeof handler !== 'function')
      throw new TypeError(
        `the collector of lane ${lane} needs a handler function (bytes, offset, length, lane) => void.`,
      );
    this.role = control.claim('collector', lane);
    this.lane = lane;
    this.handler = handler;
    this.onError =
      options.onError ??
      ((error, errorLane) =>
        console.error(
          `@ringkit/buffer-pool: the collector of lane ${errorLane} threw; its buffer was returned:`,
          error,
        ));
    this.batch = options.batch ?? 64;
    this.bufferSize = spec.options.bufferSize;
    this.directory = new BlockDirectory(channelName(spec), spec.control, spec.blocks, () => askForBlock(spec));
    this.directory.listen();
    const queues = spec.lanes[lane]!;
    this.collect = openReceiver(queues.collect);
    this.done = openSender(queues.done);
    // Replenish sleeps on lane 0's done queue; other lanes ring it after each return (see replenish.ts).
    this.replenishBell = lane === 0 ? undefined : spec.lanes[0]!.done;
    this.tickMs = spec.options.tickMs;
  }

  step(): number {
    let handled = 0;
    while (handled < this.batch && !this.finished) {
      this.role.beginMove();
      const got = this.collect.drain(this.take, 1);
      if (got === 1) this.role.setHeld(1);
      this.role.endMove();
      if (got === 0) {
        if (this.collect.isEnded()) this.finish();
        break;
      }
      this.collectCurrent();
      this.role.beginMove();
      this.done.tryPush(this.current, 0);
      this.role.setHeld(0);
      this.role.endMove();
      this.current = NONE;
      this.ringReplenish();
      handled++;
    }
    return handled;
  }

  private collectCurrent(): void {
    const id = this.current;
    const length = this.currentLength;
    if (length === 0) return;
    try {
      const bytes = this.directory.bytes(blockOf(id));
      this.handler(bytes, indexOf(id) * this.bufferSize, length, this.lane);
      this.role.add(C.collected, 1);
      this.role.add(C.bytes, length);
    } catch (error) {
      this.role.add(C.errors, 1);
      this.onError(error, this.lane);
    }
    const newRegistrations = this.directory.registrations - this.role.counter(C.registrations);
    if (newRegistrations > 0) this.role.add(C.registrations, newRegistrations);
  }

  private ringReplenish(): void {
    if (this.replenishBell !== undefined) nudgeReceiver(this.replenishBell);
  }

  hasWork(): boolean {
    return this.collect.depth() > 0 || this.collect.isEnded();
  }

  sleep(until: () => boolean): WaitOutcome {
    return this.collect.wait({ tickMs: this.tickMs, until });
  }

  sleepAsync(until: () => boolean): Promise<WaitOutcome> {
    return this.collect.waitAsync({ tickMs: this.tickMs, until });
  }

  run(): void {
    runRoles([this]);
  }

  runAsync(): Promise<void> {
    return runRolesAsync([this]);
  }

  private finish(): void {
    this.finished = true;
    this.done.close();
    this.ringReplenish();
    this.role.markExited();
    this.directory.close();
  }
}
