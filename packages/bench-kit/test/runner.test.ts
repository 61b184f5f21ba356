import { describe, expect, it, vi } from 'vitest';
import { createCpuWorkload } from '../bench/cpu-workload.js';
import { latency, overhead, speedup, throughput } from '../src/define.js';
import { BenchKitError } from '../src/errors.js';
import { type LatencyRun, type OverheadRun, runBench, type ThroughputRun } from '../src/runner.js';
import { QUICK_SAMPLING, resolveSampling } from '../src/sampling.js';
import { createVirtualClock, virtualWorkload } from './virtual-clock.js';

const FAST = {
  warmupMs: 1,
  sampleTargetMs: 1,
  minSamples: 30,
  stepSamples: 30,
  maxSamples: 120,
  resamples: 500,
};

describe('overhead comparison (virtual clock)', () => {
  it('estimates a 10% slower candidate as +10% and fails it against an 8% budget', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'ten-percent',
        baseline: virtualWorkload(clock, 1000, { seed: 1 }),
        candidate: virtualWorkload(clock, 1100, { seed: 2 }),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 1 },
    )) as OverheadRun;
    expect(run.interval.median).toBeGreaterThan(9);
    expect(run.interval.median).toBeLessThan(11);
    expect(run.verdict).toBe('fail');
    expect(run.budget).toBe(8);
  });

  it('passes two identical workloads (A/A)', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'a-a',
        baseline: virtualWorkload(clock, 1000, { seed: 3 }),
        candidate: virtualWorkload(clock, 1000, { seed: 4 }),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 2 },
    )) as OverheadRun;
    expect(run.verdict).toBe('pass');
    expect(run.interval.low).toBeLessThan(0);
    expect(run.interval.high).toBeGreaterThan(0);
  });

  it('samples more while the interval straddles the budget, then stops at the cap as inconclusive', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'on-the-line',
        baseline: virtualWorkload(clock, 1000, { seed: 5, noise: 0.3 }),
        candidate: virtualWorkload(clock, 1080, { seed: 6, noise: 0.3 }),
        sampling: { ...FAST, sampleTargetMs: 0.001 },
      }),
      { clock: clock.clock, gc: null, seed: 3 },
    )) as OverheadRun;
    expect(run.verdict).toBe('inconclusive');
    expect(run.pairs).toHaveLength(120);
  });

  it('stops at the first verdict once the minimum is reached', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'obvious',
        baseline: virtualWorkload(clock, 1000, { seed: 7 }),
        candidate: virtualWorkload(clock, 3000, { seed: 8 }),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 4 },
    )) as OverheadRun;
    expect(run.pairs).toHaveLength(30);
    expect(run.verdict).toBe('fail');
  });

  it('randomises which side runs first in each pair', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'order',
        baseline: virtualWorkload(clock, 1000),
        candidate: virtualWorkload(clock, 1000),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 5 },
    )) as OverheadRun;
    const baselineFirst = run.pairs.filter((pair) => pair.order === 'baseline-first').length;
    expect(baselineFirst).toBeGreaterThan(5);
    expect(baselineFirst).toBeLessThan(run.pairs.length - 5);
  });

  it('grows the batch until a sample lasts the target time', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'batch',
        baseline: virtualWorkload(clock, 1000, { noise: 0 }),
        candidate: virtualWorkload(clock, 1000, { noise: 0 }),
        sampling: { ...FAST, sampleTargetMs: 2 },
      }),
      { clock: clock.clock, gc: null, seed: 6 },
    )) as OverheadRun;
    expect(run.iterationsPerSample).toBeGreaterThanOrEqual(2000);
    for (const pair of run.pairs) expect(pair.baseline.ns).toBeGreaterThanOrEqual(2e6);
  });

  it('collects garbage before every sample when a collector is available', async () => {
    const clock = createVirtualClock();
    const gc = vi.fn();
    const run = (await runBench(
      overhead({
        name: 'gc',
        baseline: virtualWorkload(clock, 1000),
        candidate: virtualWorkload(clock, 1000),
        sampling: FAST,
      }),
      { clock: clock.clock, gc, seed: 7 },
    )) as OverheadRun;
    expect(gc).toHaveBeenCalledTimes(run.pairs.length * 2);
  });

  it('reports items per second for each side when items per iteration are declared', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'items',
        itemsPerIteration: 10,
        baseline: virtualWorkload(clock, 1000, { noise: 0 }),
        candidate: virtualWorkload(clock, 2000, { noise: 0 }),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 8 },
    )) as OverheadRun;
    expect(run.sides.baseline.itemsPerSecond?.median).toBeCloseTo(10e6, -3);
    expect(run.sides.candidate.itemsPerSecond?.median).toBeCloseTo(5e6, -3);
    expect(run.sides.candidate.medianNsPerIteration).toBeCloseTo(2000, 6);
  });

  it('awaits asynchronous workloads', async () => {
    const clock = createVirtualClock();
    const step = virtualWorkload(clock, 1000);
    const run = (await runBench(
      overhead({
        name: 'async',
        baseline: async () => step(),
        candidate: async () => {
          step();
          step();
        },
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 9 },
    )) as OverheadRun;
    expect(run.interval.median).toBeGreaterThan(90);
    expect(run.verdict).toBe('fail');
  });

  it('runs setup before and teardown after sampling, even when sampling throws', async () => {
    const calls: string[] = [];
    const failing = overhead({
      name: 'broken',
      setup: () => void calls.push('setup'),
      teardown: () => void calls.push('teardown'),
      baseline: () => {
        throw new Error('boom');
      },
      candidate: () => {},
    });
    await expect(runBench(failing, { gc: null })).rejects.toThrow('boom');
    expect(calls).toEqual(['setup', 'teardown']);
  });

  it('refuses a workload that does no measurable work instead of looping forever', async () => {
    const clock = createVirtualClock();
    await expect(
      runBench(
        overhead({ name: 'nothing', baseline: () => {}, candidate: () => {}, sampling: FAST }),
        {
          clock: clock.clock,
          gc: null,
        },
      ),
    ).rejects.toThrow(/does no measurable work/);
  });
});

