import type { WaitOutcome } from '@ringkit/spsc-ring';

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
}

/**
 * Runs roles in this thread until all have finished. When none has work, it
 * sleeps on the first role's input, and any other role's work also ends that
 * sleep (at the latest one tick later: only the first role's queue can wake it).
 */
export function runRoles(roles: readonly LoopingRole[]): void {
  const [first] = roles;
  if (first === undefined) return;
  const othersHaveWork = () =>
    roles.some((role) => role !== first && !role.finished && role.hasWork());
  for (;;) {
    let moved = 0;
    let running = 0;
    for (const role of roles) {
      if (role.finished) continue;
      moved += role.step();
      if (!role.finished) running++;
    }
    if (running === 0) return;
    if (moved === 0)
      (first.finished ? roles.find((role) => !role.finished)! : first).sleep(othersHaveWork);
  }
}

/** The same without blocking the event loop (for the main thread). */
export async function runRolesAsync(roles: readonly LoopingRole[]): Promise<void> {
  const [first] = roles;
  if (first === undefined) return;
  const othersHaveWork = () =>
    roles.some((role) => role !== first && !role.finished && role.hasWork());
  for (;;) {
    let moved = 0;
    let running = 0;
    for (const role of roles) {
      if (role.finished) continue;
      moved += role.step();
      if (!role.finished) running++;
    }
    if (running === 0) return;
    if (moved === 0)
      await (first.finished ? roles.find((role) => !role.finished)! : first).sleepAsync(
        othersHaveWork,
      );
    // Let the event loop breathe between busy steps too.
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
