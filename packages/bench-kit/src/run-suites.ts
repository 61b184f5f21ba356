import { relative } from 'node:path';
import type { Bench, Suite } from './define.js';
import { formatBudget, formatInterval, formatValue } from './format.js';
import type { LoadedSuite } from './load-suites.js';
import { createProgressLine } from './progress.js';
import { type BenchResult, toResult, writeResult } from './results.js';
import { runBench } from './runner.js';

export interface BenchSelection {
  /** Only overhead benchmarks: what the budget gate needs. */
  readonly gateOnly?: boolean;
  readonly filter?: string;
}

export interface RunSuitesOptions extends BenchSelection {
  readonly resultsDir: string;
  readonly quick: boolean;
  readonly seed?: number;
  /** Store each result as run r of a repeated run (`runs/<bench>.run-<r>.json`) instead of as `<bench>.json`. */
  readonly asRun?: number;
  readonly log?: (line: string) => void;
}

/** The benches of a suite that a run with these options samples, in definition order. */
export function selectBenches(suite: Suite, selection: BenchSelection): Bench[] {
  return suite.benches.filter(
    (bench) =>
      !(selection.filter && !bench.name.includes(selection.filter)) &&
      !(selection.gateOnly && (bench.kind !== 'overhead' || bench.gate === false)),
  );
}

/** Runs every (matching) bench of every suite, one at a time, writing each result as it lands. */
export async function runSuites(
  suites: readonly LoadedSuite[],
  options: RunSuitesOptions,
): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const progress = createProgressLine();
  const results: BenchResult[] = [];
  for (const { packageName, suite } of suites) {
    for (const bench of selectBenches(suite, options)) {
      const run = await runBench(bench, {
        quick: options.quick,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        onProgress: progress.update,
      }).finally(progress.clear);
      const result = toResult(packageName, run);
      const file = await writeResult(options.resultsDir, result, run, options.asRun);
      results.push(result);
      const p99 = result.percentiles ? ` p99 ${formatValue('ns', result.percentiles.p99)}` : '';
      log(
        `${packageName} ${result.bench}: ${formatValue(result.unit, result.median)}${p99} ${formatInterval(result.unit, result.interval.low, result.interval.high)}${describeVerdict(result)}, ${result.samples} ${sampleWord(result)}${describeSteal(result)} in ${(result.durationMs / 1000).toFixed(1)} s → ${relative(process.cwd(), file)}`,
      );
    }
  }
  return results;
}

/** " PASS (budget 8%)", " FAIL (needs ≥ 30×)"; empty for a result without a target. */
export function describeVerdict(result: BenchResult): string {
  if (result.verdict === null) return '';
  const target = formatBudget(result.kind, result.budget, result.p99Budget, result.unit);
  const requirement = result.kind === 'overhead' ? `budget ${target}` : `needs ${target}`;
  return ` ${result.verdict.toUpperCase()} (${requirement})`;
}

/** " (7 more set aside: hypervisor steal, 12.0% over the run)"; empty when none was seen. */
export function describeSteal(result: Pick<BenchResult, 'steal'>): string {
  const steal = result.steal;
  if (!steal || (steal.pairsSetAside === 0 && steal.stolenPairsKept === 0 && steal.percent < 1))
    return '';
  const setAside =
    steal.stolenPairsKept > 0
      ? `${steal.stolenPairsKept} of them stolen from, kept: too few clean ones; `
      : steal.pairsSetAside > 0
        ? `${steal.pairsSetAside} more set aside: `
        : '';
  return ` (${setAside}hypervisor steal ${steal.percent.toFixed(1)}% over the run)`;
}

/** What one of a result's samples is: a pair, a sample, an event. */
export function sampleWord(result: Pick<BenchResult, 'kind'>): string {
  return result.kind === 'throughput' ? 'samples' : result.kind === 'latency' ? 'events' : 'pairs';
}