/**
 * A host that steals the CPUs during every third pair, and a candidate that is three times
 * slower whenever it does (as a ring whose two threads both need a CPU is): the readings go up
 * by 100 ticks per call, 20 of them stolen during a stolen pair.
 */
function stealingHost(clock: ReturnType<typeof createVirtualClock>) {
  let calls = 0;
  let stealing = false;
  const times = { steal: 0, total: 0 };
  return {
    cpuTimes: () => {
      // Call 0 opens the run; then each pair reads before (odd calls) and after (even calls).
      if (calls % 2 === 1) stealing = ((calls - 1) / 2) % 3 === 0;
      calls++;
      times.total += 100;
      if (stealing && calls % 2 === 1) times.steal += 20;
      return { ...times };
    },
    baseline: virtualWorkload(clock, 1000, { seed: 11 }),
    candidate: () => clock.advance(stealing ? 3000 : 1000),
  };
}

describe('pairs the hypervisor stole from', () => {
  it('sets them aside and counts them, so the figure is the code’s', async () => {
    const clock = createVirtualClock();
    const host = stealingHost(clock);
    const run = (await runBench(
      overhead({
        name: 'stolen',
        baseline: host.baseline,
        candidate: host.candidate,
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 5, cpuTimes: host.cpuTimes },
    )) as OverheadRun;
    expect(run.verdict).toBe('pass');
    expect(Math.abs(run.interval.median)).toBeLessThan(2);
    expect(run.pairs).toHaveLength(30);
    // Every third pair of the 45 sampled for 30 clean ones.
    expect(run.steal?.pairsSetAside).toBe(15);
    expect(run.steal?.stolenPairsKept).toBe(0);
    // 15 stolen pairs × 20 ticks of the 9 100 between the first reading and the last (92 calls).
    expect(run.steal?.percent).toBeCloseTo((15 * 20 * 100) / 9100, 5);
  });

  it('keeps them when nothing reads the CPUs’ times, and then the steal shows in the figure', async () => {
    const clock = createVirtualClock();
    const host = stealingHost(clock);
    const reader = host.cpuTimes;
    const run = (await runBench(
      overhead({
        name: 'stolen-kept',
        baseline: host.baseline,
        // The host still steals on its schedule; only the runner does not look.
        candidate: () => {
          reader();
          reader();
          host.candidate();
        },
        sampling: { ...FAST, minSamples: 60, maxSamples: 60 },
      }),
      { clock: clock.clock, gc: null, seed: 5, cpuTimes: null },
    )) as OverheadRun;
    expect(run.steal).toBeNull();
    expect(run.pairs.length).toBeGreaterThanOrEqual(60);
  });

  it('judges every pair, stolen ones too, when steal outlasts the deadline, and says so', async () => {
    const clock = createVirtualClock();
    let ticks = 0;
    const run = (await runBench(
      overhead({
        name: 'always-stolen',
        baseline: virtualWorkload(clock, 1000, { seed: 12 }),
        candidate: virtualWorkload(clock, 1000, { seed: 13 }),
        sampling: { ...FAST, maxSeconds: 0.05 },
      }),
      {
        clock: clock.clock,
        gc: null,
        cpuTimes: () => {
          ticks += 100;
          return { steal: ticks / 5, total: ticks };
        },
      },
    )) as OverheadRun;
    expect(run.pairs.length).toBeGreaterThan(0);
    expect(run.steal).toMatchObject({ pairsSetAside: 0, stolenPairsKept: run.pairs.length });
    expect(run.steal?.percent).toBeCloseTo(20, 5);
  });
});

describe('speedup comparison (virtual clock)', () => {
  const threeTimesFaster = (clock: ReturnType<typeof createVirtualClock>, atLeast: number) =>
    speedup({
      name: 'three-times',
      atLeast,
      baseline: virtualWorkload(clock, 3000, { seed: 21 }),
      candidate: virtualWorkload(clock, 1000, { seed: 22 }),
      sampling: FAST,
    });

  it('estimates a 3× faster candidate as 3× and passes a 2× requirement', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(threeTimesFaster(clock, 2), {
      clock: clock.clock,
      gc: null,
      seed: 13,
    })) as OverheadRun;
    expect(run.kind).toBe('speedup');
    expect(run.interval.median).toBeGreaterThan(2.9);
    expect(run.interval.median).toBeLessThan(3.1);
    expect(run.interval.low).toBeLessThan(run.interval.median);
    expect(run.verdict).toBe('pass');
    expect(run.budget).toBe(2);
  });

  it('sizes each side its own batch, so a fixed cost per sample cannot hide a fast side', async () => {
    const clock = createVirtualClock();
    // The candidate pays 100 µs per sample (say, a consumer waking up) and then 30 ns per item.
    const run = (await runBench(
      speedup({
        name: 'fixed-cost',
        atLeast: 50,
        baseline: virtualWorkload(clock, 3000, { noise: 0 }),
        candidate: { batch: (n: number) => clock.advance(100_000 + 30 * n) },
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 15 },
    )) as OverheadRun;
    expect(run.sides.candidate.iterationsPerSample).toBeGreaterThan(
      10 * run.sides.baseline.iterationsPerSample,
    );
    for (const pair of run.pairs) {
      expect(pair.baseline.ns).toBeGreaterThanOrEqual(1e6);
      expect(pair.candidate.ns).toBeGreaterThanOrEqual(1e6);
    }
    // 3000 ns against (100 µs + 30 ns × n) / n with n ≈ 30 000: about 90×, not the 10× one batch would give.
    expect(run.interval.median).toBeGreaterThan(80);
    expect(run.interval.median).toBeLessThan(100);
    expect(run.sides.candidate.medianNsPerIteration).toBeLessThan(35);
  });

  it('keeps growing a batch past two stalled calibration samples', async () => {
    const clock = createVirtualClock();
    // 10 ns per item, but the first two batches beyond warm-up's sizes stall 5 ms each (a
    // preempted consumer): taken at their word they would end calibration at 10 000 items,
    // 10× too few.
    let stalls = 0;
    const run = (await runBench(
      speedup({
        name: 'stall',
        atLeast: 1,
        baseline: virtualWorkload(clock, 10, { noise: 0 }),
        candidate: {
          batch: (n: number) => {
            const stall = stalls < 2 && n > 1024 ? 5e6 : 0;
            if (stall > 0) stalls++;
            clock.advance(stall + 10 * n);
          },
        },
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 17 },
    )) as OverheadRun;
    expect(stalls).toBe(2);
    expect(run.sides.candidate.iterationsPerSample).toBeGreaterThanOrEqual(100_000);
  });

  it('gives both sides of an overhead comparison the same batch', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      overhead({
        name: 'same-batch',
        baseline: virtualWorkload(clock, 1000, { noise: 0 }),
        candidate: virtualWorkload(clock, 1500, { noise: 0 }),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 16 },
    )) as OverheadRun;
    expect(run.sides.candidate.iterationsPerSample).toBe(run.sides.baseline.iterationsPerSample);
    expect(run.iterationsPerSample).toBe(run.sides.baseline.iterationsPerSample);
  });

  it('fails a 4× requirement', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(threeTimesFaster(clock, 4), {
      clock: clock.clock,
      gc: null,
      seed: 14,
    })) as OverheadRun;
    expect(run.verdict).toBe('fail');
  });

  it('refuses a requirement that is not a positive ratio', () => {
    expect(() =>
      speedup({ name: 'zero', atLeast: 0, baseline: () => {}, candidate: () => {} }),
    ).toThrow(/atLeast must be a ratio > 0/);
  });
});

