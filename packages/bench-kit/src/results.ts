import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchKitError } from './errors.js';
import { describeMachine, type MachineInfo } from './machine.js';
import type { BenchRun, Percentiles, SideSummary } from './runner.js';
import type { Interval } from './stats.js';
import type { Verdict } from './verdict.js';

/**
 * The results file: `benchmark_results/<package>/<bench>.json`, one per bench,
 * described field by field in the README ("Results schema"). Bump
 * RESULT_SCHEMA_VERSION on any change a reader could notice.
 */
export const RESULT_SCHEMA = 'ringkit-bench-result';
export const RESULT_SCHEMA_VERSION = 1;

export type ResultKind = 'overhead' | 'speedup' | 'throughput' | 'latency';
export type ResultUnit = '%' | '×' | 'items/s' | 'ns';

const UNIT_OF: Record<ResultKind, ResultUnit> = {
  overhead: '%',
  speedup: '×',
  throughput: 'items/s',
  latency: 'ns',
};

export interface BenchResult {
  readonly schema: typeof RESULT_SCHEMA;
  readonly schemaVersion: typeof RESULT_SCHEMA_VERSION;
  readonly package: string;
  readonly bench: string;
  readonly description: string | null;
  readonly kind: ResultKind;
  /** '%' for overhead (candidate vs baseline), '×' for speedup, 'items/s' for throughput. */
  readonly unit: ResultUnit;
  readonly median: number;
  readonly interval: { readonly low: number; readonly high: number; readonly confidence: number };
  /** Pairs for overhead, samples for throughput. */
  readonly samples: number;
  /** Overhead budget in percent (overhead), required speedup (speedup); null for throughput. */
  readonly budget: number | null;
  readonly verdict: Verdict | null;
  readonly mode: 'function' | 'process';
  readonly iterationsPerSample: number;
  readonly quick: boolean;
  readonly seed: number;
  readonly durationMs: number;
  readonly sides: { readonly baseline: SideSummary; readonly candidate: SideSummary } | null;
  /** Latency only: p50, p90, p99 and max in nanoseconds; null otherwise. */
  readonly percentiles: Percentiles | null;
  readonly machine: MachineInfo;
  readonly timestamp: string;
}

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
    unit: UNIT_OF[run.kind],
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
    budget: run.kind === 'throughput' || run.kind === 'latency' ? null : run.budget,
    verdict: run.kind === 'throughput' || run.kind === 'latency' ? null : run.verdict,
    percentiles: run.kind === 'latency' ? run.percentiles : null,
    mode: run.mode,
    iterationsPerSample: run.iterationsPerSample,
    quick: run.quick,
    seed: run.seed,
    durationMs: Math.round(run.durationMs),
    sides: run.kind === 'throughput' || run.kind === 'latency' ? null : run.sides,
    machine,
    timestamp: new Date().toISOString(),
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

export async function writeResult(
  resultsDir: string,
  result: BenchResult,
  run: BenchRun,
): Promise<string> {
  const folder = join(resultsDir, packageFolderName(result.package));
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${result.bench}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(folder, `${result.bench}.csv`), toCsv(run));
  return file;
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

export function parseResult(text: string, file: string): BenchResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(file, `it is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed(file, 'it is not a JSON object');
  const record = value as Record<string, unknown>;
  if (record.schema !== RESULT_SCHEMA)
    throw malformed(
      file,
      `"schema" is ${JSON.stringify(record.schema)}, expected "${RESULT_SCHEMA}"`,
    );
  if (record.schemaVersion !== RESULT_SCHEMA_VERSION) {
    throw malformed(
      file,
      `"schemaVersion" is ${JSON.stringify(record.schemaVersion)}, this bench-kit reads version ${RESULT_SCHEMA_VERSION}`,
    );
  }
  expectString(record, 'package', file);
  expectString(record, 'bench', file);
  expectOneOf(record, 'kind', ['overhead', 'speedup', 'throughput', 'latency'], file);
  expectOneOf(record, 'unit', ['%', '×', 'items/s', 'ns'], file);
  if (record.unit !== UNIT_OF[record.kind as ResultKind]) {
    throw malformed(
      file,
      `"unit" ${JSON.stringify(record.unit)} does not go with kind "${record.kind}"`,
    );
  }
  expectNumber(record, 'median', file);
  expectNumber(record, 'samples', file);
  const interval = record.interval as Record<string, unknown> | undefined;
  if (typeof interval !== 'object' || interval === null)
    throw malformed(file, '"interval" is missing');
  for (const field of ['low', 'high', 'confidence'])
    expectNumber(interval, field, file, `interval.${field}`);
  if (record.kind === 'latency') {
    const percentiles = record.percentiles as Record<string, unknown> | undefined;
    if (typeof percentiles !== 'object' || percentiles === null)
      throw malformed(file, '"percentiles" is missing');
    for (const field of ['p50', 'p90', 'p99', 'max'])
      expectNumber(percentiles, field, file, `percentiles.${field}`);
  }
  if (record.kind === 'overhead' || record.kind === 'speedup') {
    expectNumber(record, 'budget', file);
    expectOneOf(record, 'verdict', ['pass', 'fail', 'inconclusive'], file);
  }
  const machine = record.machine as Record<string, unknown> | undefined;
  if (typeof machine !== 'object' || machine === null)
    throw malformed(file, '"machine" is missing');
  expectString(record, 'timestamp', file);
  return value as BenchResult;
}

function malformed(file: string, why: string): BenchKitError {
  return new BenchKitError(
    'MALFORMED_RESULTS',
    `${file} is not a valid bench-kit result: ${why}; delete it or re-run "npm run bench".`,
  );
}

function expectString(record: Record<string, unknown>, field: string, file: string): void {
  if (typeof record[field] !== 'string' || record[field] === '') {
    throw malformed(
      file,
      `"${field}" must be a non-empty string, got ${JSON.stringify(record[field])}`,
    );
  }
}

function expectNumber(
  record: Record<string, unknown>,
  field: string,
  file: string,
  label = field,
): void {
  if (typeof record[field] !== 'number' || !Number.isFinite(record[field])) {
    throw malformed(
      file,
      `"${label}" must be a finite number, got ${JSON.stringify(record[field])}`,
    );
  }
}

function expectOneOf(
  record: Record<string, unknown>,
  field: string,
  allowed: readonly string[],
  file: string,
): void {
  if (!allowed.includes(record[field] as string)) {
    throw malformed(
      file,
      `"${field}" must be one of ${allowed.join(', ')}, got ${JSON.stringify(record[field])}`,
    );
  }
}

export type { Interval };
