import { BenchKitError } from './errors.js';

/** One iteration of in-process work; may return a promise, which is awaited. */
export type FunctionWorkload = () => unknown;

/**
 * Work that runs its own loop: `batch(iterations)` performs that many iterations
 * (and may return a promise). Use it when the per-call cost of a closure would
 * hide what you measure. If it returns a number, that number is the items done.
 */
export interface BatchWorkload {
  readonly batch: (iterations: number) => unknown;
}

/**
 * A fresh process per sample. The sample is its wall time, unless the process
 * prints a `BENCH_RESULT {"ns": …, "items": …}` line (see `reportFromProcess`),
 * in which case its own figures are used and start-up cost is excluded.
 */
export interface ProcessWorkload {
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export type Workload = FunctionWorkload | BatchWorkload | ProcessWorkload;

export interface SamplingOptions {
  /** In-process: alternate both sides for this long before sampling (JIT, caches). */
  readonly warmupMs: number;
  /** In-process: each sample runs enough iterations to last at least this long. */
  readonly sampleTargetMs: number;
  /** Pairs (overhead) or samples (throughput) before the first verdict. */
  readonly minSamples: number;
  /** How many more to take while the verdict is still open. */
  readonly stepSamples: number;
  readonly maxSamples: number;
  /** Stop sampling after this long even if the cap is not reached. */
  readonly maxSeconds: number;
  /** Throughput: stop once the interval's half-width is under this % of the median. */
  readonly precisionPercent: number;
  readonly confidence: number;
  readonly resamples: number;
}

interface BenchBase {
  readonly name: string;
  readonly description?: string;
  /** Runs once before sampling (outside every timing). */
  readonly setup?: () => unknown;
  /** Runs once after sampling, also when sampling failed. */
  readonly teardown?: () => unknown;
  /** Items one iteration processes (default 1); items/s is reported from it. */
  readonly itemsPerIteration?: number;
  readonly sampling?: Partial<SamplingOptions>;
}

/** Candidate vs baseline, reported as the candidate's overhead in percent. */
export interface OverheadBench extends BenchBase {
  readonly kind: 'overhead';
  readonly baseline: Workload;
  readonly candidate: Workload;
  /** Overhead budget in percent; the verdict is judged against it (default 8). */
  readonly budget?: number;
  /**
   * Part of the CI budget gate (`run --gate`; default true). false: a target of its own, judged
   * in full runs and kept in the results, that CI's gate does not run — for a budget tighter
   * than the machine's noise or still being earned.
   */
  readonly gate?: boolean;
}

/**
 * How many times faster the candidate does the same work than the baseline,
 * judged against a required minimum (e.g. "≥ 30× postMessage").
 */
export interface SpeedupBench extends BenchBase {
  readonly kind: 'speedup';
  readonly baseline: Workload;
  readonly candidate: Workload;
  /** Required speedup: pass when the interval is above it, fail when below (default 1). */
  readonly atLeast?: number;
}

/** One workload, reported in items per second. */
export interface ThroughputBench extends BenchBase {
  readonly kind: 'throughput';
  readonly workload: Workload;
  /** Required items per second: pass when the interval is above it, fail when below (default: none, no verdict). */
  readonly atLeast?: number;
  /**
   * 'B/s' when the items are bytes (`itemsPerIteration` counts bytes): results read
   * "7.67 GB/s", not "7.67 G items/s". Default 'items/s'.
   */
  readonly unit?: 'items/s' | 'B/s';
}

/**
 * Per-event latencies the workload measures itself — a wake-up across threads,
 * a round trip — in nanoseconds: reported as the median with an interval, and
 * percentiles (p50, p90, p99, max).
 */
export interface LatencyBench extends Omit<BenchBase, 'itemsPerIteration'> {
  readonly kind: 'latency';
  /** Measures some events and returns their latencies in nanoseconds. */
  readonly measure: () => readonly number[] | Promise<readonly number[]>;
  /** How many latencies to collect (default 2000; quick runs take a fifth). */
  readonly events?: number;
  /** Bound on the median in ns: pass when the interval is under it, fail when over (default: none). */
  readonly atMost?: number;
  /** Bound on the p99 in ns: a single figure, so pass or fail, never inconclusive (default: none). */
  readonly p99AtMost?: number;
}

/** The two kinds that run a baseline and a candidate in interleaved pairs. */
export type PairedBench = OverheadBench | SpeedupBench;

export type Bench = OverheadBench | SpeedupBench | ThroughputBench | LatencyBench;

export interface Suite {
  /** Defaults to the name in the nearest package.json of the bench file. */
  readonly package?: string;
  readonly benches: readonly Bench[];
}

export function overhead(definition: Omit<OverheadBench, 'kind'>): OverheadBench {
  return validateBench({ ...definition, kind: 'overhead' });
}

export function speedup(definition: Omit<SpeedupBench, 'kind'>): SpeedupBench {
  return validateBench({ ...definition, kind: 'speedup' });
}

export function latency(definition: Omit<LatencyBench, 'kind'>): LatencyBench {
  return validateBench({ ...definition, kind: 'latency' });
}

export function throughput(definition: Omit<ThroughputBench, 'kind'>): ThroughputBench {
  return validateBench({ ...definition, kind: 'throughput' });
}

export function defineSuite(suite: Suite): Suite {
  const seen = new Set<string>();
  for (const bench of suite.benches) {
    validateBench(bench);
    if (seen.has(bench.name)) {
      throw new BenchKitError(
        'BAD_DEFINITION',
        `two benchmarks are named "${bench.name}"; names must be unique within a package.`,
      );
    }
    seen.add(bench.name);
  }
  return suite;
}

export function isProcessWorkload(workload: Workload): workload is ProcessWorkload {
  return typeof workload === 'object' && workload !== null && 'command' in workload;
}

export function isBatchWorkload(workload: Workload): workload is BatchWorkload {
  return typeof workload === 'object' && workload !== null && 'batch' in workload;
}

const BENCH_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

function validateBench<T extends Bench>(bench: T): T {
  if (typeof bench.name !== 'string' || !BENCH_NAME.test(bench.name)) {
    throw new BenchKitError(
      'BAD_DEFINITION',
      `benchmark name must be letters, digits, ".", "_" or "-" (it becomes a file name), name=${JSON.stringify(bench.name)}`,
    );
  }
  if (bench.kind === 'latency') {
    if (typeof bench.measure !== 'function') {
      throw new BenchKitError(
        'BAD_DEFINITION',
        `benchmark "${bench.name}" needs measure(): a function returning latencies in nanoseconds.`,
      );
    }
    if (bench.events !== undefined && !(Number.isInteger(bench.events) && bench.events >= 1)) {
      throw new BenchKitError(
        'BAD_DEFINITION',
        `benchmark "${bench.name}" events must be an integer ≥ 1, events=${bench.events}`,
      );
    }
    assertPositive(bench.name, 'atMost', bench.atMost, 'a duration in ns');
    assertPositive(bench.name, 'p99AtMost', bench.p99AtMost, 'a duration in ns');
    return bench;
  }
  const workloads =
    bench.kind === 'throughput' ? [bench.workload] : [bench.baseline, bench.candidate];
  for (const workload of workloads) assertWorkload(bench.name, workload);
  if (bench.kind === 'speedup') assertPositive(bench.name, 'atLeast', bench.atLeast, 'a ratio');
  if (bench.kind === 'throughput') {
    assertPositive(bench.name, 'atLeast', bench.atLeast, 'a rate in items/s');
    if (bench.unit !== undefined && bench.unit !== 'items/s' && bench.unit !== 'B/s') {
      throw new BenchKitError(
        'BAD_DEFINITION',
        `benchmark "${bench.name}" unit must be 'items/s' or 'B/s' (items that are bytes), unit=${JSON.stringify(bench.unit)}`,
      );
    }
  }
  if (
    bench.kind !== 'throughput' &&
    isProcessWorkload(bench.baseline) !== isProcessWorkload(bench.candidate)
  ) {
    throw new BenchKitError(
      'BAD_DEFINITION',
      `benchmark "${bench.name}" compares a process with an in-process function; make both sides processes or both functions.`,
    );
  }
  if (bench.kind === 'overhead') {
    if (bench.budget !== undefined && !(Number.isFinite(bench.budget) && bench.budget >= 0)) {
      throw new BenchKitError(
        'BAD_DEFINITION',
        `benchmark "${bench.name}" budget must be a percentage ≥ 0, budget=${bench.budget}`,
      );
    }
  }
  if (bench.itemsPerIteration !== undefined && !(bench.itemsPerIteration > 0)) {
    throw new BenchKitError(
      'BAD_DEFINITION',
      `benchmark "${bench.name}" itemsPerIteration must be > 0, itemsPerIteration=${bench.itemsPerIteration}`,
    );
  }
  return bench;
}

function assertPositive(
  name: string,
  option: string,
  value: number | undefined,
  what: string,
): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new BenchKitError(
      'BAD_DEFINITION',
      `benchmark "${name}" ${option} must be ${what} > 0, ${option}=${value}`,
    );
  }
}

function assertWorkload(name: string, workload: Workload): void {
  const ok =
    typeof workload === 'function' ||
    (isBatchWorkload(workload) && typeof workload.batch === 'function') ||
    (isProcessWorkload(workload) &&
      typeof workload.command === 'string' &&
      workload.command.length > 0);
  if (!ok) {
    throw new BenchKitError(
      'BAD_DEFINITION',
      `benchmark "${name}" has a workload that is neither a function, { batch(iterations) } nor { command, args }.`,
    );
  }
}
