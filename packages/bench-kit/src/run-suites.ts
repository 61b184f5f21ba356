import { relative } from 'node:path';
import { formatInterval, formatValue } from './format.js';
import type { LoadedSuite } from './load-suites.js';
import { createProgressLine } from './progress.js';
import { type BenchResult, toResult, writeResult } from './results.js';
import { runBench } from './runner.js';

export interface RunSuitesOptions {
  readonly resultsDir: string;
  readonly quick: boolean;
  /** Only overhead benchmarks: what the budget gate needs. */
  readonly gateOnly?: boolean;
  readonly filter?: string;
  readonly seed?: number;
  readonly log?: (line: string) => void;
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
    for (const bench of suite.benches) {
      if (options.filter && !bench.name.includes(options.filter)) continue;
      if (options.gateOnly && bench.kind !== 'overhead') continue;
      const run = await runBench(bench, {
        quick: options.quick,
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        onProgress: progress.update,
      }).finally(progress.clear);
      const result = toResult(packageName, run);
      const file = await writeResult(options.resultsDir, result, run);
      results.push(result);
      const requirement =
        result.kind === 'overhead' ? `budget ${result.budget}%` : `needs ≥ ${result.budget}×`;
      const verdict = result.verdict ? ` ${result.verdict.toUpperCase()} (${requirement})` : '';
      const p99 = result.percentiles ? ` p99 ${formatValue('ns', result.percentiles.p99)}` : '';
      log(
        `${packageName} ${result.bench}: ${formatValue(result.unit, result.median)}${p99} ${formatInterval(result.unit, result.interval.low, result.interval.high)}${verdict}, ${result.samples} ${result.kind === 'throughput' ? 'samples' : result.kind === 'latency' ? 'events' : 'pairs'} in ${(result.durationMs / 1000).toFixed(1)} s → ${relative(process.cwd(), file)}`,
      );
    }
  }
  return results;
}
