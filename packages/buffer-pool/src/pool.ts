import { bufferId } from './blocks.js';
import { type CollectHandler, type CollectorOptions, PoolCollector } from './collector.js';
import type { Control } from './control.js';
import { deadRoles, lostRecords, roleDiedError, roleName, roleOfLine } from './death.js';
import { PoolDrain } from './drain.js';
import { PoolError } from './errors.js';
import {
  Counter,
  LINE_WORDS,
  NO_LOW_MARK,
  PoolWord,
  ROLES_PER_LANE,
  type RoleKind,
  RoleWord,
} from './layout.js';
import { type PoolOptions, resolvePoolOptions } from './options.js';
import { PoolProducer } from './producer.js';
import { openSender, queueDepth } from './queues.js';
import { type BlockAllocationListener, PoolReplenish, type ReplenishOptions } from './replenish.js';
import { checkSpec, createSpec, type PoolSpec } from './spec.js';
import { RoleWaker } from './wake.js';

export interface CreatePoolOptions extends PoolOptions {
  /** Told about the initial blocks (replenish reports the later ones to its own tracker). */
  readonly tracker?: BlockAllocationListener;
  readonly device?: number;
}

/** Where every buffer is at one instant; `ok` when they add up to what was allocated. */
export interface Conservation {
  /** False when no quiet instant was found within the attempts (buffers kept moving); the counts are then not comparable. */
  readonly consistent: boolean;
  readonly ok: boolean;
  readonly allocated: number;
  readonly free: number;
  /** Held by producers while they fill them. */
  readonly filling: number;
  readonly ready: number;
  /** Handed to collectors: queued for them or being collected. */
  readonly inCollector: number;
  readonly done: number;
  readonly recycled: number;
  /**
   * Buffers written off when a dead role was taken again (what its owner held): allocated =
   * free + filling + ready + inCollector + done + recycled + lost.
   */
  readonly lost: number;
  /** Records in those buffers (a dead collector's hand; see LaneStats.lost). */
  readonly lostRecords: number;
  /** Snapshot attempts it took. */
  readonly attempts: number;
}

export interface LaneStats {
  readonly lane: number;
  readonly free: number;
  readonly filling: number;
  readonly ready: number;
  readonly inCollector: number;
  readonly done: number;
  readonly recycled: number;
  /** The fewest free buffers the producer found when it needed one (0: it ran dry at least once); null before the first. */
  readonly freeMargin: number | null;
  /** How far the ready backlog stayed from holding every buffer of the pool: allocated minus the deepest ready queue seen. */
  readonly readyMargin: number;
  readonly records: number;
  readonly bytes: number;
  readonly droppedRecords: number;
  readonly droppedBytes: number;
  readonly blockedWaits: number;
  readonly handoffs: number;
  /** Hand-offs (ready → collector) per second since the previous stats() call on this object. */
  readonly handoffsPerSecond: number;
  readonly collected: number;
  readonly collectorErrors: number;
  /** Records the collector returned home (handled, whether its handler threw or not). */
  readonly collectedRecords: number;
  /**
   * Records lost in this lane: while one of its roles is dead, every record in flight (produced
   * and neither collected nor dropped), since none can be delivered; after the role was taken
   * again, the records its dead owner held (Counter.role.lostRecords).
   */
  readonly lost: number;
  /** This lane's roles that are dead now (claimed, not exited, their thread gone). */
  readonly died: readonly ('producer' | 'drain' | 'collector')[];
  /** The dead role this lane's drain or collector reported ('replenish', 'the collector of lane 1', …), or null. */
  readonly reported: string | null;
  readonly exited: {
    readonly producer: boolean;
    readonly drain: boolean;
    readonly collector: boolean;
  };
}

