import type { WaitOutcome } from '@ringkit/spsc-ring';
import type { PoolError } from './errors.js';
import type { QueueAddress } from './wake.js';

/**
 * A role that loops: drain, collector or replenish. The loop is written once
 * (runRoles) so that several roles can share a thread without any queue
 * gaining a second writer: each role still owns its ends alone.
 */
export interface LoopingRole {
  /** Does whatever work is waiting, without blocking; returns the buffers moved. */
  step(): number;
  /** True once the role saw its end condition and finished. */
  readonly finished: boolean;
  /** Work is waiting (or the end condition holds): another role's loop should not sleep. */
  hasWork(): boolean;
  /** Sleeps on this role's input until work, a nudge, `until`, or one tick. */
  sleep(until: () => boolean): WaitOutcome;
  sleepAsync(until: () => boolean): Promise<WaitOutcome>;
  /** The queue this role sleeps on when it leads its thread's roles. */
  readonly input?: QueueAddress;
  /** Told where its thread sleeps, so that whoever gives it work knocks there. */
  sleepsOn?(queue: QueueAddress | undefined): void;
  /** A role it depends on died: the ROLE_DIED error naming it (see death.ts), else undefined. */
  deathReport?(): PoolError | undefined;
}

export interface RunRolesOptions {
  /**
   * Told, once per role, when a role of this thread reports a dead role it depends on (its
   * lane's drain or collector, or replenish). The other roles keep running; the report is in
   * the control block too (stats(), whenAllHome()). Default: nothing.
   */
  readonly onReport?: (error: PoolError, role: LoopingRole) => void;
}

/**
 * The roles of one thread: steps them all, and picks the one to sleep on (the
 * first still running), telling each role where that is so that whoever gives
 * any of them work knocks on the right queue.
 */
class RoleGroup {
  private leader: LoopingRole | undefined;
  /** Each role's last report, so that a new one is told once. */
  private readonly reported = new Map<LoopingRole, PoolError>();

  constructor(
    private readonly roles: readonly LoopingRole[],
    private readonly options: RunRolesOptions = {},
  ) {}

  /** Steps every running role once; returns the buffers moved, or -1 when all have finished. */
  step(): number {
    let moved = 0;
    let running = 0;
    for (const role of this.roles) {
      if (role.finished) continue;
      moved += role.step();
      if (role.deathReport !== undefined) this.noteReport(role);
      if (!role.finished) running++;
    }
    return running === 0 ? -1 : moved;
  }

  private noteReport(role: LoopingRole): void {
    const report = role.deathReport?.();
    if (report === undefined || this.reported.get(role) === report) return;
    this.reported.set(role, report);
    this.options.onReport?.(report, role);
  }

  /** The reports the roles hold at the end: one error per role that saw a dead role. */
  reports(): PoolError[] {
    const reports: PoolError[] = [];
    for (const role of this.roles) {
      const report = role.deathReport?.();
      if (report !== undefined) reports.push(report);
    }
    return reports;
  }

  /** The role to sleep on, and a predicate that ends the sleep when any other has work. */
  sleeper(): { leader: LoopingRole; othersHaveWork: () => boolean } {
    const leader = this.roles.find((role) => !role.finished)!;
    if (leader !== this.leader) {
      this.leader = leader;
      const shared = this.roles.length > 1 ? leader.input : undefined;
      for (const role of this.roles) role.sleepsOn?.(shared);
    }
    const othersHaveWork = () =>
      this.roles.some((role) => role !== leader && !role.finished && role.hasWork());
    return { leader, othersHaveWork };
  }
}

/**
 * Idle steps a thread takes before it sleeps. An idle step of a lane's roles
 * costs 100–200 ns, so this is 10–20 µs of stepping: less than one wake-up.
 * Work that a thread on another core is about to hand over (a lane waiting on
 * replenish in another thread, say) is then picked up without a futex round
 * trip on either side; a thread with nothing coming still sleeps after this
 * short, bounded stretch.
 */
const IDLE_STEPS_BEFORE_SLEEP = 100;

/**
 * Runs roles in this thread until all have finished, and returns the ROLE_DIED reports they
 * hold (a role that saw a dead role it depends on; `onReport` hears of each at once). When none has work for
 * IDLE_STEPS_BEFORE_SLEEP steps, it sleeps on the first running role's input;
 * the roles that feed the others knock there (wake.ts), so work for any of
 * them ends the sleep at once.
 */
export function runRoles(roles: readonly LoopingRole[], options?: RunRolesOptions): PoolError[] {
  const group = new RoleGroup(roles, options);
  let idle = 0;
  for (let moved = group.step(); moved >= 0; moved = group.step()) {
    if (moved > 0) {
      idle = 0;
      continue;
    }
    if (++idle < IDLE_STEPS_BEFORE_SLEEP) continue;
    idle = 0;
    const { leader, othersHaveWork } = group.sleeper();
    leader.sleep(othersHaveWork);
  }
  return group.reports();
}

/** The same without blocking the event loop (for the main thread). */
export async function runRolesAsync(
  roles: readonly LoopingRole[],
  options?: RunRolesOptions,
): Promise<PoolError[]> {
  const group = new RoleGroup(roles, options);
  for (let moved = group.step(); moved >= 0; moved = group.step()) {
    if (moved > 0) {
      // Let the event loop breathe between busy steps too.
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    const { leader, othersHaveWork } = group.sleeper();
    await leader.sleepAsync(othersHaveWork);
  }
  return group.reports();
}