describe('throughput (virtual clock)', () => {
  it('reports items per second with an interval around the truth', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      throughput({
        name: 'rate',
        itemsPerIteration: 256,
        workload: virtualWorkload(clock, 1000),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 10 },
    )) as ThroughputRun;
    const truth = 256e6;
    expect(run.interval.low).toBeLessThan(truth * 1.01);
    expect(run.interval.high).toBeGreaterThan(truth * 0.99);
    expect(Math.abs(run.interval.median / truth - 1)).toBeLessThan(0.01);
  });

  it('counts the items a batch workload says it processed', async () => {
    const clock = createVirtualClock();
    const run = (await runBench(
      throughput({
        name: 'batch-items',
        workload: {
          batch: (iterations: number) => {
            clock.advance(iterations * 100);
            return iterations * 3;
          },
        },
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 11 },
    )) as ThroughputRun;
    expect(run.interval.median).toBeCloseTo(30e6, -3);
  });
});

describe('throughput and latency targets', () => {
  const rate = (atLeast: number | undefined) => {
    const clock = createVirtualClock();
    // 256 items per 1000 ns: 256 M items/s.
    return runBench(
      throughput({
        name: 'rate',
        itemsPerIteration: 256,
        workload: virtualWorkload(clock, 1000),
        sampling: FAST,
        ...(atLeast === undefined ? {} : { atLeast }),
      }),
      { clock: clock.clock, gc: null, seed: 10 },
    ) as Promise<ThroughputRun>;
  };

  it('passes a throughput above its required rate and fails one below it', async () => {
    expect(await rate(200e6)).toMatchObject({ budget: 200e6, verdict: 'pass' });
    expect(await rate(300e6)).toMatchObject({ budget: 300e6, verdict: 'fail' });
  });

  it('gives a throughput without a required rate no verdict', async () => {
    expect(await rate(undefined)).toMatchObject({ budget: null, verdict: null });
  });

  it('judges a latency’s median against atMost and its p99 against p99AtMost', async () => {
    // 1 µs … 100 µs evenly: median 50.5 µs, p99 99.01 µs.
    const measure = () => Array.from({ length: 100 }, (_, index) => (index + 1) * 1000);
    const judged = async (bounds: { atMost?: number; p99AtMost?: number }) =>
      (await runBench(latency({ name: 'wake', events: 100, measure, ...bounds }), {
        seed: 1,
      })) as LatencyRun;
    expect(await judged({ atMost: 80_000, p99AtMost: 100_000 })).toMatchObject({
      budget: 80_000,
      p99Budget: 100_000,
      verdict: 'pass',
    });
    expect((await judged({ atMost: 30_000 })).verdict).toBe('fail');
    expect((await judged({ atMost: 80_000, p99AtMost: 90_000 })).verdict).toBe('fail');
    expect((await judged({})).verdict).toBeNull();
  });

  it('refuses a target that is not a positive figure', () => {
    expect(() => throughput({ name: 'r', workload: () => {}, atLeast: -1 })).toThrow(
      /atLeast must be a rate in items\/s > 0, atLeast=-1/,
    );
    expect(() => latency({ name: 'l', measure: () => [1], atMost: 0 })).toThrow(
      /atMost must be a duration in ns > 0/,
    );
    expect(() =>
      latency({ name: 'l', measure: () => [1], p99AtMost: Number.POSITIVE_INFINITY }),
    ).toThrow(/p99AtMost must be a duration in ns > 0/);
  });
});