export interface PoolStats {
  readonly lanes: readonly LaneStats[];
  readonly blocks: number;
  readonly buffers: number;
  /** Blocks replenish allocated after creation. */
  readonly blocksAllocated: number;
  /** Blocks replenish registered with the participants after creation (one broadcast each). */
  readonly registrations: number;
  /** Blocks participants in other threads picked up after they joined (each a block they first met on the hot path). */
  readonly pickups: number;
  readonly routed: number;
  readonly rebalanced: number;
  readonly complete: boolean;
  /** Every dead role, as the ROLE_DIED error whenAllHome() would reject with. */
  readonly deadRoles: readonly {
    readonly role: RoleKind;
    readonly lane: number;
    readonly error: PoolError;
  }[];
  /** The dead role replenish reported (a lane's drain or collector), or null. */
  readonly replenishReported: string | null;
}

const SNAPSHOT_ATTEMPTS = 10_000;

/**
 * A handle on a pool from any thread: takes roles, marks the run complete,
 * reads stats and checks conservation. createBufferPool makes the pool;
 * BufferPool.open(spec) joins it from another thread.
 */
export class BufferPool {
  readonly spec: PoolSpec;
  private readonly control: Control;
  private lastHandoffs: number[];
  private lastStatsAt = performance.now();

  private constructor(spec: PoolSpec) {
    this.control = checkSpec(spec);
    this.spec = spec;
    this.lastHandoffs = spec.lanes.map(() => 0);
  }

  static open(spec: PoolSpec): BufferPool {
    return new BufferPool(spec);
  }

  /** @internal */
  static create(options: CreatePoolOptions): BufferPool {
    const resolved = resolvePoolOptions(options);
    const base = createSpec(resolved);
    const blocks = Array.from(
      { length: resolved.initialBlocks },
      () => new SharedArrayBuffer(resolved.bufferSize * resolved.buffersPerBlock),
    );
    const spec: PoolSpec = { ...base, blocks };
    for (const [index, block] of blocks.entries())
      options.tracker?.register(options.device ?? 0, block.byteLength, index);
    Atomics.store(new Int32Array(spec.control), PoolWord.BLOCKS, blocks.length);
    // Seed evenly: buffer n goes to lane n mod lanes, through recycled, which drains pass to producers.
    const recycled = spec.lanes.map((queues) => openSender(queues.recycled));
    let n = 0;
    for (let block = 0; block < blocks.length; block++)
      for (let index = 0; index < resolved.buffersPerBlock; index++, n++)
        recycled[n % resolved.lanes]!.tryPush(bufferId(block, index), 0);
    return new BufferPool(spec);
  }

  /** The producer of `lane` (taken once). Use it from the thread that writes that lane's records. */
  producer(lane: number): PoolProducer {
    return new PoolProducer(this.spec, lane);
  }

  drain(lane: number): PoolDrain {
    return new PoolDrain(this.spec, lane);
  }

  collector(lane: number, handler: CollectHandler, options?: CollectorOptions): PoolCollector {
    return new PoolCollector(this.spec, lane, handler, options);
  }

  replenish(options?: ReplenishOptions): PoolReplenish {
    return new PoolReplenish(this.spec, options);
  }

  /**
   * Marks the run complete (the seed's execution_complete): call it after the
   * producers flushed. Drains exit once their ready queue is empty, within one
   * tick (at once, since they are nudged), then collectors, then replenish.
   */
  complete(): void {
    Atomics.store(this.control.words, PoolWord.COMPLETE, 1);
    for (let lane = 0; lane < this.spec.lanes.length; lane++) {
      this.wake('drain', lane);
      this.wake('collector', lane);
    }
    this.wake('replenish', 0);
  }

  /**
   * Wakes the thread where a role sleeps (it may share that thread with other
   * roles). The pool's own roles knock on each other; this is for drivers of
   * custom roles, e.g. telling a looping producer that there is work.
   */
  wake(kind: RoleKind, lane: number): void {
    new RoleWaker(this.spec, this.control, kind, lane).wake();
  }

  get isComplete(): boolean {
    return this.control.complete;
  }

