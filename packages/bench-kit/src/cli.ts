import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkResults } from './check.js';
import { BenchKitError } from './errors.js';
import { defaultBenchFiles, loadSuite } from './load-suites.js';
import { updateReadmes } from './readme-files.js';
import { runRepeated } from './repeat-runs.js';
import { writeReport } from './report.js';
import { runSuites } from './run-suites.js';
import { CLAIM_RUNS, WORST_RUN_MARGIN } from './runs.js';
import { DEFAULT_BUDGET_PERCENT } from './verdict.js';
import { defaultResultsDir, findWorkspaceRoot } from './workspace.js';

const USAGE = `Usage: bench-kit <command> [options]

Commands:
  run [files…]   run benchmark files (default: bench/*.bench.{ts,js}) and write results
      --out <dir>       results directory (default: $RINGKIT_BENCH_RESULTS or <workspace>/benchmark_results)
      --quick           fewer, shorter samples (CI smoke run; also $RINGKIT_BENCH_QUICK=1)
      --filter <text>   only benchmarks whose name contains <text>
      --gate            only the overhead benchmarks (the budget gate; also $RINGKIT_BENCH_GATE=1)
      --seed <n>        seed for pair order and bootstrap (reproducible runs; run r of --runs uses n + r − 1)
      --runs <k>        sample each bench file in k fresh processes, interleaved, and judge the runs
                        together (also $RINGKIT_BENCH_RUNS; default 1: this process). A claim needs
                        k ≥ ${CLAIM_RUNS}: the median of the runs' medians meets the target and the worst run
                        is within ${WORST_RUN_MARGIN * 100}% of it
      --as-run <r>      store the results as run r of a repeated run (what --runs gives each process)
  check          print every result and the spread of its runs, judge each against its target,
                 report gated packages without an overhead benchmark; exits 1 on any fail or missing
      --results <dir>   results directory (default as for run --out)
      --budget <pct>    judge every overhead result against this budget (default: each result's own, ${DEFAULT_BUDGET_PERCENT}%)
      --strict          an inconclusive result whose median misses its target fails
                        (also $RINGKIT_BENCH_STRICT=1)
  report         write chart.svg and summary.md per package and SUMMARY.md
      --results <dir>   results directory
  readme         regenerate the measured tables between "<!-- bench-kit table: … -->" and
                 "<!-- bench-kit table end -->" in every workspace package's README
      --results <dir>   results directory
      --check           write nothing; exit 1 when a README's table differs from the results

Exit codes: 0 ok, 1 a benchmark failed its target (or a gated package has none), 2 bad input.`;

type Command = 'run' | 'check' | 'report' | 'readme';

export async function main(argv: readonly string[], cwd = process.cwd()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    console.log(readVersion());
    return 0;
  }
  if (!isCommand(command)) {
    throw new BenchKitError(
      'BAD_ARGUMENT',
      `unknown command "${command}"; expected run, check, report or readme (see bench-kit --help).`,
    );
  }
  const options = parseOptions(command, rest);
  const resultsDir = options.values.results ?? options.values.out;
  const resolvedResults = resultsDir ? resolve(cwd, resultsDir) : defaultResultsDir(cwd);

  if (command === 'run') {
    // Every flag is read before any bench file loads: bad input costs nothing.
    const seed =
      options.values.seed === undefined ? undefined : parseNumber('--seed', options.values.seed);
    const runs = runCount(options.values.runs);
    const asRun =
      options.values['as-run'] === undefined
        ? undefined
        : parseCount('--as-run', options.values['as-run']);
    if (asRun !== undefined && options.values.runs !== undefined && runs > 1) {
      throw new BenchKitError(
        'BAD_ARGUMENT',
        '--as-run stores one run of a repeated run; it cannot be combined with --runs above 1.',
      );
    }
    const files = options.positionals.length > 0 ? options.positionals : defaultBenchFiles(cwd);
    if (files.length === 0) {
      throw new BenchKitError(
        'BENCH_FILE',
        `no benchmark files in ${resolve(cwd, 'bench')} (*.bench.ts); pass files to run.`,
      );
    }
    // Loaded here even for a repeated run: a broken file fails before any process starts,
    // and the benches each run must store are known.
    const suites = [];
    for (const file of files) suites.push(await loadSuite(resolve(cwd, file)));
    const runOptions = {
      resultsDir: resolvedResults,
      quick: options.values.quick === true || process.env.RINGKIT_BENCH_QUICK === '1',
      gateOnly: options.values.gate === true || process.env.RINGKIT_BENCH_GATE === '1',
      ...(options.values.filter === undefined ? {} : { filter: options.values.filter }),
      ...(seed === undefined ? {} : { seed }),
    };
    if (asRun !== undefined) {
      await runSuites(suites, { ...runOptions, asRun });
      // One run is not the claim: the process that started it judges all runs together.
      return 0;
    }
    const results =
      runs > 1
        ? await runRepeated(suites, { ...runOptions, runs })
        : await runSuites(suites, runOptions);
    const failed = results.filter((result) => result.verdict === 'fail');
    if (failed.length > 0) {
      console.error(
        `bench-kit: ${failed.length} benchmark(s) failed their target: ${failed.map((result) => result.bench).join(', ')}.`,
      );
      return 1;
    }
    return 0;
  }

  if (command === 'check') {
    const budget =
      options.values.budget === undefined ? undefined : parseBudget(options.values.budget);
    const strict = options.values.strict === true || process.env.RINGKIT_BENCH_STRICT === '1';
    const report = await checkResults({
      resultsDir: resolvedResults,
      ...(budget === undefined ? {} : { budget }),
      strict,
      workspaceRoot: findWorkspaceRoot(cwd),
    });
    console.log(report.table);
    console.log('');
    if (report.runsTable !== '') console.log(`${report.runsTable}\n`);
    if (report.rows.length === 0)
      console.log(`no results in ${resolvedResults} and no package requires one.`);
    const summary = `${report.rows.length - report.missing} result(s): ${report.failed} failed their target, ${report.inconclusive} inconclusive, ${report.missing} package(s) missing an overhead benchmark.`;
    const mode = strict ? ' (strict)' : '';
    console.log(
      report.passed
        ? `bench-kit check passed${mode}: ${summary}`
        : `bench-kit check FAILED${mode}: ${summary}`,
    );
    return report.passed ? 0 : 1;
  }

  if (command === 'readme')
    return readmeCommand(resolvedResults, cwd, options.values.check === true);

  const files = await writeReport(resolvedResults);
  console.log(files.summaryText);
  console.log(`wrote ${files.charts.length} chart(s) and ${files.summary}`);
  return 0;
}

