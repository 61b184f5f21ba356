/**
 * A repeated run (`bench-kit run --runs K`): K fresh processes, each sampling
 * the bench on its own, read as one claim. One process can land in a lucky
 * phase of the machine (a quiet neighbour, a favourable code layout); a figure
 * holds only if it holds across processes started at different moments.
 */
import { formatBudget, formatValue, type Unit } from './format.js';
import { describeMachine, type MachineInfo } from './machine.js';
import {
  type BenchResult,
  DIRECTION_OF,
  RESULT_SCHEMA_VERSION,
  type ResultKind,
  type ResultUnit,
  type RunPick,
  type RunSummary,
  UNIT_OF,
} from './result-schema.js';
import type { Percentiles } from './runner.js';
import { bootstrapMedian, median } from './stats.js';
import { type Direction, meets, type Verdict } from './verdict.js';

/** A figure is a claim only as the median of at least this many runs. */
export const CLAIM_RUNS = 5;

/** How far the worst run may miss the target, as a fraction of the target. */
export const WORST_RUN_MARGIN = 0.3;

export interface RepeatedJudgement {
  /** Pass when the median of the runs' medians meets the target and the worst run is within the margin; null without a target. */
  readonly verdict: Verdict | null;
  readonly median: number;
  readonly worst: RunPick;
  readonly best: RunPick;
  /** The furthest the worst run may land: the target ± 30%; null without a target. */
  readonly worstAllowed: number | null;
  /** Why it failed, in words; null when it did not. */
  readonly reason: string | null;
  /** Whether there are enough runs for a claim (≥ CLAIM_RUNS). */
  readonly claim: boolean;
}

/** The furthest a single run may miss a target: 30% above a bound, 30% below a minimum. */
export function worstAllowed(target: number, direction: Direction): number {
  return direction === 'atMost' ? target * (1 + WORST_RUN_MARGIN) : target * (1 - WORST_RUN_MARGIN);
}

/** The least and most favourable of some figures for a direction, as 1-based run numbers. */
export function worstAndBest(
  medians: readonly number[],
  direction: Direction,
): { worst: RunPick; best: RunPick } {
  if (medians.length === 0) throw new RangeError('worst and best of no runs are undefined');
  // "Worse" is higher for a bound, lower for a minimum; the first of equal runs is picked.
  const worse = (a: number, b: number) => (direction === 'atMost' ? a > b : a < b);
  let worst = 0;
  let best = 0;
  medians.forEach((value, index) => {
    if (worse(value, medians[worst] as number)) worst = index;
    if (worse(medians[best] as number, value)) best = index;
  });
  return {
    worst: { run: worst + 1, median: medians[worst] as number },
    best: { run: best + 1, median: medians[best] as number },
  };
}

export interface RunTargets {
  readonly kind: ResultKind;
  /** The results' unit, where the kind allows more than one (a throughput's 'B/s'). */
  readonly unit?: ResultUnit;
  readonly budget: number | null;
  /** Latency only: the bound on the p99. */
  readonly p99Budget: number | null;
}

/**
 * The verdict of a repeated run, from its runs alone (so a stored summary
 * cannot hide a failing run): the median of the runs' medians must meet the
 * target, and the worst run must land within 30% of it. A latency's p99 bound
 * is held to the same two rules, on the runs' p99s.
 */
export function judgeRuns(runs: readonly RunSummary[], targets: RunTargets): RepeatedJudgement {
  const direction = DIRECTION_OF[targets.kind];
  const unit = targets.unit ?? UNIT_OF[targets.kind];
  const medians = runs.map((run) => run.median);
  const { worst, best } = worstAndBest(medians, direction);
  const centre = median(medians);
  const reasons: string[] = [];
  let judged = false;
  if (targets.budget !== null) {
    judged = true;
    reasons.push(
      ...missed('the median of the runs', centre, worst, targets.budget, {
        direction,
        unit,
        target: formatBudget(targets.kind, targets.budget, null, unit),
      }),
    );
  }
  if (targets.kind === 'latency' && targets.p99Budget !== null) {
    judged = true;
    const p99s = runs.map((run) => run.percentiles?.p99 ?? Number.NaN);
    const p99 = worstAndBest(p99s, 'atMost');
    reasons.push(
      ...missed('the median p99', median(p99s), p99.worst, targets.p99Budget, {
        direction: 'atMost',
        unit: 'ns',
        target: `p99 ${formatBudget('latency', targets.p99Budget)}`,
        figure: 'p99',
      }),
    );
  }
  return {
    verdict: judged ? (reasons.length === 0 ? 'pass' : 'fail') : null,
    median: centre,
    worst,
    best,
    worstAllowed: targets.budget === null ? null : worstAllowed(targets.budget, direction),
    reason: reasons.length === 0 ? null : reasons.join('; '),
    claim: runs.length >= CLAIM_RUNS,
  };
}

