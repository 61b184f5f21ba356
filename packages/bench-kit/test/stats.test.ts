import { describe, expect, it } from 'vitest';
import {
  bootstrapMedian,
  createRandom,
  logRatioToPercent,
  median,
  normalDeviate,
  overheadInterval,
  pairedLogRatios,
  percentToLogRatio,
  quantileOfSorted,
} from '../src/stats.js';

/** Paired timings with a true multiplicative shift, shared drift and per-sample noise. */
function syntheticPairs(seed: number, pairs: number, trueShift: number, noise = 0.05) {
  const random = createRandom(seed);
  const baseline: number[] = [];
  const candidate: number[] = [];
  for (let i = 0; i < pairs; i++) {
    const drift = 1 + 0.3 * Math.sin(i / 7); // the machine slowly speeds up and slows down
    baseline.push(1e6 * drift * Math.exp(noise * normalDeviate(random)));
    candidate.push(1e6 * drift * (1 + trueShift) * Math.exp(noise * normalDeviate(random)));
  }
  return { baseline, candidate };
}

describe('statistics', () => {
  it('estimates a known 10% shift within ±1 percentage point', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { baseline, candidate } = syntheticPairs(seed, 200, 0.1);
      const interval = overheadInterval(pairedLogRatios(baseline, candidate), { seed });
      expect(interval.median).toBeGreaterThan(9);
      expect(interval.median).toBeLessThan(11);
    }
  });

  it('gives a 95% interval that covers the true shift in about 95% of repeated experiments', () => {
    const experiments = 200;
    let covered = 0;
    for (let seed = 100; seed < 100 + experiments; seed++) {
      const { baseline, candidate } = syntheticPairs(seed, 60, 0.1);
      const interval = overheadInterval(pairedLogRatios(baseline, candidate), {
        seed,
        resamples: 1000,
      });
      if (interval.low <= 10 && interval.high >= 10) covered++;
    }
    // Percentile bootstrap of a median is slightly conservative or slightly liberal; 90–99% is healthy.
    expect(covered / experiments).toBeGreaterThanOrEqual(0.9);
    expect(covered / experiments).toBeLessThanOrEqual(0.995);
  });

  it('cancels drift that both halves of a pair share', () => {
    const { baseline, candidate } = syntheticPairs(7, 100, 0, 0.001);
    const interval = overheadInterval(pairedLogRatios(baseline, candidate), { seed: 7 });
    expect(Math.abs(interval.median)).toBeLessThan(0.1);
    expect(interval.high - interval.low).toBeLessThan(0.2);
  });

  it('is reproducible from its seed', () => {
    const values = Array.from({ length: 50 }, (_, i) => Math.sin(i) * 10);
    expect(bootstrapMedian(values, { seed: 42 })).toEqual(bootstrapMedian(values, { seed: 42 }));
    expect(bootstrapMedian(values, { seed: 42 })).not.toEqual(
      bootstrapMedian(values, { seed: 43 }),
    );
  });

  it('interval brackets the median and narrows with more samples', () => {
    const random = createRandom(9);
    const sample = (n: number) => Array.from({ length: n }, () => normalDeviate(random));
    const small = bootstrapMedian(sample(20), { seed: 1 });
    const large = bootstrapMedian(sample(2000), { seed: 1, resamples: 500 });
    for (const interval of [small, large]) {
      expect(interval.low).toBeLessThanOrEqual(interval.median);
      expect(interval.high).toBeGreaterThanOrEqual(interval.median);
    }
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 3);
  });

  it('computes medians and interpolated quantiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantileOfSorted([0, 10], 0.25)).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });

  it('converts between percent and log ratio both ways', () => {
    expect(logRatioToPercent(percentToLogRatio(15))).toBeCloseTo(15, 10);
    expect(logRatioToPercent(0)).toBe(0);
  });

  it('refuses unpaired or non-positive durations with the offending values named', () => {
    expect(() => pairedLogRatios([1, 2], [1])).toThrow(/baseline=2, candidate=1/);
    expect(() => pairedLogRatios([1, 0], [1, 1])).toThrow(/pair=1, baseline=0/);
  });
});
