import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchKitError } from './errors.js';
import { formatValue } from './format.js';
import type { LoadedSuite } from './load-suites.js';
import { type BenchResult, clearRunFiles, readRunResult, writeRepeatedResult } from './results.js';
import { type BenchSelection, describeVerdict, sampleWord, selectBenches } from './run-suites.js';
import { aggregateRuns, CLAIM_RUNS, judgeRuns } from './runs.js';

/** The CLI every fresh process runs: the same bench-kit as this one. */
const BIN = fileURLToPath(new URL('../bin/bench-kit.mjs', import.meta.url));

export interface RepeatedRunOptions extends BenchSelection {
  readonly resultsDir: string;
  /** Fresh processes per bench file, ≥ 2. */
  readonly runs: number;
  readonly quick: boolean;
  /** Run r samples with seed + r − 1; a random base when absent. */
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

interface PlannedFile {
  readonly suite: LoadedSuite;
  readonly benches: readonly { readonly package: string; readonly bench: string }[];
}

/**
 * Samples every (matching) bench in `runs` fresh processes, one bench file per
 * process, interleaved — run 1 of every file, then run 2 of every file, … — so
 * each bench's runs land at different moments rather than back to back in one
 * phase of the machine. Each run is stored as it lands; then each bench's runs
 * become one result (see runs.ts), judged as a repeated run.
 */
export async function runRepeated(
  suites: readonly LoadedSuite[],
  options: RepeatedRunOptions,
): Promise<BenchResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const baseSeed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const planned: PlannedFile[] = suites
    .map((suite) => ({
      suite,
      benches: selectBenches(suite.suite, options).map((bench) => ({
        package: suite.packageName,
        bench: bench.name,
      })),
    }))
    .filter((file) => file.benches.length > 0);
  for (const file of planned) {
    for (const bench of file.benches) await clearRunFiles(options.resultsDir, bench);
  }

  for (let run = 1; run <= options.runs; run++) {
    for (const file of planned) {
      const seed = baseSeed + run - 1;
      const name = relative(process.cwd(), file.suite.file);
      const exit = await runInFreshProcess(file.suite.file, run, seed, options, (pid) =>
        log(`run ${run} of ${options.runs}: ${name} in a fresh process (pid ${pid}, seed ${seed})`),
      );
      const missing: string[] = [];
      for (const bench of file.benches) {
        if ((await readRunResult(options.resultsDir, bench, run)) === null)
          missing.push(bench.bench);
      }
      if (exit.code !== 0 || missing.length > 0) {
        const how =
          exit.code === null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
        throw new BenchKitError(
          'WORKLOAD_FAILED',
          `run ${run} of ${options.runs} of ${name} ${how}${missing.length > 0 ? ` without results for ${missing.join(', ')}` : ''}; its own message is above.`,
        );
      }
    }
  }

  const results: BenchResult[] = [];
  for (const file of planned) {
    for (const bench of file.benches) {
      const runs: BenchResult[] = [];
      for (let run = 1; run <= options.runs; run++) {
        const result = await readRunResult(options.resultsDir, bench, run);
        if (result !== null) runs.push(result);
      }
      const result = aggregateRuns(runs);
      const written = await writeRepeatedResult(options.resultsDir, result);
      results.push(result);
      log(describeRepeated(result, relative(process.cwd(), written)));
    }
  }
  return results;
}

/** "x: +2.10% median of 5 runs, worst +3.40% (run 4), best +0.90% (run 2) PASS (budget 8%), … → file". */
function describeRepeated(result: BenchResult, file: string): string {
  const runs = result.runs ?? [];
  const judgement = judgeRuns(runs, result);
  const show = (value: number) => formatValue(result.unit, value);
  const tooFew = judgement.claim ? '' : ` (fewer than ${CLAIM_RUNS}: not yet a claim)`;
  return `${result.package} ${result.bench}: ${show(judgement.median)} median of ${runs.length} runs${tooFew}, worst ${show(judgement.worst.median)} (run ${judgement.worst.run}), best ${show(judgement.best.median)} (run ${judgement.best.run})${describeVerdict(result)}${judgement.reason ? `: ${judgement.reason}` : ''}, ${result.samples} ${sampleWord(result)} → ${file}`;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One bench file, one run, in a new node process that shares this one's terminal. */
function runInFreshProcess(
  file: string,
  run: number,
  seed: number,
  options: RepeatedRunOptions,
  onStart: (pid: number | undefined) => void,
): Promise<Exit> {
  const args = [
    // The same node flags (--expose-gc, a loader) as this process: a run differs only in being fresh.
    ...process.execArgv,
    BIN,
    'run',
    file,
    '--as-run',
    String(run),
    '--seed',
    String(seed),
    '--out',
    options.resultsDir,
    ...(options.quick ? ['--quick'] : []),
    ...(options.gateOnly ? ['--gate'] : []),
    ...(options.filter === undefined ? [] : ['--filter', options.filter]),
  ];
  const { RINGKIT_BENCH_RUNS: _runsOfThisProcess, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env });
    onStart(child.pid);
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}
