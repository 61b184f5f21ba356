import { type Clock, monotonicClock } from './clock.js';
import type {
  Bench,
  LatencyBench,
  PairedBench,
  SamplingOptions,
  ThroughputBench,
} from './define.js';
import { BenchKitError } from './errors.js';
import { exposedGc } from './gc.js';
import { resolveSampling } from './sampling.js';
import {
  bootstrapMedian,
  createRandom,
  type Interval,
  median,
  overheadInterval,
  pairedLogRatios,
  quantileOfSorted,
  speedupInterval,
} from './stats.js';
import {
  type CpuTimes,
  type CpuTimesReader,
  readCpuTimes,
  STEAL_LIMIT,
  stealShare,
} from './steal.js';
import {
  DEFAULT_BUDGET_PERCENT,
  judge,
  judgeInterval,
  judgeLatency,
  judgeSpeedup,
  type Verdict,
} from './verdict.js';
import { type PreparedWorkload, prepareWorkload, type Sample } from './workload.js';

export interface RunOptions {
  /** Fewer, shorter samples: for CI smoke runs, never for quoted figures. */
  readonly quick?: boolean;
  /** Seeds the order of each pair and the bootstrap; random when absent. */
  readonly seed?: number;
  readonly clock?: Clock;
  /** Collector run before every sample; default: the exposed one; null: never. */
  readonly gc?: (() => void) | null;
  readonly onProgress?: (progress: Progress) => void;
  /**
   * Reads the CPUs' cumulative times, to set aside the pairs the hypervisor took more than
   * STEAL_LIMIT of. Default: /proc/stat, unless a clock is given (a virtual clock's samples take
   * no real CPU time); null: never set a pair aside.
   */
  readonly cpuTimes?: CpuTimesReader | null;
}

/** What the hypervisor took while a comparison sampled (steal.ts). */
export interface StealSummary {
  /** Its share of all the CPUs' time over the whole sampling, in percent. */
  readonly percent: number;
  /** Pairs sampled and then left out of the figure because it took more than STEAL_LIMIT of them. */
  readonly pairsSetAside: number;
  /**
   * Pairs it took more than STEAL_LIMIT of that are in the figure all the same: when fewer than
   * the minimum of clean pairs were sampled by the deadline, every pair is judged, as a machine
   * that steals throughout gives nothing better.
   */
  readonly stolenPairsKept: number;
}

export interface Progress {
  readonly bench: string;
  readonly kind: Bench['kind'];
  /** A throughput's unit ('B/s' when it counts bytes); the kind's unit otherwise. */
  readonly unit?: 'items/s' | 'B/s';
  readonly samples: number;
  readonly estimate: Interval | null;
  readonly elapsedMs: number;
}

export interface Pair {
  /** Which side ran first: the order is randomised per pair. */
  readonly order: 'baseline-first' | 'candidate-first';
  readonly baseline: Sample;
  readonly candidate: Sample;
}

export interface SideSummary {
  /** This side's calibrated batch: equal for both sides of an overhead, separate for a speedup. */
  readonly iterationsPerSample: number;
  readonly medianNsPerIteration: number;
  readonly itemsPerSecond: Interval | null;
}

interface RunBase {
  readonly name: string;
  readonly description: string | undefined;
  readonly mode: PreparedWorkload['mode'];
  readonly iterationsPerSample: number;
  readonly sampling: SamplingOptions;
  readonly quick: boolean;
  readonly seed: number;
  readonly durationMs: number;
}

/** An overhead or speedup comparison: the same interleaved pairs, read two ways. */
export interface PairedRun extends RunBase {
  readonly kind: PairedBench['kind'];
  readonly pairs: readonly Pair[];
  /** Candidate overhead in percent (overhead), or baseline time / candidate time (speedup). */
  readonly interval: Interval;
  /** The overhead budget in percent (overhead), or the required speedup (speedup). */
  readonly budget: number;
  readonly verdict: Verdict;
  readonly sides: { readonly baseline: SideSummary; readonly candidate: SideSummary };
  /** Null where the CPUs' times cannot be read. */
  readonly steal: StealSummary | null;
}

