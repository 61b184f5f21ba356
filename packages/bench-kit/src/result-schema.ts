import type { MachineInfo } from './machine.js';
import type { Percentiles, SideSummary } from './runner.js';
import type { Direction, Verdict } from './verdict.js';

/**
 * The results file: `benchmark_results/<package>/<bench>.json`, one per bench,
 * described field by field in the README ("Results schema"); the runs of a
 * repeated run beside it in `runs/<bench>.run-<r>.json`. Bump
 * RESULT_SCHEMA_VERSION on any change a reader could notice, and keep reading
 * the older versions (parse-result.ts upgrades them).
 */
export const RESULT_SCHEMA = 'ringkit-bench-result';
export const RESULT_SCHEMA_VERSION = 3;

export type ResultKind = 'overhead' | 'speedup' | 'throughput' | 'latency';
export type ResultUnit = '%' | '×' | 'items/s' | 'B/s' | 'ns';

/** Each kind's unit; a throughput bench may count bytes instead (`unit: 'B/s'`). */
export const UNIT_OF: Record<ResultKind, ResultUnit> = {
  overhead: '%',
  speedup: '×',
  throughput: 'items/s',
  latency: 'ns',
};

/** The units a result of each kind may carry. */
export const UNITS_OF: Record<ResultKind, readonly ResultUnit[]> = {
  overhead: ['%'],
  speedup: ['×'],
  throughput: ['items/s', 'B/s'],
  latency: ['ns'],
};

/** Which side of its target each kind must land on: lower is better for an overhead or a latency. */
export const DIRECTION_OF: Record<ResultKind, Direction> = {
  overhead: 'atMost',
  speedup: 'atLeast',
  throughput: 'atLeast',
  latency: 'atMost',
};

export interface ResultInterval {
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
}

export interface ResultSteal {
  /** The hypervisor's share of all the CPUs' time over the sampling, in percent. */
  readonly percent: number;
  /** Pairs left out of the figure because it took more than 5% of the CPUs during them. */
  readonly pairsSetAside: number;
  /** Such pairs judged all the same, because too few clean ones were sampled by the deadline. */
  readonly stolenPairsKept: number;
}

/** One fresh process of a repeated run, as the aggregate result lists it. */
export interface RunSummary {
  /** 1 for the first run. */
  readonly run: number;
  readonly pid: number;
  readonly seed: number;
  readonly timestamp: string;
  readonly median: number;
  readonly interval: ResultInterval;
  readonly samples: number;
  /** As the run judged itself; `check` judges it again from its interval. */
  readonly verdict: Verdict | null;
  readonly durationMs: number;
  /** Latency only. */
  readonly percentiles: Percentiles | null;
}

/** The worst or best run of a repeated run: which one, and its median. */
export interface RunPick {
  readonly run: number;
  readonly median: number;
}

export interface BenchResult {
  readonly schema: typeof RESULT_SCHEMA;
  /** Version 1 files are read as version 2 with the fields it added set to null. */
  /** 2 added repeated runs; 3 the unit 'B/s'. Versions 1 and 2 are read as well. */
  readonly schemaVersion: 1 | 2 | typeof RESULT_SCHEMA_VERSION;
  readonly package: string;
  readonly bench: string;
  readonly description: string | null;
  readonly kind: ResultKind;
  /**
   * '%' for overhead (candidate vs baseline), '×' for speedup, 'items/s' for throughput
   * ('B/s' where its items are bytes), 'ns' for latency.
   */
  readonly unit: ResultUnit;
  /** The sample median; for a repeated run, the median of the runs' medians. */
  readonly median: number;
  /**
   * The 95% bootstrap interval of that median: within one process for a single
   * run, between the runs' medians for a repeated run.
   */
  readonly interval: ResultInterval;
  /** Pairs for overhead, samples for throughput, events for latency; summed over the runs. */
  readonly samples: number;
  /**
   * The target it is judged against: the overhead budget in percent, the required
   * speedup (×), the required items/s (throughput `atLeast`), the bound on the
   * median latency in ns (latency `atMost`); null when a throughput or latency has none.
   */
  readonly budget: number | null;
  /** Latency only: the bound on the p99 in ns (`p99AtMost`); null otherwise. */
  readonly p99Budget: number | null;
  readonly verdict: Verdict | null;
  readonly mode: 'function' | 'process';
  readonly iterationsPerSample: number;
  readonly quick: boolean;
  readonly seed: number;
  readonly durationMs: number;
  readonly sides: { readonly baseline: SideSummary; readonly candidate: SideSummary } | null;
  /**
   * Overhead and speedup: what the hypervisor took while they sampled, and the pairs set aside
   * for it (steal.ts); null where it could not be read or for other kinds. Absent in results
   * written before bench-kit watched for it.
   */
  readonly steal?: ResultSteal | null;
  /** Latency only: p50, p90, p99 and max in nanoseconds; null otherwise. */
  readonly percentiles: Percentiles | null;
  readonly machine: MachineInfo;
  readonly timestamp: string;
  /** The process that sampled it; null for a repeated run (each run has its own). */
  readonly pid: number | null;
  /** A repeated run (`--runs K`, K ≥ 2): every run, in the order they ran; null for a single run. */
  readonly runs: readonly RunSummary[] | null;
  /** A repeated run: the least and the most favourable run for the kind; null otherwise. */
  readonly worst: RunPick | null;
  readonly best: RunPick | null;
}
