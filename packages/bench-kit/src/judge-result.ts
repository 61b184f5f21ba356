/**
 * A stored result judged again from its figures, as `check` does: so that a
 * stale or edited verdict cannot hide a failure, and so that `--budget` and
 * `--strict` apply to results written before they were asked for.
 */
import { formatBudget, formatValue } from './format.js';
import {
  type BenchResult,
  DIRECTION_OF,
  type ResultInterval,
  type ResultKind,
} from './result-schema.js';
import type { Percentiles } from './runner.js';
import { judgeRuns, type RepeatedJudgement } from './runs.js';
import { judgeInterval, judgeLatency, meets, type Verdict } from './verdict.js';

export interface JudgeOptions {
  /** Judge every overhead against this budget instead of its own. */
  readonly budget?: number;
  /** An inconclusive result whose median misses its target fails. */
  readonly strict?: boolean;
}

export interface Judgement {
  readonly verdict: Verdict | null;
  /** Why it failed when the interval alone does not say: strict mode, a repeated run's rules. */
  readonly reason: string | null;
  /** The target judged against (the override, for an overhead under `--budget`). */
  readonly budget: number | null;
  /** A repeated run's figures; null for a single run. */
  readonly repeated: RepeatedJudgement | null;
}

/** The target a result is judged against: its own, or `--budget` for an overhead. */
export function budgetOf(result: Pick<BenchResult, 'kind' | 'budget'>, override?: number) {
  return result.kind === 'overhead' && override !== undefined ? override : result.budget;
}

/** One sampling's figures against targets: its interval (and a latency's p99). */
export function judgeSampled(
  figures: { readonly interval: ResultInterval; readonly percentiles: Percentiles | null },
  kind: ResultKind,
  budget: number | null,
  p99Budget: number | null,
): Verdict | null {
  if (kind === 'latency') {
    return judgeLatency(
      figures.interval,
      figures.percentiles?.p99 ?? Number.NaN,
      budget,
      p99Budget,
    );
  }
  return budget === null ? null : judgeInterval(figures.interval, budget, DIRECTION_OF[kind]);
}

export function judgeResult(result: BenchResult, options: JudgeOptions = {}): Judgement {
  const budget = budgetOf(result, options.budget);
  if (result.runs !== null) {
    const repeated = judgeRuns(result.runs, {
      kind: result.kind,
      unit: result.unit,
      budget,
      p99Budget: result.p99Budget,
    });
    return { verdict: repeated.verdict, reason: repeated.reason, budget, repeated };
  }
  const verdict = judgeSampled(result, result.kind, budget, result.p99Budget);
  if (options.strict && verdict === 'inconclusive' && budget !== null) {
    const direction = DIRECTION_OF[result.kind];
    if (!meets(result.median, budget, direction)) {
      const target = formatBudget(result.kind, budget, null, result.unit);
      return {
        verdict: 'fail',
        reason: `strict: inconclusive, and its median ${formatValue(result.unit, result.median)} misses ${target}`,
        budget,
        repeated: null,
      };
    }
  }
  return { verdict, reason: null, budget, repeated: null };
}