  /**
   * allocated = free + filling + ready + in collector + done + recycled, read
   * at one instant: every role bumps its sequence number around each move, and
   * the counts are taken between two identical, even readings of all of them.
   */
  conservationCheck(): Conservation {
    const lanes = this.spec.lanes.length;
    // Every role line: each lane's, then replenish's.
    const roleLineCount = ROLES_PER_LANE * lanes + 1;
    const sequences = new Int32Array(roleLineCount);
    const words = this.control.words;
    const sequenceIndex = (line: number) => line * LINE_WORDS + RoleWord.SEQUENCE;
    const lines = Array.from({ length: roleLineCount }, (_, index) => 1 + index);
    // A dead role may have died mid-move (its sequence odd for good): its parity is not waited for.
    const dead = lines.map((line) => this.control.lineAt(line).dead);
    let attempts = 0;
    let totals = {
      allocated: 0,
      free: 0,
      filling: 0,
      ready: 0,
      inCollector: 0,
      done: 0,
      recycled: 0,
      lost: 0,
      lostRecords: 0,
    };
    let consistent = false;
    while (!consistent && attempts < SNAPSHOT_ATTEMPTS) {
      attempts++;
      let quiet = true;
      lines.forEach((line, index) => {
        const sequence = Atomics.load(words, sequenceIndex(line));
        sequences[index] = sequence;
        if (sequence & 1 && !dead[index]) quiet = false;
      });
      if (!quiet) continue;
      totals = this.count();
      consistent = lines.every(
        (line, index) => Atomics.load(words, sequenceIndex(line)) === sequences[index],
      );
    }
    const accounted =
      totals.free +
      totals.filling +
      totals.ready +
      totals.inCollector +
      totals.done +
      totals.recycled +
      totals.lost;
    return { consistent, ok: consistent && accounted === totals.allocated, ...totals, attempts };
  }

  private count() {
    const words = this.control.words;
    const allocated = Atomics.load(words, PoolWord.BLOCKS) * this.spec.options.buffersPerBlock;
    let free = 0;
    let filling = 0;
    let ready = 0;
    let inCollector = 0;
    let done = 0;
    let recycled = 0;
    this.spec.lanes.forEach((queues, lane) => {
      free += queueDepth(queues.free);
      ready += queueDepth(queues.ready);
      inCollector += queueDepth(queues.collect);
      done += queueDepth(queues.done);
      recycled += queueDepth(queues.recycled);
      filling += this.control.line('producer', lane).word(RoleWord.HELD);
      inCollector += this.control.line('collector', lane).word(RoleWord.HELD);
    });
    let lost = 0;
    let lostRecords = 0;
    for (let line = 1; line <= ROLES_PER_LANE * this.spec.lanes.length + 1; line++) {
      lost += this.control.lineAt(line).counter(Counter.role.lostBuffers);
      lostRecords += this.control.lineAt(line).counter(Counter.role.lostRecords);
    }
    return { allocated, free, filling, ready, inCollector, done, recycled, lost, lostRecords };
  }

  /** Every buffer is back in free or recycled (or was written off as lost by a repair): nothing is being filled, queued or collected. */
  allHome(): boolean {
    const check = this.conservationCheck();
    return check.ok && check.free + check.recycled + check.lost === check.allocated;
  }

