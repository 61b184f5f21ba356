import { readFileSync } from 'node:fs';

/**
 * The hypervisor's share of the CPUs ("steal"): time a virtual CPU was ready to run while
 * the host ran something else. On the project's 2-vCPU VMs it comes in phases, seconds to
 * minutes long, that take 10–20 % of both CPUs; a comparison sampled then measures the host's
 * scheduling as much as the code. A 16-deep command ring against a C++ loop, 3 000 commands a
 * side: +0.9 % and −3.8 % in pairs under 3–6 % steal, +19 % to +44 % in pairs under 16–22 %.
 * So a pair the hypervisor took more than STEAL_LIMIT of is set aside, and counted.
 */
export const STEAL_LIMIT = 0.05;

/** Cumulative CPU time of every CPU, in clock ticks: the part stolen and the whole. */
export interface CpuTimes {
  readonly steal: number;
  readonly total: number;
}

/** Reads the cumulative CPU times now; null where the system does not say (not Linux). */
export type CpuTimesReader = () => CpuTimes | null;

/** Linux's /proc/stat "cpu" line: user nice system idle iowait irq softirq steal guest guest_nice. */
export function readCpuTimes(): CpuTimes | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null; // not Linux, or /proc not mounted: steal cannot be seen, so none is set aside
  }
  return parseCpuLine(text.slice(0, text.indexOf('\n')));
}

export function parseCpuLine(line: string): CpuTimes | null {
  const [name, ...fields] = line.trim().split(/\s+/);
  if (name !== 'cpu' || fields.length < 8) return null;
  const ticks = fields.map(Number);
  if (ticks.some((tick) => !Number.isFinite(tick))) return null;
  // guest and guest_nice are already counted in user and nice: the first eight are the whole.
  const total = ticks.slice(0, 8).reduce((sum, tick) => sum + tick, 0);
  return { steal: ticks[7] as number, total };
}

/** The share of the CPU time between two readings that the hypervisor took, 0 to 1. */
export function stealShare(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, (after.steal - before.steal) / total));
}
