import type { WaitOutcome } from '@ringkit/spsc-ring';
import { BlockDirectory, bufferId } from './blocks.js';
import type { Control, RoleLine } from './control.js';
import { DeathWatch } from './death.js';
import type { PoolError } from './errors.js';
import { Counter, PoolWord } from './layout.js';
import type { ResolvedPoolOptions } from './options.js';
import {
  type IdReceiver,
  type IdSender,
  openReceiver,
  openSender,
  type QueueMemory,
  queueDepth,
} from './queues.js';
import { type LoopingRole, runRoles, runRolesAsync } from './role.js';
import { channelName, checkSpec, type PoolSpec } from './spec.js';
import { announceSleepQueue, type QueueAddress, RoleWaker } from './wake.js';

const C = Counter.replenish;

/** What measure() counts as a dead lane's available buffers: never the neediest, never short. */
const DEAD_LANE = 2 ** 30;

/** What replenish reports each new block to (an AllocationTracker from @ringkit/buffer-pool/tracking fits). */
export interface BlockAllocationListener {
  register(device: number, bytes: number, id: number): void;
}

export interface ReplenishOptions {
  /** Told about every block replenish allocates. */
  readonly tracker?: BlockAllocationListener;
  /** The device id reported to the tracker. Default 0. */
  readonly device?: number;
}

/**
 * The only mover from done to recycled and the only allocator. It routes each
 * returning buffer to the lane furthest below its high watermark (the only
 * place lanes are balanced, so every queue keeps one writer), and when a lane
 * falls below its low watermark it carves a new block into buffers, ahead of
 * need, so the drain path never waits for an allocation. It sleeps on lane 0's
 * done queue; the other lanes' collectors and hungry producers nudge it.
 */
export class PoolReplenish implements LoopingRole {
  finished = false;
  private readonly role: RoleLine;
  private readonly control: Control;
  private readonly options: ResolvedPoolOptions;
  private readonly done: IdReceiver[];
  private readonly recycled: IdSender[];
  private readonly free: QueueMemory[];
  private readonly recycledMemory: QueueMemory[];
  private readonly drainWakers: RoleWaker[];
  private readonly collectors: RoleLine[];
  /** Every lane's drain and collector: a death is reported; the other lanes keep being served. */
  private readonly watch: DeathWatch;
  readonly input: QueueAddress = { lane: 0, name: 'done' };
  private readonly directory: BlockDirectory;
  private readonly tracker: BlockAllocationListener | undefined;
  private readonly device: number;
  /** Buffers each lane can hand out now (free + recycled), kept current during a step. */
  private readonly available: number[];
  private readonly refilled: boolean[];
  private blocks: number;
  private routingFrom = 0;
  private idleSteps = 0;
  private busySteps = 0;
  /** Set after a sleep: whoever woke it may want a top-up. */
  private knocked = true;
  private readonly route = (id: number): void => {
    const lane = this.neediestLane();
    this.recycled[lane]!.stage(id, 0);
    this.available[lane]!++;
    this.refilled[lane] = true;
    this.role.add(C.routed, 1);
    if (this.routingFrom >= 0 && lane !== this.routingFrom) this.role.add(C.rebalanced, 1);
  };
  private readonly wakeFor = (): boolean =>
    this.control.complete ||
    Atomics.load(this.control.words, PoolWord.BLOCK_WANTED) !== 0 ||
    this.done.some((queue) => queue.depth() > 0) ||
    this.needsBlock();

  constructor(spec: PoolSpec, options: ReplenishOptions = {}) {
    const control = checkSpec(spec);
    this.role = control.claim('replenish', 0);
    this.control = control;
    this.options = spec.options;
    this.done = spec.lanes.map((queues) => openReceiver(queues.done));
    this.recycled = spec.lanes.map((queues) => openSender(queues.recycled));
    this.free = spec.lanes.map((queues) => queues.free);
    this.recycledMemory = spec.lanes.map((queues) => queues.recycled);
    this.collectors = spec.lanes.map((_, lane) => control.line('collector', lane));
    this.watch = new DeathWatch(
      this.role,
      spec.lanes.flatMap((_, lane) =>
        (['producer', 'drain', 'collector'] as const).map((kind) => control.line(kind, lane)),
      ),
    );
    this.drainWakers = spec.lanes.map((_, lane) => new RoleWaker(spec, control, 'drain', lane));
    this.directory = new BlockDirectory(channelName(spec), spec.control, spec.blocks);
    this.directory.listen();
    this.blocks = Atomics.load(control.words, PoolWord.BLOCKS);
    this.tracker = options.tracker;
    this.device = options.device ?? 0;
    this.available = spec.lanes.map(() => 0);
    this.refilled = spec.lanes.map(() => false);
  }

  step(): number {
    if (this.finished) return 0;
    this.answerWants();
    if (!this.done.some((queue) => queue.hasEntries()) && !this.dueForTopUp()) {
      // Exited is stored after a collector's last push: seeing it first, then no entries, misses nothing.
      if (
        this.control.complete &&
        this.collectorsExited() &&
        !this.done.some((queue) => queue.hasEntries())
      )
        this.finish();
      this.watch.look();
      return 0;
    }
    if ((++this.busySteps & 255) === 0) this.watch.look();
    this.measure();
    let moved = 0;
    this.role.beginMove();
    for (let lane = 0; lane < this.done.length; lane++) {
      this.routingFrom = lane;
      moved += this.done[lane]!.drain(this.route);
    }
    moved += this.topUp();
    for (const recycled of this.recycled) recycled.publish();
    this.role.endMove();
    // Drains sleep on ready[q]; tell the ones whose recycled queue just filled.
    for (let lane = 0; lane < this.refilled.length; lane++) {
      if (!this.refilled[lane]) continue;
      this.refilled[lane] = false;
      this.drainWakers[lane]!.wake();
    }
    return moved;
  }

