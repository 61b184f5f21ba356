/**
 * The statistics behind every figure bench-kit prints: medians, bootstrap
 * intervals, paired log ratios. Pure functions over plain arrays, seeded so a
 * result can be reproduced exactly.
 */

/** A uniform [0, 1) generator. */
export type Random = () => number;

/**
 * mulberry32: small, fast and good enough for resampling; seeded so a bootstrap
 * interval is reproducible from the seed stored in the results file.
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal deviate (Box–Muller); used only to make synthetic samples. */
export function normalDeviate(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Linear-interpolated quantile of an ascending array (type 7, as R and NumPy default). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample is undefined');
  const position = (n - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, n - 1);
  const lowValue = sorted[below] as number;
  const highValue = sorted[above] as number;
  return lowValue + (highValue - lowValue) * (position - below);
}

export function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  return quantileOfSorted(sorted, 0.5);
}

export interface Interval {
  /** Point estimate: the sample median. */
  readonly median: number;
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
}

export interface BootstrapOptions {
  readonly confidence?: number;
  readonly resamples?: number;
  readonly seed?: number;
}

/**
 * Percentile bootstrap interval of the median. The median (not the mean) because
 * timing samples have a heavy right tail: one descheduled sample must not move
 * the estimate.
 */
export function bootstrapMedian(
  values: ArrayLike<number>,
  options: BootstrapOptions = {},
): Interval {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const n = values.length;
  if (n === 0) throw new RangeError('a bootstrap interval needs at least one sample');
  const random = createRandom(options.seed ?? 0x5eed);
  const resample = new Float64Array(n);
  const medians = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) resample[i] = values[Math.floor(random() * n)] as number;
    resample.sort();
    medians[r] = quantileOfSorted(resample, 0.5);
  }
  medians.sort();
  const tail = (1 - confidence) / 2;
  return {
    median: median(values),
    low: quantileOfSorted(medians, tail),
    high: quantileOfSorted(medians, 1 - tail),
    confidence,
  };
}

/**
 * ln(candidate / baseline) per pair. Logs make a ratio symmetric (a 10% slowdown
 * and its inverse have equal magnitude) and let slow drift of the machine cancel
 * within each pair, because both halves of a pair run back to back.
 */
export function pairedLogRatios(
  baselineNs: ArrayLike<number>,
  candidateNs: ArrayLike<number>,
): Float64Array {
  if (baselineNs.length !== candidateNs.length) {
    throw new RangeError(
      `paired samples must have equal length, baseline=${baselineNs.length}, candidate=${candidateNs.length}`,
    );
  }
  const ratios = new Float64Array(baselineNs.length);
  for (let i = 0; i < ratios.length; i++) {
    const a = baselineNs[i] as number;
    const b = candidateNs[i] as number;
    if (!(a > 0) || !(b > 0)) {
      throw new RangeError(
        `paired samples must be positive durations, pair=${i}, baseline=${a}, candidate=${b}`,
      );
    }
    ratios[i] = Math.log(b / a);
  }
  return ratios;
}

/** Log ratio to overhead in percent: +10 means the candidate takes 10% longer. */
export function logRatioToPercent(logRatio: number): number {
  return (Math.exp(logRatio) - 1) * 100;
}

export function percentToLogRatio(percent: number): number {
  return Math.log1p(percent / 100);
}

/** The overhead interval in percent, from paired log ratios. */
export function overheadInterval(
  logRatios: ArrayLike<number>,
  options: BootstrapOptions = {},
): Interval {
  const inLogs = bootstrapMedian(logRatios, options);
  return {
    median: logRatioToPercent(inLogs.median),
    low: logRatioToPercent(inLogs.low),
    high: logRatioToPercent(inLogs.high),
    confidence: inLogs.confidence,
  };
}

/** The speedup interval (×, baseline time / candidate time), from paired log ratios. */
export function speedupInterval(
  logRatios: ArrayLike<number>,
  options: BootstrapOptions = {},
): Interval {
  const inLogs = bootstrapMedian(logRatios, options);
  return {
    median: Math.exp(-inLogs.median),
    low: Math.exp(-inLogs.high),
    high: Math.exp(-inLogs.low),
    confidence: inLogs.confidence,
  };
}
