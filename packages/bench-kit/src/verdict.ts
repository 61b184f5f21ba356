import type { Interval } from './stats.js';

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** The repository-wide overhead budget, in percent. */
export const DEFAULT_BUDGET_PERCENT = 8;

/**
 * Judge an overhead interval (percent) against a budget (percent).
 * `fail` only when even the optimistic end is over budget, `pass` only when even
 * the pessimistic end is under it; anything straddling the line is not a verdict
 * yet, so the caller samples more or reports `inconclusive`.
 */
export function judge(interval: Pick<Interval, 'low' | 'high'>, budgetPercent: number): Verdict {
  if (interval.low > budgetPercent) return 'fail';
  if (interval.high < budgetPercent) return 'pass';
  return 'inconclusive';
}

/** Judge a speedup interval (×) against a required minimum: the mirror image of `judge`. */
export function judgeSpeedup(interval: Pick<Interval, 'low' | 'high'>, atLeast: number): Verdict {
  if (interval.high < atLeast) return 'fail';
  if (interval.low > atLeast) return 'pass';
  return 'inconclusive';
}