/** The rules a repeated run can break for one target, each as a phrase naming the figures. */
function missed(
  what: string,
  centre: number,
  worst: RunPick,
  target: number,
  how: { direction: Direction; unit: Unit; target: string; figure?: string },
): string[] {
  const reasons: string[] = [];
  const show = (value: number) => formatValue(how.unit, value);
  if (!meets(centre, target, how.direction))
    reasons.push(`${what} ${show(centre)} misses ${how.target}`);
  const allowed = worstAllowed(target, how.direction);
  if (!meets(worst.median, allowed, how.direction)) {
    const figure = how.figure ? ` ${how.figure}` : '';
    reasons.push(
      `run ${worst.run}${figure} ${show(worst.median)} is beyond ${show(allowed)} (${how.target}, ${WORST_RUN_MARGIN * 100}% margin)`,
    );
  }
  return reasons;
}

/** What the aggregate keeps of one run's result. */
export function summariseRun(result: BenchResult, run: number): RunSummary {
  if (result.pid === null) {
    throw new RangeError(`run ${run} of ${result.bench} has no pid; it was not sampled as a run`);
  }
  return {
    run,
    pid: result.pid,
    seed: result.seed,
    timestamp: result.timestamp,
    median: result.median,
    interval: result.interval,
    samples: result.samples,
    verdict: result.verdict,
    durationMs: result.durationMs,
    percentiles: result.percentiles,
  };
}

/**
 * One result from the runs of a bench, in the order they ran: the median of
 * their medians with a bootstrap interval between runs, the worst and best run,
 * and the verdict of the repeated run. Per-process detail (the sides of a
 * comparison, the raw samples) stays in each run's own file.
 */
export function aggregateRuns(
  results: readonly BenchResult[],
  machine: MachineInfo = describeMachine(),
): BenchResult {
  const first = results[0];
  if (first === undefined) throw new RangeError('a repeated run needs at least one run');
  const runs = results.map((result, index) => summariseRun(result, index + 1));
  const judgement = judgeRuns(runs, first);
  const between = bootstrapMedian(
    runs.map((run) => run.median),
    { confidence: first.interval.confidence, seed: first.seed },
  );
  return {
    ...first,
    schemaVersion: RESULT_SCHEMA_VERSION,
    median: judgement.median,
    interval: { low: between.low, high: between.high, confidence: between.confidence },
    samples: sum(runs.map((run) => run.samples)),
    verdict: judgement.verdict,
    durationMs: sum(runs.map((run) => run.durationMs)),
    sides: null,
    percentiles: first.kind === 'latency' ? medianPercentiles(runs) : null,
    machine,
    timestamp: new Date().toISOString(),
    pid: null,
    runs,
    worst: judgement.worst,
    best: judgement.best,
  };
}

/** Each percentile's median over the runs, except max, which is the largest any run saw. */
function medianPercentiles(runs: readonly RunSummary[]): Percentiles {
  const of = (pick: (percentiles: Percentiles) => number) =>
    runs.map((run) => (run.percentiles ? pick(run.percentiles) : Number.NaN));
  return {
    p50: median(of((p) => p.p50)),
    p90: median(of((p) => p.p90)),
    p99: median(of((p) => p.p99)),
    max: Math.max(...of((p) => p.max)),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * A result's runs in a few words, for tables: `n=1` for one process, else
 * `[worst … best], n=5`, marked `(< 5)` while there are too few for a claim.
 */
export function describeSpread(
  unit: Unit,
  runCount: number,
  repeated: Pick<RepeatedJudgement, 'worst' | 'best'> | null,
): string {
  const count = `n=${runCount}${runCount > 1 && runCount < CLAIM_RUNS ? ` (< ${CLAIM_RUNS})` : ''}`;
  if (repeated === null) return count;
  return `[${formatValue(unit, repeated.worst.median)} … ${formatValue(unit, repeated.best.median)}], ${count}`;
}