describe('real timing', () => {
  it('does not fail an A/A comparison of a CPU-bound workload', async () => {
    const run = (await runBench(
      overhead({
        name: 'real-a-a',
        baseline: createCpuWorkload(20),
        candidate: createCpuWorkload(20),
        sampling: { warmupMs: 50, sampleTargetMs: 5, maxSeconds: 10 },
      }),
    )) as OverheadRun;
    expect(run.verdict).not.toBe('fail');
    expect(Math.abs(run.interval.median)).toBeLessThan(8);
  });

  it('fails an injected 2× slowdown', async () => {
    const run = (await runBench(
      overhead({
        name: 'real-slowdown',
        baseline: createCpuWorkload(20),
        candidate: createCpuWorkload(40),
        sampling: { warmupMs: 50, sampleTargetMs: 5, maxSeconds: 10 },
      }),
    )) as OverheadRun;
    expect(run.verdict).toBe('fail');
    expect(run.interval.median).toBeGreaterThan(50);
  });
});

describe('whole-process mode', () => {
  const node = process.execPath;
  const reporting = (ns: number) => ({
    command: node,
    args: [
      '-e',
      `process.stdout.write('noise\\nBENCH_RESULT ' + JSON.stringify({ ns: ${ns}, items: 1000 }) + '\\n')`,
    ],
  });

  it('runs a fresh process per sample and uses the figures it reports', async () => {
    const run = (await runBench(
      overhead({
        name: 'processes',
        baseline: reporting(1_000_000),
        candidate: reporting(1_500_000),
        sampling: { minSamples: 4, stepSamples: 4, maxSamples: 8 },
      }),
      { gc: null, seed: 12 },
    )) as OverheadRun;
    expect(run.mode).toBe('process');
    expect(run.iterationsPerSample).toBe(1);
    expect(run.interval.median).toBeCloseTo(50, 6);
    expect(run.verdict).toBe('fail');
    expect(run.sides.baseline.itemsPerSecond?.median).toBeCloseTo(1e6, 3);
  });

  it('times the whole process when it reports nothing', async () => {
    const run = (await runBench(
      throughput({
        name: 'wall',
        workload: { command: node, args: ['-e', ''] },
        sampling: { minSamples: 3, stepSamples: 1, maxSamples: 3 },
      }),
      { gc: null },
    )) as ThroughputRun;
    expect(run.samples).toHaveLength(3);
    for (const sample of run.samples) expect(sample.ns).toBeGreaterThan(1e6);
  });

  it('turns a failing process into an error that names the command and its exit code', async () => {
    const failing = throughput({
      name: 'exit-3',
      workload: { command: node, args: ['-e', 'console.error("no device"); process.exit(3)'] },
    });
    const error = await runBench(failing, { gc: null }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BenchKitError);
    expect((error as BenchKitError).code).toBe('WORKLOAD_FAILED');
    expect((error as Error).message).toMatch(/exited with code 3: no device/);
  });

  it('refuses a process that reports a nonsensical figure', async () => {
    const lying = throughput({
      name: 'lying',
      workload: { command: node, args: ['-e', 'console.log("BENCH_RESULT {\\"ns\\": -5}")'] },
    });
    await expect(runBench(lying, { gc: null })).rejects.toThrow(/reported ns=-5/);
  });
});