  /**
   * Watermarks are looked at whenever buffers come back, and otherwise on every
   * 64th idle step (measuring reads every lane's queues): a producer that runs
   * dry knocks, which ends a sleep and makes the next step look at once.
   */
  private dueForTopUp(): boolean {
    if (this.knocked || (++this.idleSteps & 63) === 0) {
      this.knocked = false;
      return !this.control.complete && this.blocks < this.options.maxBlocks;
    }
    return false;
  }

  hasWork(): boolean {
    return this.wakeFor() || this.watch.news();
  }

  sleep(until: () => boolean): WaitOutcome {
    this.knocked = true;
    return this.done[0]!.wait({
      tickMs: this.options.tickMs,
      spin: this.options.spin,
      until: () => this.wakeForWhileRunning() || until(),
    });
  }

  sleepAsync(until: () => boolean): Promise<WaitOutcome> {
    this.knocked = true;
    return this.done[0]!.waitAsync({
      tickMs: this.options.tickMs,
      spin: this.options.spin,
      until: () => this.wakeForWhileRunning() || until(),
    });
  }

  sleepsOn(queue: QueueAddress | undefined): void {
    announceSleepQueue(this.role, queue);
  }

  run(): PoolError[] {
    return runRoles([this]);
  }

  runAsync(): Promise<PoolError[]> {
    return runRolesAsync([this]);
  }

  /** After complete, replenish waits for returning buffers and for the collectors to exit, not for anything else. */
  private wakeForWhileRunning(): boolean {
    if (this.watch.news()) return true;
    if (this.control.complete)
      return this.done.some((queue) => queue.hasEntries()) || this.collectorsExited();
    return this.wakeFor();
  }

  /** A dead collector never exits: once one was reported, it counts as ended (its lane is reported). */
  private collectorsExited(): boolean {
    const someDied = this.role.report !== 0;
    return this.collectors.every((collector) => collector.exited || (someDied && collector.dead));
  }

  deathReport(): PoolError | undefined {
    return this.watch.error();
  }

  private measure(): void {
    for (let lane = 0; lane < this.available.length; lane++)
      this.available[lane] = this.laneDead(lane)
        ? DEAD_LANE
        : queueDepth(this.free[lane]!) + queueDepth(this.recycledMemory[lane]!);
  }

  /** A lane with a dead role (as last looked): it gets no buffers (they would never come back) and no blocks. */
  private laneDead(lane: number): boolean {
    const dead = this.watch.dead;
    return dead[3 * lane] === true || dead[3 * lane + 1] === true || dead[3 * lane + 2] === true;
  }

  /**
   * The lane furthest below its high watermark. A lane at or above it has no
   * deficit; a returning buffer leaves the lane it came from only for a lane
   * whose deficit is larger by more than the low watermark, so lanes of equal
   * speed, whose deficits differ by a buffer or two from step to step, keep
   * their own buffers and caches (without that margin a quarter of them
   * changed lanes, bench/wakeups.ts), while a lane that runs dry still draws
   * from one that does not.
   */
  private neediestLane(): number {
    const { highWatermark, lowWatermark } = this.options;
    let best = Math.max(this.routingFrom, 0);
    // From a dead lane, any live lane is better; a new block's buffers (routingFrom -1) have no home.
    let bestDeficit =
      this.available[best] === DEAD_LANE
        ? -DEAD_LANE
        : Math.max(0, highWatermark - this.available[best]!) +
          (this.routingFrom >= 0 ? lowWatermark : 0);
    for (let lane = 0; lane < this.available.length; lane++) {
      const deficit = highWatermark - this.available[lane]!;
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = lane;
      }
    }
    return best;
  }

  private needsBlock(): boolean {
    if (this.control.complete || this.blocks >= this.options.maxBlocks) return false;
    this.measure();
    return this.available.some((count) => count < this.options.lowWatermark);
  }

  /** Allocates blocks while some lane is below its low watermark, spreading each block's buffers by deficit. */
  private topUp(): number {
    let carved = 0;
    const { lowWatermark, maxBlocks, buffersPerBlock, bufferSize } = this.options;
    while (
      !this.control.complete &&
      this.blocks < maxBlocks &&
      this.available.some((count) => count < lowWatermark)
    ) {
      const block = this.blocks;
      const memory = new SharedArrayBuffer(bufferSize * buffersPerBlock);
      // Registration first: no id of this block may reach a queue before every participant can resolve it.
      this.directory.announce(block, memory);
      this.role.add(C.registrations, 1);
      this.blocks = block + 1;
      Atomics.store(this.control.words, PoolWord.BLOCKS, this.blocks);
      this.role.add(C.blocksAllocated, 1);
      this.tracker?.register(this.device, memory.byteLength, block);
      this.routingFrom = -1;
      for (let index = 0; index < buffersPerBlock; index++) this.route(bufferId(block, index));
      carved += buffersPerBlock;
    }
    return carved;
  }

  /** Participants that joined after a block's broadcast ask for it again. */
  private answerWants(): void {
    if (Atomics.load(this.control.words, PoolWord.BLOCK_WANTED) === 0) return;
    Atomics.store(this.control.words, PoolWord.BLOCK_WANTED, 0);
    for (const block of this.directory.pump()) {
      const bytes = this.directory.blocks[block];
      if (bytes !== undefined) this.directory.announce(block, bytes.buffer as SharedArrayBuffer);
    }
  }

  private finish(): void {
    this.watch.lookNow();
    this.finished = true;
    this.role.markExited();
    this.directory.close();
  }
}
