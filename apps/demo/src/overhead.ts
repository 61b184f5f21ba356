import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judge, packageFolderName, readResults } from '@ringkit/bench-kit';

/** One package's overhead benchmark, as the budget gate (`bench-kit check`) judges it. */
export interface OverheadVerdict {
  readonly package: string;
  readonly bench: string;
  readonly medianPercent: number;
  readonly lowPercent: number;
  readonly highPercent: number;
  readonly budgetPercent: number;
  readonly verdict: 'pass' | 'fail' | 'inconclusive';
  readonly quick: boolean;
  /** ISO 8601, when the benchmark ran. */
  readonly timestamp: string;
}

export interface OverheadSummary {
  readonly resultsDir: string;
  readonly verdicts: readonly OverheadVerdict[];
  /** Why there are none, in one sentence (no results directory, a malformed file). */
  readonly problem: string | null;
}

/** The workspace's benchmark_results/ (bench-kit's default), unless RINGKIT_BENCH_RESULTS says otherwise. */
export function defaultResultsDir(): string {
  return (
    process.env.RINGKIT_BENCH_RESULTS ??
    join(fileURLToPath(new URL('../../../', import.meta.url)), 'benchmark_results')
  );
}

/**
 * Each package's overhead verdicts from the results bench-kit wrote, re-judged
 * from the stored interval as `bench-kit check` does (so an edited verdict
 * cannot show as a pass), newest first within a package.
 */
export async function readOverheadVerdicts(
  resultsDir = defaultResultsDir(),
): Promise<OverheadSummary> {
  try {
    const verdicts = (await readResults(resultsDir))
      .map(({ result }) => result)
      .filter((result) => result.kind === 'overhead' && result.budget !== null)
      .map((result) => ({
        package: packageFolderName(result.package),
        bench: result.bench,
        medianPercent: result.median,
        lowPercent: result.interval.low,
        highPercent: result.interval.high,
        budgetPercent: result.budget!,
        verdict: judge(result.interval, result.budget!),
        quick: result.quick,
        timestamp: result.timestamp,
      }))
      .sort((a, b) =>
        a.package === b.package
          ? b.timestamp.localeCompare(a.timestamp)
          : a.package.localeCompare(b.package),
      );
    return {
      resultsDir,
      verdicts,
      problem:
        verdicts.length === 0
          ? `no overhead results in ${resultsDir} yet; "npm run bench" writes them.`
          : null,
    };
  } catch (error) {
    return {
      resultsDir,
      verdicts: [],
      problem: error instanceof Error ? error.message : String(error),
    };
  }
}
