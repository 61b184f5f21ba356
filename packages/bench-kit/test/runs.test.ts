import { describe, expect, it } from 'vitest';
import type { BenchResult, RunSummary } from '../src/results.js';
import {
  aggregateRuns,
  CLAIM_RUNS,
  describeSpread,
  judgeRuns,
  WORST_RUN_MARGIN,
  worstAllowed,
  worstAndBest,
} from '../src/runs.js';
import { resultOf } from './fixtures.js';

/** Runs with these medians (and, for latency, these p99s), numbered from 1. */
function runsWith(medians: readonly number[], p99s: readonly number[] = []): RunSummary[] {
  return medians.map((median, index) => ({
    run: index + 1,
    pid: 1000 + index,
    seed: 7 + index,
    timestamp: `2026-12-01T00:0${index}:00.000Z`,
    median,
    interval: { low: median - 1, high: median + 1, confidence: 0.95 },
    samples: 30,
    verdict: null,
    durationMs: 100,
    percentiles:
      p99s[index] === undefined ? null : { p50: median, p90: median, p99: p99s[index], max: 0 },
  }));
}

/** One process's result for `aggregateRuns`, as a run stores it. */
function runResult(median: number, overrides: Partial<BenchResult> = {}): BenchResult {
  return resultOf({
    median,
    interval: { low: median - 1, high: median + 1, confidence: 0.95 },
    ...overrides,
  });
}

describe('the median of the runs', () => {
  it('is the middle run for an odd count and the mean of the middle two for an even count', () => {
    const overhead = { kind: 'overhead', budget: 8, p99Budget: null } as const;
    expect(judgeRuns(runsWith([5, 1, 4, 2, 3]), overhead).median).toBe(3);
    expect(judgeRuns(runsWith([4, 1, 3, 2]), overhead).median).toBe(2.5);
  });
});

describe('worst and best run', () => {
  const medians = [4, 9, 1, 6];

  it('takes the highest overhead and the highest latency as the worst', () => {
    expect(worstAndBest(medians, 'atMost')).toEqual({
      worst: { run: 2, median: 9 },
      best: { run: 3, median: 1 },
    });
    for (const kind of ['overhead', 'latency'] as const) {
      const { worst, best } = judgeRuns(runsWith(medians, [1, 1, 1, 1]), {
        kind,
        budget: 100,
        p99Budget: null,
      });
      expect([worst.run, best.run]).toEqual([2, 3]);
    }
  });

  it('takes the lowest speedup and the lowest throughput as the worst', () => {
    for (const kind of ['speedup', 'throughput'] as const) {
      const { worst, best } = judgeRuns(runsWith(medians), { kind, budget: 0.5, p99Budget: null });
      expect(worst).toEqual({ run: 3, median: 1 });
      expect(best).toEqual({ run: 2, median: 9 });
    }
  });

  it('picks the first of equal runs', () => {
    expect(worstAndBest([3, 5, 5, 3], 'atMost')).toEqual({
      worst: { run: 2, median: 5 },
      best: { run: 1, median: 3 },
    });
  });
});