describe('definitions', () => {
  it('refuses a bench name that cannot be a file name', () => {
    expect(() => throughput({ name: '../escape', workload: () => {} })).toThrow(
      /benchmark name must be/,
    );
  });

  it('refuses comparing a process with a function', () => {
    expect(() =>
      overhead({ name: 'mixed', baseline: () => {}, candidate: { command: 'true' } }),
    ).toThrow(/make both sides processes or both functions/);
  });

  it('refuses a negative budget', () => {
    expect(() =>
      overhead({ name: 'neg', budget: -1, baseline: () => {}, candidate: () => {} }),
    ).toThrow(/budget must be/);
  });
});

describe('latency', () => {
  it('collects the events asked for and reports the median with an interval and the percentiles', async () => {
    let next = 0;
    const run = (await runBench(
      latency({
        name: 'wake',
        events: 1000,
        // 1 µs … 1000 µs, evenly: median 500.5 µs, p99 990.01 µs, max 1000 µs. The values
        // cycle, so the ten batches after the warm-up's cover each of them once.
        measure: () => Array.from({ length: 100 }, () => ((next++ % 1000) + 1) * 1000),
      }),
      { seed: 1 },
    )) as LatencyRun;
    expect(run.latencies).toHaveLength(1000);
    expect(run.interval.median).toBe(500_500);
    expect(run.interval.low).toBeLessThan(500_500);
    expect(run.interval.high).toBeGreaterThan(500_500);
    expect(run.percentiles).toEqual({ p50: 500_500, p90: 900_100, p99: 990_010, max: 1_000_000 });
  });

  it('warms up first: what measure() returns while the JIT compiles is not recorded', async () => {
    let calls = 0;
    const run = (await runBench(
      latency({
        name: 'cold',
        events: 300,
        // The first call is the cold one: a millisecond per event, then a microsecond.
        measure: () => {
          const cold = calls++ === 0;
          return Array.from({ length: 100 }, () => (cold ? 1e6 : 1e3));
        },
      }),
      { seed: 1 },
    )) as LatencyRun;
    expect(run.latencies).toHaveLength(300);
    expect(Math.max(...run.latencies)).toBe(1e3);
  });

  it('takes a fifth of the events in quick mode', async () => {
    const run = (await runBench(
      latency({ name: 'quick', events: 1000, measure: () => [1, 2, 3, 4] }),
      { quick: true },
    )) as LatencyRun;
    expect(run.latencies).toHaveLength(200);
  });

  it('refuses a measurement that is not a duration', async () => {
    await expect(
      runBench(latency({ name: 'bad', measure: () => [5, Number.NaN] })),
    ).rejects.toThrow(/measured a latency of NaN ns/);
    await expect(runBench(latency({ name: 'empty', measure: () => [] }))).rejects.toThrow(
      /returned no latencies/,
    );
  });
});

describe('quick mode sampling', () => {
  it('takes fewer samples but keeps a bench’s own sample length', () => {
    const plain = resolveSampling('function', true, undefined);
    expect(plain.sampleTargetMs).toBe(QUICK_SAMPLING.sampleTargetMs);
    const long = resolveSampling('function', true, { sampleTargetMs: 250, minSamples: 100 });
    expect(long.sampleTargetMs).toBe(250);
    expect(long.minSamples).toBe(QUICK_SAMPLING.minSamples);
    expect(resolveSampling('function', false, { sampleTargetMs: 250 }).sampleTargetMs).toBe(250);
  });
});
