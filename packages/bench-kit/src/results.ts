import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BenchKitError } from './errors.js';
import { describeMachine, type MachineInfo } from './machine.js';
import { parseResult } from './parse-result.js';
import {
  type BenchResult,
  RESULT_SCHEMA,
  RESULT_SCHEMA_VERSION,
  type RunSummary,
  UNIT_OF,
} from './result-schema.js';
import type { BenchRun } from './runner.js';
import type { Interval } from './stats.js';

export { parseResult } from './parse-result.js';
export {
  type BenchResult,
  RESULT_SCHEMA,
  RESULT_SCHEMA_VERSION,
  type ResultInterval,
  type ResultKind,
  type ResultSteal,
  type ResultUnit,
  type RunPick,
  type RunSummary,
} from './result-schema.js';

export function toResult(
  packageName: string,
  run: BenchRun,
  machine: MachineInfo = describeMachine(),
): BenchResult {
  return {
    schema: RESULT_SCHEMA,
    schemaVersion: RESULT_SCHEMA_VERSION,
    package: packageName,
    bench: run.name,
    description: run.description ?? null,
    kind: run.kind,
    unit: run.kind === 'throughput' ? run.unit : UNIT_OF[run.kind],
    median: run.interval.median,
    interval: {
      low: run.interval.low,
      high: run.interval.high,
      confidence: run.interval.confidence,
    },
    samples:
      run.kind === 'throughput'
        ? run.samples.length
        : run.kind === 'latency'
          ? run.latencies.length
          : run.pairs.length,
    budget: run.budget,
    p99Budget: run.kind === 'latency' ? run.p99Budget : null,
    verdict: run.verdict,
    percentiles: run.kind === 'latency' ? run.percentiles : null,
    mode: run.mode,
    iterationsPerSample: run.iterationsPerSample,
    quick: run.quick,
    seed: run.seed,
    durationMs: Math.round(run.durationMs),
    sides: run.kind === 'throughput' || run.kind === 'latency' ? null : run.sides,
    steal: run.kind === 'throughput' || run.kind === 'latency' ? null : run.steal,
    machine,
    timestamp: new Date().toISOString(),
    pid: process.pid,
    runs: null,
    worst: null,
    best: null,
  };
}

/** `@ringkit/spsc-ring` → `spsc-ring`: the folder a package's results live in. */
export function packageFolderName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '');
}

/** The raw samples behind a result, one row per pair or sample. */
export function toCsv(run: BenchRun): string {
  if (run.kind === 'latency') {
    return [
      'event,latency_ns',
      ...run.latencies.map((value, index) => `${index},${value}`),
      '',
    ].join('\n');
  }
  if (run.kind !== 'throughput') {
    const rows = run.pairs.map((pair, index) =>
      [
        index,
        pair.order,
        run.sides.baseline.iterationsPerSample,
        run.sides.candidate.iterationsPerSample,
        pair.baseline.ns,
        pair.candidate.ns,
        Math.log(
          pair.candidate.ns /
            run.sides.candidate.iterationsPerSample /
            (pair.baseline.ns / run.sides.baseline.iterationsPerSample),
        ).toFixed(6),
      ].join(','),
    );
    return [
      'pair,order,baseline_iterations,candidate_iterations,baseline_ns,candidate_ns,log_ratio',
      ...rows,
      '',
    ].join('\n');
  }
  const rows = run.samples.map((sample, index) => {
    const items = sample.items ?? run.iterationsPerSample;
    return [
      index,
      run.iterationsPerSample,
      sample.ns,
      items,
      ((items * 1e9) / sample.ns).toFixed(3),
    ].join(',');
  });
  return ['sample,iterations,ns,items,items_per_second', ...rows, ''].join('\n');
}

/** One row per run of a repeated run: the figures its aggregate was judged from. */
export function runsToCsv(runs: readonly RunSummary[]): string {
  const rows = runs.map((run) =>
    [
      run.run,
      run.pid,
      run.seed,
      run.timestamp,
      run.samples,
      run.median,
      run.interval.low,
      run.interval.high,
      run.verdict ?? '',
    ].join(','),
  );
  return ['run,pid,seed,timestamp,samples,median,low,high,verdict', ...rows, ''].join('\n');
}

/**
 * Writes a sampled result and its raw samples: as `<bench>.json` (whose older
 * runs it then clears, as they no longer stand behind it), or with `asRun`, as
 * run r of a repeated run in `runs/`.
 */
export async function writeResult(
  resultsDir: string,
  result: BenchResult,
  run: BenchRun,
  asRun?: number,
): Promise<string> {
  const folder = join(resultsDir, packageFolderName(result.package));
  const stem =
    asRun === undefined ? join(folder, result.bench) : runFileStem(resultsDir, result, asRun);
  await mkdir(dirname(stem), { recursive: true });
  await writeFile(`${stem}.json`, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(`${stem}.csv`, toCsv(run));
  if (asRun === undefined) await clearRunFiles(resultsDir, result);
  return `${stem}.json`;
}

/** Writes a repeated run's aggregate as `<bench>.json`, with one CSV row per run beside it. */
export async function writeRepeatedResult(
  resultsDir: string,
  result: BenchResult,
): Promise<string> {
  const folder = join(resultsDir, packageFolderName(result.package));
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${result.bench}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(folder, `${result.bench}.csv`), runsToCsv(result.runs ?? []));
  return file;
}

type BenchIdentity = Pick<BenchResult, 'package' | 'bench'>;

/** `<results>/<package>/runs/<bench>.run-<r>`, without an extension. */
function runFileStem(resultsDir: string, bench: BenchIdentity, run: number): string {
  return join(resultsDir, packageFolderName(bench.package), 'runs', `${bench.bench}.run-${run}`);
}

/** Reads run r of a repeated run back; null when that run wrote nothing. */
export async function readRunResult(
  resultsDir: string,
  bench: BenchIdentity,
  run: number,
): Promise<BenchResult | null> {
  const file = `${runFileStem(resultsDir, bench, run)}.json`;
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : parseResult(text, file);
}

/** Removes every stored run of a bench, so that no run of an earlier invocation is mistaken for one of this. */
export async function clearRunFiles(resultsDir: string, bench: BenchIdentity): Promise<void> {
  const folder = join(resultsDir, packageFolderName(bench.package), 'runs');
  const prefix = `${bench.bench}.run-`;
  const files = await readdir(folder).catch(() => [] as string[]);
  for (const file of files) {
    if (file.startsWith(prefix) && /^\d+\.(json|csv)$/.test(file.slice(prefix.length)))
      await rm(join(folder, file), { force: true });
  }
}

export interface LoadedResult {
  readonly file: string;
  readonly result: BenchResult;
}

/** Every result under `resultsDir`, validated; a bad file is an error that names it. */
export async function readResults(resultsDir: string): Promise<LoadedResult[]> {
  const info = await stat(resultsDir).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new BenchKitError(
      'RESULTS_NOT_FOUND',
      `no results directory at ${resultsDir}; run "npm run bench" first, or pass --results <dir>.`,
    );
  }
  const loaded: LoadedResult[] = [];
  for (const entry of (await readdir(resultsDir, { withFileTypes: true })).sort(byName)) {
    if (!entry.isDirectory()) continue;
    const folder = join(resultsDir, entry.name);
    for (const file of (await readdir(folder)).sort()) {
      if (!file.endsWith('.json')) continue;
      const path = join(folder, file);
      loaded.push({ file: path, result: parseResult(await readFile(path, 'utf8'), path) });
    }
  }
  return loaded;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export type { Interval };
