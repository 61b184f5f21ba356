import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BenchResult,
  judge,
  packageFolderName,
  parseResult,
  RESULT_SCHEMA,
} from '@ringkit/bench-kit';
import type { OverheadSummary } from './views.js';

// The verdicts' shapes are defined in views.ts, beside the rest of what the dashboard receives.
export type { OverheadSummary, OverheadVerdict } from './views.js';

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
 * cannot show as a pass), newest first within a package. JSON files that are
 * not bench-kit results (other tools write beside them) are passed over; a
 * file that claims to be one and is malformed is reported.
 */
export async function readOverheadVerdicts(
  resultsDir = defaultResultsDir(),
): Promise<OverheadSummary> {
  const results: BenchResult[] = [];
  const problems: string[] = [];
  try {
    for (const folder of await readdir(resultsDir, { withFileTypes: true })) {
      if (!folder.isDirectory()) continue;
      for (const file of await readdir(join(resultsDir, folder.name))) {
        if (!file.endsWith('.json')) continue;
        const path = join(resultsDir, folder.name, file);
        const text = await readFile(path, 'utf8');
        if (!text.includes(RESULT_SCHEMA)) continue;
        try {
          results.push(parseResult(text, path));
        } catch (error) {
          problems.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
  } catch {
    return {
      resultsDir,
      verdicts: [],
      problem: `no results directory at ${resultsDir}; "npm run bench" writes one.`,
    };
  }
  const verdicts = results
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
  if (verdicts.length === 0)
    problems.unshift(`no overhead results in ${resultsDir} yet; "npm run bench" writes them.`);
  return { resultsDir, verdicts, problem: problems.length > 0 ? problems.join(' ') : null };
}
