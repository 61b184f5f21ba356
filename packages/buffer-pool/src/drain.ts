import type { WaitOutcome } from '@ringkit/spsc-ring';
import type { Control, RoleLine } from './control.js';
import { DeathWatch } from './death.js';
import type { PoolError } from './errors.js';
import { Counter } from './layout.js';
import { type IdReceiver, type IdSender, openReceiver, openSender } from './queues.js';
import { type LoopingRole, runRoles, runRolesAsync } from './role.js';
import { checkLane, checkSpec, type PoolSpec } from './spec.js';
import { announceSleepQueue, type QueueAddress, RoleWaker } from './wake.js';

const C = Counter.drain;

/**
 * The drain of one lane: hands filled buffers from ready[q] to the collector,
 * and keeps the producer supplied by moving recycled[q] into free[q]. It only
 * pops and pushes ids: it never allocates and never touches buffer memory.
 * It sleeps on ready[q]; replenish nudges it when it refills recycled[q], and
 * once the run is complete and ready[q] is empty it exits within one tick.
 */
export class PoolDrain implements LoopingRole {
  readonly lane: number;
  finished = false;
  private readonly role: RoleLine;
  private readonly control: Control;
  private readonly ready: IdReceiver;
  private readonly recycled: IdReceiver;
  private readonly free: IdSender;
  private readonly collect: IdSender;
  private readonly tickMs: number;
  private idleSteps = 0;
  private busySteps = 0;
  private readonly spin: number;
  /** Its producer, collector and replenish: a death among them is reported, and the drain keeps running. */
  private readonly watch: DeathWatch;
  private readonly toFree = (id: number): void => {
    this.free.stage(id, 0);
  };
  private readonly toCollector = (id: number, length: number): void => {
    this.collect.stage(id, length);
  };
  private readonly collectorWaker: RoleWaker;
  private readonly producerWaker: RoleWaker;
  readonly input: QueueAddress;
  private readonly wakeFor = (): boolean =>
    this.control.complete || this.recycled.depth() > 0 || this.watch.news();

  constructor(spec: PoolSpec, lane: number) {
    const control = checkSpec(spec);
    checkLane(spec, lane);
    this.role = control.claim('drain', lane);
    this.control = control;
    this.lane = lane;
    this.tickMs = spec.options.tickMs;
    this.spin = spec.options.spin;
    this.input = { lane, name: 'ready' };
    this.collectorWaker = new RoleWaker(spec, control, 'collector', lane);
    this.producerWaker = new RoleWaker(spec, control, 'producer', lane);
    this.watch = new DeathWatch(this.role, [
      control.line('producer', lane),
      control.line('collector', lane),
      control.line('replenish', 0),
    ]);
    const queues = spec.lanes[lane]!;
    this.ready = openReceiver(queues.ready);
    this.recycled = openReceiver(queues.recycled);
    this.free = openSender(queues.free);
    this.collect = openSender(queues.collect);
  }

  step(): number {
    if (this.finished) return 0;
    if (!this.recycled.hasEntries() && !this.ready.hasEntries()) {
      // Nothing to move. The end is checked now and then: the closed flag sits on the producer's busy line.
      if (this.control.complete || (++this.idleSteps & 63) === 0) this.finishIfEnded();
      this.watch.look();
      return 0;
    }
    if ((++this.busySteps & 255) === 0) this.watch.look();
    this.role.beginMove();
    // Each hop is published once for the whole batch.
    const refilled = this.recycled.drain(this.toFree);
    this.free.publish();
    const handed = this.ready.drain(this.toCollector);
    this.collect.publish();
    this.role.endMove();
    if (refilled > 0) {
      this.role.add(C.refills, refilled);
      this.producerWaker.wakeIfElsewhere();
    }
    if (handed > 0) {
      this.role.add(C.handoffs, handed);
      this.collectorWaker.wakeIfElsewhere();
    }
    return refilled + handed;
  }

  private finishIfEnded(): void {
    if (this.ready.isEnded() || (this.control.complete && !this.ready.hasEntries())) this.finish();
  }

  hasWork(): boolean {
    return this.ready.depth() > 0 || this.wakeFor();
  }

  sleep(until: () => boolean): WaitOutcome {
    return this.ready.wait({
      tickMs: this.tickMs,
      spin: this.spin,
      until: () => this.wakeFor() || until(),
    });
  }

  sleepAsync(until: () => boolean): Promise<WaitOutcome> {
    return this.ready.waitAsync({
      tickMs: this.tickMs,
      spin: this.spin,
      until: () => this.wakeFor() || until(),
    });
  }

  deathReport(): PoolError | undefined {
    return this.watch.error();
  }

  sleepsOn(queue: QueueAddress | undefined): void {
    announceSleepQueue(this.role, queue);
  }

  /** Loops in this thread (a worker's) until the lane's stream ends or the run is complete. */
  run(): PoolError[] {
    return runRoles([this]);
  }

  runAsync(): Promise<PoolError[]> {
    return runRolesAsync([this]);
  }

  private finish(): void {
    this.watch.lookNow();
    this.finished = true;
    // The collector drains what it was handed, then sees the end and exits.
    this.collect.close();
    this.role.markExited();
  }
}
