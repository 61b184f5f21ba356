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
