/**
 * A role's death: its thread ended (a worker terminated, threw or returned) while the role was
 * claimed and not exited. Nothing in a dead role's hand moves again, so the pool names it —
 * a ROLE_DIED sentence — instead of waiting for it, and the roles that depend on it record
 * that they saw it (their line's report slot) so the pool can say which lanes it stopped.
 */
import type { Control, RoleLine } from './control.js';
import { PoolError } from './errors.js';
import { Counter, LaneRole, ROLES_PER_LANE, type RoleKind, RoleWord } from './layout.js';

/** Where a role line belongs: its kind and lane (replenish: lane 0). */
export function roleOfLine(line: number, lanes: number): { kind: RoleKind; lane: number } {
  if (line === 1 + ROLES_PER_LANE * lanes) return { kind: 'replenish', lane: 0 };
  const kinds = Object.keys(LaneRole) as (keyof typeof LaneRole)[];
  return {
    kind: kinds[(line - 1) % ROLES_PER_LANE]!,
    lane: Math.floor((line - 1) / ROLES_PER_LANE),
  };
}

export function roleName(kind: RoleKind, lane: number): string {
  return kind === 'replenish' ? 'replenish' : `the ${kind} of lane ${lane}`;
}

/**
 * The records in flight in a lane: produced into it (submitted by its producer) and neither
 * collected (returned home by its collector) nor dropped (dropped records are never produced
 * into a buffer). While one of the lane's roles is dead none of them can be delivered, so all
 * of them are counted lost; what a repair finds in the dead owner's hand stays lost for good.
 */
export function recordsInFlight(control: Control, lane: number): number {
  const produced = control.line('producer', lane).counter(Counter.producer.records);
  const collected = control.line('collector', lane).counter(Counter.collector.records);
  return Math.max(0, produced - collected);
}

/** The records a lane lost: all in flight while one of its roles is dead, else what repairs wrote off. */
export function lostRecords(control: Control, lane: number): number {
  const lines = (['producer', 'drain', 'collector'] as const).map((kind) =>
    control.line(kind, lane),
  );
  if (lines.some((line) => line.dead)) return recordsInFlight(control, lane);
  return lines.reduce((sum, line) => sum + line.counter(Counter.role.lostRecords), 0);
}

/** The ROLE_DIED error for a dead role: one sentence naming it, its lane's lost records and the repair. */
export function roleDiedError(control: Control, kind: RoleKind, lane: number): PoolError {
  const line = control.line(kind, lane);
  const thread = `its thread ${line.word(RoleWord.OWNER_THREAD) >>> 0} of process ${line.word(RoleWord.OWNER_PID) >>> 0} ended without the role exiting`;
  if (kind === 'replenish')
    return new PoolError(
      'ROLE_DIED',
      `replenish died (${thread}): no lane gets buffers back or new blocks until it runs again, so every lane reports it; take the role again from a new thread (pool.replenish() there) and the lanes resume.`,
    );
  const taker = kind === 'collector' ? `pool.collector(${lane}, handler)` : `pool.${kind}(${lane})`;
  return new PoolError(
    'ROLE_DIED',
    `the ${kind} of lane ${lane} died (${thread}): the ${recordsInFlight(control, lane)} records in flight in lane ${lane} are counted lost and lanes whose roles are alive keep running; take the role again from a new thread (${taker} there) and the lane resumes.`,
  );
}

/**
 * The ROLE_DIED error for the dead role `line`'s role reported in its report slot, or undefined
 * when it reported none. Native roles fill the slot too: this is how their reports are worded.
 */
export function reportedError(line: RoleLine): PoolError | undefined {
  const report = line.report;
  if (report === 0) return undefined;
  const { kind, lane } = roleOfLine(report - 1, line.control.lanes);
  return roleDiedError(line.control, kind, lane);
}

/** Every dead role of the pool: each lane's producer, drain and collector, then replenish. */
export function deadRoles(control: Control): { kind: RoleKind; lane: number }[] {
  const dead: { kind: RoleKind; lane: number }[] = [];
  for (let lane = 0; lane < control.lanes; lane++)
    for (const kind of ['producer', 'drain', 'collector'] as const)
      if (control.line(kind, lane).dead) dead.push({ kind, lane });
  if (control.line('replenish', 0).dead) dead.push({ kind: 'replenish', lane: 0 });
  return dead;
}

/** How often a role looks at the roles it depends on: a /proc lookup each, so not at every step. */
const LOOK_MS = 50;

/**
 * A role's look at the roles it depends on (its lane's neighbours, replenish): at most every
 * LOOK_MS, it records the first dead one in its own line's report slot (cleared again once that
 * role was taken again) and returns it.
 */
export class DeathWatch {
  private nextLook = 0;
  private found: RoleLine | undefined;
  /** Which of the watched roles were dead at the last look. */
  readonly dead: boolean[];

  constructor(
    private readonly own: RoleLine,
    private readonly watched: readonly RoleLine[],
  ) {
    this.dead = watched.map(() => false);
  }

  /** The dead role this one depends on, if any (looked at again at most every LOOK_MS). */
  look(): RoleLine | undefined {
    const now = performance.now();
    if (now < this.nextLook) return this.found;
    this.nextLook = now + LOOK_MS;
    let found: RoleLine | undefined;
    for (let index = 0; index < this.watched.length; index++) {
      const line = this.watched[index]!;
      this.dead[index] = line.dead;
      if (this.dead[index] && found === undefined) found = line;
    }
    this.found = found;
    this.own.setReport(found === undefined ? -1 : found.line);
    return this.found;
  }

  /** A last look as the role finishes, whenever the previous one was: its report is final. */
  lookNow(): RoleLine | undefined {
    this.nextLook = 0;
    return this.look();
  }

  /**
   * For a sleeping role's `until` (asked every tick): true once when a look finds a death it
   * had not reported (or the reported role was taken again), so the role steps and says so.
   */
  news(): boolean {
    const before = this.found;
    return this.look() !== before;
  }

  /** The error for what this role reported (made once per death seen), or undefined. */
  error(): PoolError | undefined {
    const report = this.own.report;
    if (report === 0) return undefined;
    if (this.lastError?.report !== report)
      this.lastError = { report, error: reportedError(this.own) as PoolError };
    return this.lastError.error;
  }

  private lastError: { report: number; error: PoolError } | undefined;
}
