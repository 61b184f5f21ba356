import type { Interval } from './stats.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** The repository-wide overhead budget, in percent. */
export const DEFAULT_BUDGET_PERCENT = 8;

/**
 * Which side of its target a figure must land on: an overhead or a latency must
 * stay at most the target, a speedup or a throughput must reach at least it.
 */
export type Direction = 'atMost' | 'atLeast';

/**
 * Judge an interval against a target. `fail` only when even the optimistic end
 * misses it, `pass` only when even the pessimistic end meets it; anything
 * straddling the line is not a verdict yet, so the caller samples more or
 * reports `inconclusive`.
 */
export function judgeInterval(
  interval: Pick<Interval, 'low' | 'high'>,
  target: number,
  direction: Direction,
): Verdict {
  const [optimistic, pessimistic] =
    direction === 'atMost' ? [interval.low, interval.high] : [interval.high, interval.low];
  if (!meets(optimistic, target, direction)) return 'fail';
  // An end exactly on the target is not yet a pass: the next samples could go either way.
  if (meets(pessimistic, target, direction) && pessimistic !== target) return 'pass';
  return 'inconclusive';
}

/** Judge an overhead interval (percent) against a budget (percent). */
export function judge(interval: Pick<Interval, 'low' | 'high'>, budgetPercent: number): Verdict {
  return judgeInterval(interval, budgetPercent, 'atMost');
}

/** Judge a speedup interval (×) against a required minimum: the mirror image of `judge`. */
export function judgeSpeedup(interval: Pick<Interval, 'low' | 'high'>, atLeast: number): Verdict {
  return judgeInterval(interval, atLeast, 'atLeast');
}

/** Whether one figure (a median, a p99) is on the right side of its target; the target itself meets it. */
export function meets(value: number, target: number, direction: Direction): boolean {
  return direction === 'atMost' ? value <= target : value >= target;
}

/** The least favourable of several verdicts: any fail fails, else any inconclusive is inconclusive. */
export function combineVerdicts(verdicts: readonly (Verdict | null)[]): Verdict | null {
  const judged = verdicts.filter((verdict): verdict is Verdict => verdict !== null);
  if (judged.length === 0) return null;
  if (judged.includes('fail')) return 'fail';
  return judged.includes('inconclusive') ? 'inconclusive' : 'pass';
}

/**
 * A latency against its bounds: the median's interval under `atMost`, and the
 * p99 (one figure, so pass or fail) under `p99AtMost`; null when it has neither.
 */
export function judgeLatency(
  interval: Pick<Interval, 'low' | 'high'>,
  p99: number,
  atMost: number | null,
  p99AtMost: number | null,
): Verdict | null {
  return combineVerdicts([
    atMost === null ? null : judgeInterval(interval, atMost, 'atMost'),
    p99AtMost === null ? null : meets(p99, p99AtMost, 'atMost') ? 'pass' : 'fail',
  ]);
}
