import type { SamplingOptions } from './define.js';

export const DEFAULT_SAMPLING: SamplingOptions = {
  warmupMs: 300,
  sampleTargetMs: 20,
  minSamples: 30,
  stepSamples: 30,
  maxSamples: 300,
  maxSeconds: 60,
  precisionPercent: 1,
  confidence: 0.95,
  resamples: 2000,
};

/** Fresh processes are expensive: fewer, and each one is its own warm-up. */
export const DEFAULT_PROCESS_SAMPLING: SamplingOptions = {
  ...DEFAULT_SAMPLING,
  minSamples: 10,
  stepSamples: 10,
  maxSamples: 60,
  maxSeconds: 120,
  precisionPercent: 2,
};

/** `--quick` (CI): enough to catch a gross regression, never enough to be quoted. */
export const QUICK_SAMPLING: Partial<SamplingOptions> = {
  warmupMs: 50,
  sampleTargetMs: 5,
  minSamples: 10,
  stepSamples: 10,
  maxSamples: 40,
  maxSeconds: 10,
  precisionPercent: 5,
  resamples: 1000,
};

export function resolveSampling(
  mode: 'function' | 'process',
  quick: boolean,
  overrides: Partial<SamplingOptions> | undefined,
): SamplingOptions {
  const base = mode === 'process' ? DEFAULT_PROCESS_SAMPLING : DEFAULT_SAMPLING;
  const quickOverrides: Partial<SamplingOptions> = quick
    ? mode === 'process'
      ? { minSamples: 4, stepSamples: 4, maxSamples: 12, maxSeconds: 20, resamples: 1000 }
      : QUICK_SAMPLING
    : {};
  const resolved = { ...base, ...overrides, ...quickOverrides };
  // A bench's own sample length is what makes one sample meaningful (a sender
  // thread's batch, a drain period): quick mode takes fewer samples, never shorter ones.
  if (quick && overrides?.sampleTargetMs !== undefined)
    return { ...resolved, sampleTargetMs: overrides.sampleTargetMs };
  return resolved;
}