describe('the 30% rule for the worst run', () => {
  it('allows 30% above a bound and 30% below a minimum', () => {
    expect(WORST_RUN_MARGIN).toBe(0.3);
    expect(worstAllowed(8, 'atMost')).toBeCloseTo(10.4, 10);
    expect(worstAllowed(30, 'atLeast')).toBeCloseTo(21, 10);
  });

  it('passes an overhead whose worst run is within budget + 30%, and fails one past it', () => {
    const targets = { kind: 'overhead', budget: 8, p99Budget: null } as const;
    expect(judgeRuns(runsWith([2, 3, 4, 5, 10.3]), targets).verdict).toBe('pass');
    const failed = judgeRuns(runsWith([2, 3, 4, 5, 10.5]), targets);
    expect(failed.verdict).toBe('fail');
    expect(failed.reason).toBe('run 5 +10.50% is beyond +10.40% (8%, 30% margin)');
  });

  it('passes a speedup whose worst run is within 30% under the requirement, and fails one below it', () => {
    const targets = { kind: 'speedup', budget: 30, p99Budget: null } as const;
    expect(judgeRuns(runsWith([40, 35, 21.1, 38, 33]), targets).verdict).toBe('pass');
    expect(judgeRuns(runsWith([40, 35, 20.9, 38, 33]), targets).verdict).toBe('fail');
  });

  it('holds a throughput to its minimum and a latency to its bound the same way', () => {
    const throughput = { kind: 'throughput', budget: 1e6, p99Budget: null } as const;
    expect(judgeRuns(runsWith([2e6, 1.5e6, 0.71e6]), throughput).verdict).toBe('pass');
    expect(judgeRuns(runsWith([2e6, 1.5e6, 0.69e6]), throughput).verdict).toBe('fail');
    const latency = { kind: 'latency', budget: 1000, p99Budget: null } as const;
    expect(judgeRuns(runsWith([500, 600, 1290], [1, 1, 1]), latency).verdict).toBe('pass');
    expect(judgeRuns(runsWith([500, 600, 1310], [1, 1, 1]), latency).verdict).toBe('fail');
  });

  it('fails when the median of the runs misses the target, however close every run is', () => {
    const judgement = judgeRuns(runsWith([8.5, 8.6, 8.7, 8.8, 9]), {
      kind: 'overhead',
      budget: 8,
      p99Budget: null,
    });
    expect(judgement.verdict).toBe('fail');
    expect(judgement.reason).toBe('the median of the runs +8.70% misses 8%');
  });

  it('holds a latency’s p99 to its bound in the median and within 30% in the worst run', () => {
    const targets = { kind: 'latency', budget: null, p99Budget: 10_000 } as const;
    expect(judgeRuns(runsWith([1, 1, 1], [9000, 9500, 12_900]), targets).verdict).toBe('pass');
    const worst = judgeRuns(runsWith([1, 1, 1], [9000, 9500, 13_100]), targets);
    expect(worst.verdict).toBe('fail');
    expect(worst.reason).toMatch(/^run 3 p99 13\.1 µs is beyond 13\.0 µs/);
    expect(judgeRuns(runsWith([1, 1, 1], [9000, 10_500, 11_000]), targets).verdict).toBe('fail');
  });

  it('gives no verdict without a target', () => {
    const judgement = judgeRuns(runsWith([1, 2, 3]), {
      kind: 'throughput',
      budget: null,
      p99Budget: null,
    });
    expect(judgement.verdict).toBeNull();
    expect(judgement.worstAllowed).toBeNull();
  });

  it('calls five runs or more a claim, and fewer not', () => {
    const targets = { kind: 'overhead', budget: 8, p99Budget: null } as const;
    expect(CLAIM_RUNS).toBe(5);
    expect(judgeRuns(runsWith([1, 2, 3, 4]), targets).claim).toBe(false);
    expect(judgeRuns(runsWith([1, 2, 3, 4, 5]), targets).claim).toBe(true);
  });
});

describe('one result from the runs', () => {
  const runs = [3, 1, 2.5, 7, 2].map((median, index) =>
    runResult(median, {
      pid: 500 + index,
      seed: 40 + index,
      samples: 30 + index,
      durationMs: 1000,
    }),
  );
  const aggregate = aggregateRuns(runs);

  it('reports the median of the runs’ medians with an interval between runs', () => {
    expect(aggregate.median).toBe(2.5);
    expect(aggregate.interval.low).toBeGreaterThanOrEqual(1);
    expect(aggregate.interval.high).toBeLessThanOrEqual(7);
    expect(aggregate.interval.low).toBeLessThanOrEqual(2.5);
    expect(aggregate.interval.high).toBeGreaterThanOrEqual(2.5);
  });

  it('lists every run in order with its own process, and names the worst and best', () => {
    expect(aggregate.runs?.map((run) => [run.run, run.pid, run.seed, run.median])).toEqual([
      [1, 500, 40, 3],
      [2, 501, 41, 1],
      [3, 502, 42, 2.5],
      [4, 503, 43, 7],
      [5, 504, 44, 2],
    ]);
    expect(aggregate.worst).toEqual({ run: 4, median: 7 });
    expect(aggregate.best).toEqual({ run: 2, median: 1 });
    expect(aggregate.pid).toBeNull();
  });

  it('sums samples and time over the runs and keeps the first run’s seed', () => {
    expect(aggregate.samples).toBe(30 + 31 + 32 + 33 + 34);
    expect(aggregate.durationMs).toBe(5000);
    expect(aggregate.seed).toBe(40);
    expect(aggregate.schemaVersion).toBe(3);
  });

  it('is judged as a repeated run, not from any one run’s verdict', () => {
    expect(aggregate.verdict).toBe('pass');
    const unlucky = aggregateRuns([...runs.slice(0, 4), runResult(11, { pid: 9 })]);
    expect(unlucky.verdict).toBe('fail');
  });

  it('refuses a run that was not sampled as a process of its own', () => {
    expect(() => aggregateRuns([runResult(1, { pid: null })])).toThrow(/has no pid/);
  });
});

describe('the spread in a table cell', () => {
  it('shows worst … best and the count, marking fewer than five runs', () => {
    const pick = (median: number) => ({ run: 1, median });
    expect(describeSpread('%', 1, null)).toBe('n=1');
    expect(describeSpread('%', 3, { worst: pick(4), best: pick(1) })).toBe(
      '[+4.00% … +1.00%], n=3 (< 5)',
    );
    expect(describeSpread('×', 5, { worst: pick(21), best: pick(40) })).toBe(
      '[21.0× … 40.0×], n=5',
    );
  });
});