  /**
   * Resolves once every role has exited and every buffer came home (or was written off by a
   * repair). Rejects with ROLE_DIED as soon as a role is dead (looked at on every poll): a dead
   * role's buffers never come home. Rejects with NOT_HOME after `timeoutMs`.
   */
  async whenAllHome(timeoutMs = 10_000): Promise<Conservation> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const [died] = deadRoles(this.control);
      if (died !== undefined) throw roleDiedError(this.control, died.kind, died.lane);
      const exited = this.roleLines().every(([, line]) => line.exited);
      const check = this.conservationCheck();
      if (exited && check.ok && check.free + check.recycled + check.lost === check.allocated)
        return check;
      if (performance.now() > deadline) {
        const running = this.roleLines()
          .filter(([, line]) => !line.exited && !line.dead)
          .map(([name]) => name);
        throw new PoolError(
          'NOT_HOME',
          `not every buffer came home within ${timeoutMs} ms (${JSON.stringify(check)}); roles still running: ${running.length > 0 ? running.join(', ') : 'none'}.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private roleLines() {
    const entries: [string, ReturnType<Control['line']>][] = [];
    for (let lane = 0; lane < this.spec.lanes.length; lane++)
      for (const kind of ['drain', 'collector'] as RoleKind[])
        entries.push([`${kind} ${lane}`, this.control.line(kind, lane)]);
    entries.push(['replenish', this.control.line('replenish', 0)]);
    return entries;
  }

  stats(): PoolStats {
    const now = performance.now();
    const seconds = (now - this.lastStatsAt) / 1000;
    this.lastStatsAt = now;
    const { buffersPerBlock } = this.spec.options;
    const blocks = Atomics.load(this.control.words, PoolWord.BLOCKS);
    let pickups = 0;
    const lanes = this.spec.lanes.map((queues, lane): LaneStats => {
      const producer = this.control.line('producer', lane);
      const drain = this.control.line('drain', lane);
      const collector = this.control.line('collector', lane);
      const handoffs = drain.counter(Counter.drain.handoffs);
      const handoffsPerSecond = seconds > 0 ? (handoffs - this.lastHandoffs[lane]!) / seconds : 0;
      this.lastHandoffs[lane] = handoffs;
      pickups +=
        producer.counter(Counter.producer.registrations) +
        collector.counter(Counter.collector.registrations);
      const lowMark = producer.word(RoleWord.LOW_MARK);
      return {
        lane,
        free: queueDepth(queues.free),
        filling: producer.word(RoleWord.HELD),
        ready: queueDepth(queues.ready),
        inCollector: queueDepth(queues.collect) + collector.word(RoleWord.HELD),
        done: queueDepth(queues.done),
        recycled: queueDepth(queues.recycled),
        freeMargin: lowMark === NO_LOW_MARK ? null : lowMark,
        readyMargin: blocks * buffersPerBlock - producer.word(RoleWord.HIGH_MARK),
        records: producer.counter(Counter.producer.records),
        bytes: producer.counter(Counter.producer.bytes),
        droppedRecords: producer.counter(Counter.producer.droppedRecords),
        droppedBytes: producer.counter(Counter.producer.droppedBytes),
        blockedWaits: producer.counter(Counter.producer.blockedWaits),
        handoffs,
        handoffsPerSecond,
        collected: collector.counter(Counter.collector.collected),
        collectorErrors: collector.counter(Counter.collector.errors),
        collectedRecords: collector.counter(Counter.collector.records),
        lost: lostRecords(this.control, lane),
        died: (['producer', 'drain', 'collector'] as const).filter(
          (kind) => this.control.line(kind, lane).dead,
        ),
        reported: this.reportOf(drain.report) ?? this.reportOf(collector.report),
        exited: { producer: producer.exited, drain: drain.exited, collector: collector.exited },
      };
    });
    const replenish = this.control.line('replenish', 0);
    return {
      lanes,
      blocks,
      buffers: blocks * buffersPerBlock,
      blocksAllocated: replenish.counter(Counter.replenish.blocksAllocated),
      registrations: replenish.counter(Counter.replenish.registrations),
      pickups,
      routed: replenish.counter(Counter.replenish.routed),
      rebalanced: replenish.counter(Counter.replenish.rebalanced),
      complete: this.control.complete,
      deadRoles: deadRoles(this.control).map(({ kind, lane }) => ({
        role: kind,
        lane,
        error: roleDiedError(this.control, kind, lane),
      })),
      replenishReported: this.reportOf(replenish.report),
    };
  }

  /** A role line's report slot (1 + the dead role's line), named; null for none. */
  private reportOf(report: number): string | null {
    if (report === 0) return null;
    const { kind, lane } = roleOfLine(report - 1, this.spec.lanes.length);
    return roleName(kind, lane);
  }
}

/** Makes a pool: its queues, its control block and its initial blocks, seeded evenly across lanes. */
export function createBufferPool(options: CreatePoolOptions): BufferPool {
  return BufferPool.create(options);
}
