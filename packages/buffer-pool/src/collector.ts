import type { WaitOutcome } from '@ringkit/spsc-ring';
import { BlockDirectory, blockOf, indexOf } from './blocks.js';
import type { Control, RoleLine } from './control.js';
import { DeathWatch } from './death.js';
import type { PoolError } from './errors.js';
import { Counter } from './layout.js';
import { type IdReceiver, type IdSender, openReceiver, openSender } from './queues.js';
import { recordSpan } from './records.js';
import { type LoopingRole, runRoles, runRolesAsync } from './role.js';
import { channelName, checkLane, checkSpec, type PoolSpec } from './spec.js';
import { announceSleepQueue, askForBlock, type QueueAddress, RoleWaker } from './wake.js';

const C = Counter.collector;

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
  private readonly replenishWaker: RoleWaker;
  readonly input: QueueAddress;
  private readonly tickMs: number;
  private readonly control: Control;
  private idleSteps = 0;
  private busySteps = 0;
  private readonly spin: number;
  private readonly directory: BlockDirectory;
  private readonly bufferSize: number;
  private readonly handler: CollectHandler;
  private readonly onError: (error: unknown, lane: number) => void;
  private readonly batch: number;
  private readonly takenIds: Uint32Array;
  private readonly takenLengths: Uint32Array;
  private taken = 0;
  /** Its drain and replenish: a death is reported; a dead drain ends the collector once the run is complete. */
  private readonly watch: DeathWatch;
  private readonly drainLine: RoleLine;
  /** One word view per block, made once. */
  private readonly blockWords: Uint32Array[] = [];
  /** Takes one buffer into the hand and counts its records; `holdTaken` then stores the hand. */
  private readonly take = (id: number, length: number): void => {
    this.takenIds[this.taken] = id;
    this.takenLengths[this.taken++] = length;
    this.takenRecords += this.countRecords(id, length);
  };
  /**
   * Stores the hand (its records, then its count) before the queue frees the slots of the move,
   * in one store after this returns: a death anywhere in a take leaves either all of it done or,
   * per settleDeadOwner, none. Once per move: per buffer, the stores cost the hand-offs.
   */
  private readonly holdTaken = (): void => {
    const records = this.takenRecords - this.heldRecords;
    if (records > 0) this.role.add(C.takenRecords, records);
    this.heldRecords = this.takenRecords;
    this.role.setHeld(this.taken);
  };
  /** takenRecords as the hand's stores last counted them (holdTaken adds what is new). */
  private heldRecords = 0;
  private takenRecords = 0;

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
    this.role = control.claim('collector', lane, spec.lanes[lane]);
    this.control = control;
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
    this.takenIds = new Uint32Array(this.batch);
    this.takenLengths = new Uint32Array(this.batch);
    this.bufferSize = spec.options.bufferSize;
    this.directory = new BlockDirectory(channelName(spec), spec.control, spec.blocks, () =>
      askForBlock(spec, this.replenishWaker),
    );
    this.directory.listen();
    const queues = spec.lanes[lane]!;
    this.collect = openReceiver(queues.collect);
    this.done = openSender(queues.done);
    this.input = { lane, name: 'collect' };
    this.replenishWaker = new RoleWaker(spec, control, 'replenish', 0);
    this.drainLine = control.line('drain', lane);
    this.watch = new DeathWatch(this.role, [this.drainLine, control.line('replenish', 0)]);
    this.tickMs = spec.options.tickMs;
    this.spin = spec.options.spin;
  }

  /**
   * Takes up to `batch` buffers in one move, collects each, and returns them
   * all to replenish in one move: one publish per hop for the whole batch.
   */
  step(): number {
    if (this.finished) return 0;
    if (!this.collect.hasEntries()) {
      // The closed flag sits on the drain's busy line: look at it now and then, or once the run is complete.
      if ((this.control.complete || (++this.idleSteps & 63) === 0) && this.collect.isEnded())
        this.finish();
      // A dead drain never closes collect[q]: once the run is complete, the collector ends on its report.
      else if (this.watch.look() === this.drainLine && this.control.complete) this.finish();
      return 0;
    }
    if ((++this.busySteps & 255) === 0) this.watch.look();
    // Each move is journalled (Counter.collector.move, with the hand it started from) so that
    // whoever takes the role after a death mid-move can tell whether the queue's store happened:
    // see settleDeadOwner. A take frees one run of collect[q] (at most a quarter of it), so up to
    // `batch` buffers take several moves: a small batch would cost a knock on replenish each.
    this.taken = 0;
    this.takenRecords = 0;
    let moved: number;
    do {
      this.role.beginMove();
      this.role.setCounter(C.moveHeld, this.taken);
      this.role.setCounter(C.moveTakenRecords, this.role.counter(C.takenRecords));
      this.role.setCounter(C.move, 1 + this.collect.position());
      this.heldRecords = this.takenRecords;
      moved = this.collect.drainOnce(this.take, this.batch - this.taken, this.holdTaken);
      this.role.setCounter(C.move, 0);
      this.role.endMove();
    } while (moved > 0 && this.taken < this.batch && this.collect.hasEntries());
    const got = this.taken;
    if (got === 0) return 0;
    const records = this.takenRecords;
    for (let i = 0; i < got; i++) this.collectOne(this.takenIds[i]!, this.takenLengths[i]!);
    this.role.beginMove();
    // Handled: they count as collected whether or not their buffers make it home.
    this.role.add(C.records, records);
    for (let i = 0; i < got; i++) this.done.stage(this.takenIds[i]!, 0);
    this.role.setCounter(C.move, -(1 + this.done.position()));
    this.done.publish();
    this.role.setHeld(0);
    this.role.setCounter(C.move, 0);
    this.role.endMove();
    this.ringReplenish();
    return got;
  }

  /** The records in a buffer, walking their headers (0 for a buffer it cannot resolve or read). */
  private countRecords(id: number, length: number): number {
    if (length === 0) return 0;
    try {
      const block = blockOf(id);
      let words = this.blockWords[block];
      if (words === undefined) {
        const bytes = this.directory.bytes(block);
        words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
        this.blockWords[block] = words;
      }
      const start = indexOf(id) * this.bufferSize;
      const end = start + length;
      let records = 0;
      for (let at = start; at < end; records++) at += recordSpan(words[at >> 2]!);
      return records;
    } catch {
      return 0;
    }
  }

  private collectOne(id: number, length: number): void {
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

  /** Replenish sleeps on lane 0's done queue (or its thread's): a push there wakes it, other lanes knock. */
  private ringReplenish(): void {
    if (this.lane === 0) this.replenishWaker.wakeIfElsewhere();
    else this.replenishWaker.wake();
  }

  deathReport(): PoolError | undefined {
    return this.watch.error();
  }

  sleepsOn(queue: QueueAddress | undefined): void {
    announceSleepQueue(this.role, queue);
  }

  hasWork(): boolean {
    return this.collect.depth() > 0 || this.collect.isEnded() || this.watch.news();
  }

  sleep(until: () => boolean): WaitOutcome {
    return this.collect.wait({ tickMs: this.tickMs, spin: this.spin, until: this.orNews(until) });
  }

  sleepAsync(until: () => boolean): Promise<WaitOutcome> {
    return this.collect.waitAsync({
      tickMs: this.tickMs,
      spin: this.spin,
      until: this.orNews(until),
    });
  }

  /** A sleep also ends when a look finds a new death (so the collector reports it). */
  private orNews(until: () => boolean): () => boolean {
    return () => this.watch.news() || until();
  }

  run(): PoolError[] {
    return runRoles([this]);
  }

  runAsync(): Promise<PoolError[]> {
    return runRolesAsync([this]);
  }

  private finish(): void {
    this.watch.lookNow();
    this.finished = true;
    // Marked before the knock, so replenish sees it when it wakes. done[q] stays open: replenish sleeps on
    // lane 0's, and a closed queue would end every one of its sleeps at once.
    this.role.markExited();
    // No push to done[q] comes with an exit, so even lane 0's collector knocks where replenish sleeps.
    this.replenishWaker.wake();
    this.directory.close();
  }
}