function isCommand(value: string): value is Command {
  return value === 'run' || value === 'check' || value === 'report' || value === 'readme';
}

async function readmeCommand(resultsDir: string, cwd: string, check: boolean): Promise<number> {
  const workspaceRoot = findWorkspaceRoot(cwd);
  if (workspaceRoot === null) {
    throw new BenchKitError(
      'BAD_ARGUMENT',
      `no npm workspace at or above ${cwd}; run bench-kit readme inside the repository.`,
    );
  }
  const updates = await updateReadmes({ resultsDir, workspaceRoot, check });
  for (const { file, stale } of updates) {
    if (!stale) console.log(`${file}: tables match ${resultsDir}`);
    else if (check) console.error(`${file}: a measured table differs from the results files`);
    else console.log(`${file}: tables regenerated`);
  }
  const stale = updates.filter((update) => update.stale);
  if (check && stale.length > 0) {
    console.error(
      `bench-kit readme --check: ${stale.length} README(s) out of date; run "npx bench-kit readme" and commit them.`,
    );
    return 1;
  }
  return 0;
}

function parseOptions(command: Command, args: string[]) {
  const allowed = {
    run: ['out', 'quick', 'filter', 'seed', 'gate', 'runs', 'as-run'],
    check: ['results', 'budget', 'strict'],
    report: ['results'],
    readme: ['results', 'check'],
  }[command];
  try {
    const parsed = parseArgs({
      args,
      allowPositionals: command === 'run',
      strict: true,
      options: {
        out: { type: 'string' },
        results: { type: 'string' },
        quick: { type: 'boolean' },
        gate: { type: 'boolean' },
        filter: { type: 'string' },
        seed: { type: 'string' },
        runs: { type: 'string' },
        'as-run': { type: 'string' },
        budget: { type: 'string' },
        strict: { type: 'boolean' },
        check: { type: 'boolean' },
      },
    });
    const misplaced = Object.keys(parsed.values).find((key) => !allowed.includes(key));
    if (misplaced) {
      throw new BenchKitError(
        'UNKNOWN_FLAG',
        `"${command}" has no --${misplaced} option (see bench-kit --help).`,
      );
    }
    return parsed;
  } catch (error) {
    if (error instanceof BenchKitError) throw error;
    // parseArgs's own messages are long and mention internals; keep its gist in one sentence.
    const message = (error as Error).message.split('\n')[0] ?? '';
    const unknown = /Unknown option '([^']+)'/.exec(message)?.[1];
    if (unknown)
      throw new BenchKitError(
        'UNKNOWN_FLAG',
        `unknown option ${unknown} for "${command}" (see bench-kit --help).`,
      );
    const positional = /Unexpected argument '([^']+)'/.exec(message)?.[1];
    if (positional)
      throw new BenchKitError(
        'BAD_ARGUMENT',
        `"${command}" takes no argument "${positional}" (see bench-kit --help).`,
      );
    throw new BenchKitError(
      'BAD_ARGUMENT',
      `${message.replace(/\.$/, '')} (see bench-kit --help).`,
    );
  }
}

function parseNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new BenchKitError('BAD_ARGUMENT', `${flag} must be a number, got "${text}".`);
  }
  return value;
}

/** A whole number ≥ 1, for --runs and --as-run. */
function parseCount(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 1) {
    throw new BenchKitError('BAD_ARGUMENT', `${flag} must be a whole number ≥ 1, got "${text}".`);
  }
  return value;
}

/** How many fresh processes: --runs, else $RINGKIT_BENCH_RUNS, else one (this process). */
function runCount(flag: string | undefined): number {
  if (flag !== undefined) return parseCount('--runs', flag);
  const fromEnv = process.env.RINGKIT_BENCH_RUNS;
  return fromEnv === undefined || fromEnv === '' ? 1 : parseCount('RINGKIT_BENCH_RUNS', fromEnv);
}

function parseBudget(text: string): number {
  const value = parseNumber('--budget', text.replace(/%$/, ''));
  if (value < 0)
    throw new BenchKitError('BAD_ARGUMENT', `--budget must be a percentage ≥ 0, got "${text}".`);
  return value;
}

function readVersion(): string {
  const packageJson = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return packageJson.version;
}

/** The bin's entry: one sentence on stderr for a known error, exit code by outcome. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof BenchKitError) {
      console.error(`bench-kit: ${error.message}`);
      process.exitCode = error.code === 'WORKLOAD_FAILED' ? 1 : 2;
      return;
    }
    console.error(
      `bench-kit: unexpected error: ${(error as Error)?.message ?? String(error)} (set RINGKIT_DEBUG=1 for the stack).`,
    );
    if (process.env.RINGKIT_DEBUG) console.error(error);
    process.exitCode = 2;
  }
}