export type OverheadRun = PairedRun;

export interface ThroughputRun extends RunBase {
  readonly kind: 'throughput';
  readonly samples: readonly Sample[];
  /** Items per second. */
  readonly interval: Interval;
  /** The required items per second (`atLeast`); null when the bench sets none, and then no verdict. */
  readonly budget: number | null;
  readonly verdict: Verdict | null;
  /** What an item is: 'B/s' when the bench counts bytes. */
  readonly unit: 'items/s' | 'B/s';
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LatencyRun extends Omit<RunBase, 'mode' | 'iterationsPerSample'> {
  readonly kind: 'latency';
  readonly mode: 'function';
  readonly iterationsPerSample: 1;
  /** Every latency measured, in nanoseconds, in the order measured. */
  readonly latencies: readonly number[];
  /** Median latency in nanoseconds. */
  readonly interval: Interval;
  readonly percentiles: Percentiles;
  /** The bound on the median in ns (`atMost`); null when the bench sets none. */
  readonly budget: number | null;
  /** The bound on the p99 in ns (`p99AtMost`); null when the bench sets none. */
  readonly p99Budget: number | null;
  /** Both bounds judged together; null when the bench sets neither. */
  readonly verdict: Verdict | null;
}

export type BenchRun = PairedRun | ThroughputRun | LatencyRun;

export async function runBench(bench: Bench, options: RunOptions = {}): Promise<BenchRun> {
  await bench.setup?.();
  try {
    if (bench.kind === 'latency') return await runLatency(bench, options);
    return bench.kind === 'throughput'
      ? await runThroughput(bench, options)
      : await runPaired(bench, options);
  } finally {
    await bench.teardown?.();
  }
}

interface Context {
  readonly clock: Clock;
  readonly gc: (() => void) | null;
  readonly random: () => number;
  readonly seed: number;
  readonly sampling: SamplingOptions;
  readonly startedAt: number;
  readonly deadline: number;
}

function createContext(mode: PreparedWorkload['mode'], bench: Bench, options: RunOptions): Context {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const sampling = resolveSampling(mode, options.quick ?? false, bench.sampling);
  const startedAt = performance.now();
  return {
    clock: options.clock ?? monotonicClock,
    gc: options.gc === undefined ? exposedGc() : options.gc,
    random: createRandom(seed),
    seed,
    sampling,
    startedAt,
    deadline: startedAt + sampling.maxSeconds * 1000,
  };
}

async function runPaired(bench: PairedBench, options: RunOptions): Promise<PairedRun> {
  const clock = options.clock ?? monotonicClock;
  const baseline = prepareWorkload(bench.name, bench.baseline, clock, bench.itemsPerIteration);
  const candidate = prepareWorkload(bench.name, bench.candidate, clock, bench.itemsPerIteration);
  const context = createContext(baseline.mode, bench, options);
  const { sampling } = context;
  const budget =
    bench.kind === 'overhead' ? (bench.budget ?? DEFAULT_BUDGET_PERCENT) : (bench.atLeast ?? 1);
  const estimate = bench.kind === 'overhead' ? overheadInterval : speedupInterval;
  const judgeInterval = bench.kind === 'overhead' ? judge : judgeSpeedup;

  await warmUp([baseline, candidate], context);
  // An overhead compares the same work done two ways: one batch for both sides. A speedup
  // compares sides that may differ 100-fold in speed; a batch sized for the slow side would
  // give the fast side samples so short that per-sample costs (a consumer waking up, a cold
  // cache) swamp them, so each side gets its own batch and the pairs compare time per iteration.
  const iterations = await calibrateIterations(bench.name, baseline, context);
  const batches: SideBatches = {
    baseline: iterations,
    candidate:
      bench.kind === 'speedup'
        ? await calibrateIterations(bench.name, candidate, context)
        : iterations,
  };

  const readTimes =
    options.cpuTimes !== undefined ? options.cpuTimes : options.clock ? null : readCpuTimes;
  const firstTimes = readTimes?.() ?? null;
  let pairs: Pair[] = [];
  const stolenPairs: Pair[] = [];
  let stolenPairsKept = 0;
  let interval: Interval | null = null;
  let verdict: Verdict = 'inconclusive';
  for (;;) {
    const target = Math.min(
      sampling.maxSamples,
      pairs.length === 0 ? sampling.minSamples : pairs.length + sampling.stepSamples,
    );
    while (pairs.length < target) {
      const before = readTimes?.() ?? null;
      const pair = await samplePair(baseline, candidate, batches, context);
      if (stolen(before, readTimes?.() ?? null)) {
        stolenPairs.push(pair);
        if (performance.now() >= context.deadline) break;
      } else {
        pairs.push(pair);
      }
    }
    // A phase of steal can outlast the deadline: then, with too few clean pairs, every pair is
    // judged, stolen ones too (the line says how many), as before steal was watched.
    if (
      performance.now() >= context.deadline &&
      pairs.length < sampling.minSamples &&
      stolenPairs.length > 0
    ) {
      stolenPairsKept += stolenPairs.length;
      pairs = [...pairs, ...stolenPairs.splice(0)];
    }
    interval = estimate(
      pairedLogRatios(
        pairs.map((pair) => pair.baseline.ns / batches.baseline),
        pairs.map((pair) => pair.candidate.ns / batches.candidate),
      ),
      { confidence: sampling.confidence, resamples: sampling.resamples, seed: context.seed },
    );
    verdict = judgeInterval(interval, budget);
    options.onProgress?.(progressOf(bench, pairs.length, interval, context));
    if (verdict !== 'inconclusive') break;
    if (pairs.length >= sampling.maxSamples || performance.now() >= context.deadline) break;
  }
  const lastTimes = readTimes?.() ?? null;

  return {
    kind: bench.kind,
    name: bench.name,
    description: bench.description,
    mode: baseline.mode,
    iterationsPerSample: iterations,
    sampling,
    quick: options.quick ?? false,
    seed: context.seed,
    durationMs: performance.now() - context.startedAt,
    pairs,
    interval,
    budget,
    verdict,
    sides: {
      baseline: summariseSide(
        pairs.map((pair) => pair.baseline),
        iterations,
        context,
      ),
      candidate: summariseSide(
        pairs.map((pair) => pair.candidate),
        batches.candidate,
        context,
      ),
    },
    steal:
      firstTimes && lastTimes
        ? {
            percent: stealShare(firstTimes, lastTimes) * 100,
            pairsSetAside: stolenPairs.length,
            stolenPairsKept,
          }
        : null,
  };
}

/** Whether the hypervisor took more than STEAL_LIMIT of the CPUs between two readings. */
function stolen(before: CpuTimes | null, after: CpuTimes | null): boolean {
  return before !== null && after !== null && stealShare(before, after) > STEAL_LIMIT;
}

async function runLatency(bench: LatencyBench, options: RunOptions): Promise<LatencyRun> {
  const context = createContext('function', bench as unknown as Bench, options);
  const wanted = Math.max(1, Math.round((bench.events ?? 2000) / (options.quick ? 5 : 1)));
  // Warm-up, as for the other kinds: measure() runs unrecorded (at least once) until the
  // warm-up time is spent, so no recorded event pays for the JIT compiling the measured path.
  const warmUntil = context.clock() + context.sampling.warmupMs * 1e6;
  for (let round = 0; round === 0 || (round < 10_000 && context.clock() < warmUntil); round++)
    await bench.measure();
  const latencies: number[] = [];
  while (latencies.length < wanted) {
    const batch = await bench.measure();
    for (const value of batch) {
      if (!(value >= 0 && Number.isFinite(value))) {
        throw new BenchKitError(
          'WORKLOAD_FAILED',
          `benchmark "${bench.name}" measured a latency of ${value} ns; latencies are finite and ≥ 0.`,
        );
      }
      latencies.push(value);
    }
    if (batch.length === 0)
      throw new BenchKitError(
        'WORKLOAD_FAILED',
        `benchmark "${bench.name}" measure() returned no latencies.`,
      );
    if (performance.now() >= context.deadline) break;
  }
  const sorted = Float64Array.from(latencies).sort();
  const interval = bootstrapMedian(latencies, {
    confidence: context.sampling.confidence,
    resamples: context.sampling.resamples,
    seed: context.seed,
  });
  const p99 = quantileOfSorted(sorted, 0.99);
  options.onProgress?.(progressOf(bench as unknown as Bench, latencies.length, interval, context));
  return {
    kind: 'latency',
    name: bench.name,
    description: bench.description,
    mode: 'function',
    iterationsPerSample: 1,
    sampling: context.sampling,
    quick: options.quick ?? false,
    seed: context.seed,
    durationMs: performance.now() - context.startedAt,
    latencies,
    interval,
    percentiles: {
      p50: quantileOfSorted(sorted, 0.5),
      p90: quantileOfSorted(sorted, 0.9),
      p99,
      max: sorted[sorted.length - 1] ?? 0,
    },
    budget: bench.atMost ?? null,
    p99Budget: bench.p99AtMost ?? null,
    verdict: judgeLatency(interval, p99, bench.atMost ?? null, bench.p99AtMost ?? null),
  };
}

async function runThroughput(bench: ThroughputBench, options: RunOptions): Promise<ThroughputRun> {
  const clock = options.clock ?? monotonicClock;
  const workload = prepareWorkload(bench.name, bench.workload, clock, bench.itemsPerIteration ?? 1);
  const context = createContext(workload.mode, bench, options);
  const { sampling } = context;

  await warmUp([workload], context);
  const iterations = await calibrateIterations(bench.name, workload, context);

  const samples: Sample[] = [];
  let interval: Interval | null = null;
  for (;;) {
    const target = Math.min(
      sampling.maxSamples,
      samples.length === 0 ? sampling.minSamples : samples.length + sampling.stepSamples,
    );
    while (samples.length < target) {
      context.gc?.();
      samples.push(await workload.sample(iterations));
    }
    interval = bootstrapMedian(ratesOf(samples, iterations), {
      confidence: sampling.confidence,
      resamples: sampling.resamples,
      seed: context.seed,
    });
    options.onProgress?.(progressOf(bench, samples.length, interval, context));
    const halfWidthPercent = ((interval.high - interval.low) / 2 / interval.median) * 100;
    if (halfWidthPercent <= sampling.precisionPercent) break;
    if (samples.length >= sampling.maxSamples || performance.now() >= context.deadline) break;
  }

  return {
    kind: 'throughput',
    name: bench.name,
    description: bench.description,
    mode: workload.mode,
    iterationsPerSample: iterations,
    sampling,
    quick: options.quick ?? false,
    seed: context.seed,
    durationMs: performance.now() - context.startedAt,
    samples,
    interval,
    budget: bench.atLeast ?? null,
    verdict: bench.atLeast === undefined ? null : judgeInterval(interval, bench.atLeast, 'atLeast'),
    unit: bench.unit ?? 'items/s',
  };
}

interface SideBatches {
  readonly baseline: number;
  readonly candidate: number;
}

async function samplePair(
  baseline: PreparedWorkload,
  candidate: PreparedWorkload,
  batches: SideBatches,
  context: Context,
): Promise<Pair> {
  const baselineFirst = context.random() < 0.5;
  const [first, firstBatch] = baselineFirst
    ? [baseline, batches.baseline]
    : [candidate, batches.candidate];
  const [second, secondBatch] = baselineFirst
    ? [candidate, batches.candidate]
    : [baseline, batches.baseline];
  context.gc?.();
  const firstSample = await first.sample(firstBatch);
  context.gc?.();
  const secondSample = await second.sample(secondBatch);
  return baselineFirst
    ? { order: 'baseline-first', baseline: firstSample, candidate: secondSample }
    : { order: 'candidate-first', baseline: secondSample, candidate: firstSample };
}

/** Alternate every side until the warm-up time is spent (a process is its own warm-up: one run each). */
async function warmUp(workloads: readonly PreparedWorkload[], context: Context): Promise<void> {
  const first = workloads[0];
  if (first === undefined) return;
  if (first.mode === 'process') {
    for (const workload of workloads) await workload.sample(1);
    return;
  }
  const until = context.clock() + context.sampling.warmupMs * 1e6;
  for (let round = 0, iterations = 1; round < 10_000 && context.clock() < until; round++) {
    for (const workload of workloads) await workload.sample(iterations);
    iterations = Math.min(iterations * 2, 1024);
  }
}

/** Samples more of a batch that reached the target before calibration believes it. */
const CALIBRATION_CONFIRMATIONS = 2;

/**
 * Grow the batch until a sample lasts `sampleTargetMs`, so timer resolution
 * and the cost of reading the clock vanish in the sample. A batch that reaches
 * the target is sampled up to twice more and the fastest sample counts: one sample
 * stalled by a slow phase (a preempted thread, a late wake-up) would otherwise
 * end the growth early and leave every later sample a batch so small that its
 * fixed costs (a consumer waking, the tail of a drain) swamp it. (Two stalls
 * in a row were still seen in this VM's slow phases; three are rare.)
 */
async function calibrateIterations(
  benchName: string,
  workload: PreparedWorkload,
  context: Context,
): Promise<number> {
  if (workload.mode === 'process') return 1;
  const targetNs = context.sampling.sampleTargetMs * 1e6;
  let iterations = 1;
  for (;;) {
    let { ns } = await workload.sample(iterations);
    for (let again = 0; again < CALIBRATION_CONFIRMATIONS && ns >= targetNs; again++)
      ns = Math.min(ns, (await workload.sample(iterations)).ns);
    if (ns >= targetNs) return iterations;
    // A million iterations that the clock cannot see is no workload at all.
    if (ns <= 0 && iterations >= 1e6) {
      throw new BenchKitError(
        'WORKLOAD_FAILED',
        `benchmark "${benchName}" did ${iterations} iterations in ${ns} ns; it does no measurable work.`,
      );
    }
    const factor = ns > 0 ? Math.min(100, Math.max(1.5, (targetNs / ns) * 1.1)) : 100;
    iterations = Math.ceil(iterations * factor);
  }
}

function ratesOf(samples: readonly Sample[], iterations: number): Float64Array {
  return Float64Array.from(samples, (sample) => ((sample.items ?? iterations) * 1e9) / sample.ns);
}

function summariseSide(
  samples: readonly Sample[],
  iterations: number,
  context: Context,
): SideSummary {
  const perIteration = samples.map((sample) => sample.ns / iterations);
  const hasItems = samples.every((sample) => sample.items !== undefined);
  return {
    iterationsPerSample: iterations,
    medianNsPerIteration: median(perIteration),
    itemsPerSecond: hasItems
      ? bootstrapMedian(ratesOf(samples, iterations), {
          confidence: context.sampling.confidence,
          resamples: context.sampling.resamples,
          seed: context.seed,
        })
      : null,
  };
}

function progressOf(bench: Bench, samples: number, estimate: Interval, context: Context): Progress {
  return {
    bench: bench.name,
    kind: bench.kind,
    unit: bench.kind === 'throughput' ? (bench.unit ?? 'items/s') : undefined,
    samples,
    estimate,
    elapsedMs: performance.now() - context.startedAt,
  };
}
