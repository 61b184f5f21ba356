import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latency, overhead, throughput } from '../src/define.js';
import { BenchKitError } from '../src/errors.js';
import { renderChart, renderMarkdown } from '../src/report.js';
import {
  type BenchResult,
  clearRunFiles,
  packageFolderName,
  parseResult,
  readResults,
  readRunResult,
  toResult,
  writeRepeatedResult,
  writeResult,
} from '../src/results.js';
import { runBench } from '../src/runner.js';
import { aggregateRuns } from '../src/runs.js';
import { resultOf, temporaryDir, writeResultFile } from './fixtures.js';
import { createVirtualClock, virtualWorkload } from './virtual-clock.js';

const FAST = {
  warmupMs: 1,
  sampleTargetMs: 1,
  minSamples: 10,
  stepSamples: 10,
  maxSamples: 10,
  resamples: 200,
};

describe('results files', () => {
  it('writes <package>/<bench>.json in the documented schema and a CSV of the raw pairs', async () => {
    const clock = createVirtualClock();
    const run = await runBench(
      overhead({
        name: 'push-overhead',
        baseline: virtualWorkload(clock, 1000),
        candidate: virtualWorkload(clock, 1050),
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 1 },
    );
    const dir = temporaryDir();
    const result = toResult('@ringkit/example', run);
    const file = await writeResult(dir, result, run);
    expect(file).toBe(join(dir, 'example', 'push-overhead.json'));

    const stored = JSON.parse(readFileSync(file, 'utf8'));
    for (const field of [
      'package',
      'bench',
      'kind',
      'unit',
      'median',
      'interval',
      'samples',
      'budget',
      'verdict',
      'machine',
      'timestamp',
    ]) {
      expect(stored).toHaveProperty(field);
    }
    expect(stored).toMatchObject({
      schema: 'ringkit-bench-result',
      schemaVersion: 3,
      kind: 'overhead',
      unit: '%',
      budget: 8,
      samples: 10,
    });
    for (const field of ['cpuModel', 'cores', 'node', 'loadAverage', 'kernel'])
      expect(stored.machine).toHaveProperty(field);
    // Per-event clock reads cost what the clock source makes them cost: Linux's is recorded.
    if (process.platform === 'linux') expect(stored.machine.clockSource).toMatch(/^[\w-]+$/);

    const csv = readFileSync(join(dir, 'example', 'push-overhead.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe(
      'pair,order,baseline_iterations,candidate_iterations,baseline_ns,candidate_ns,log_ratio',
    );
    expect(csv).toHaveLength(11);
  });

  it('reads back what it wrote', async () => {
    const clock = createVirtualClock();
    const run = await runBench(
      throughput({ name: 'rate', workload: virtualWorkload(clock, 500), sampling: FAST }),
      { clock: clock.clock, gc: null, seed: 2 },
    );
    const dir = temporaryDir();
    const result = toResult('@ringkit/example', run);
    await writeResult(dir, result, run);
    const loaded = await readResults(dir);
    expect(loaded).toHaveLength(1);
    expect(loaded[0]?.result).toEqual(result);
    expect(loaded[0]?.result).toMatchObject({ unit: 'items/s', verdict: null, budget: null });
  });

  it('stores a throughput that counts bytes in B/s, and says so wherever it is shown', async () => {
    const clock = createVirtualClock();
    const run = await runBench(
      throughput({
        name: 'copy',
        workload: virtualWorkload(clock, 500),
        itemsPerIteration: 65_536,
        unit: 'B/s',
        atLeast: 1e9,
        sampling: FAST,
      }),
      { clock: clock.clock, gc: null, seed: 2 },
    );
    const dir = temporaryDir();
    const result = toResult('@ringkit/example', run);
    await writeResult(dir, result, run);
    const [loaded] = await readResults(dir);
    expect(loaded?.result).toMatchObject({ unit: 'B/s', schemaVersion: 3 });
    // 65 536 bytes per 500 ns iteration: 131 GB/s.
    const markdown = renderMarkdown([result]);
    expect(markdown).toMatch(/\| 131 GB\/s \|/);
    expect(markdown).toMatch(/≥ 1\.00 GB\/s/);
    expect(markdown).not.toMatch(/items\/s/);
    expect(renderChart('t', [result])).toMatch(/throughput \(bytes\/s\)/);
    // The unit goes with its kind: an overhead in B/s is malformed.
    expect(() =>
      parseResult(JSON.stringify(resultOf({ kind: 'overhead', unit: 'B/s' })), 'r.json'),
    ).toThrow(/"unit" "B\/s" does not go with kind "overhead"/);
    expect(() =>
      throughput({
        name: 'bad',
        workload: virtualWorkload(clock, 500),
        unit: 'bytes' as 'B/s',
      }),
    ).toThrow(/unit must be 'items\/s' or 'B\/s'/);
  });

  it('names the file and the field when a results file is malformed', () => {
    const cases: [string, RegExp][] = [
      ['{ nope', /not JSON/],
      ['[]', /not a JSON object/],
      [JSON.stringify({ ...resultOf(), schema: 'other' }), /"schema" is "other"/],
      [JSON.stringify({ ...resultOf(), schemaVersion: 99 }), /reads versions 1 to 3/],
      [
        JSON.stringify({ ...resultOf(), median: 'fast' }),
        /"median" must be a finite number, got "fast"/,
      ],
      [
        JSON.stringify({ ...resultOf(), interval: { low: 1, high: null, confidence: 0.95 } }),
        /"interval.high"/,
      ],
      [
        JSON.stringify({ ...resultOf(), verdict: 'great' }),
        /"verdict" must be one of pass, fail, inconclusive/,
      ],
      [JSON.stringify({ ...resultOf(), steal: 12 }), /"steal" must be null or/],
      [
        JSON.stringify({
          ...resultOf(),
          steal: { percent: 3, pairsSetAside: 'some', stolenPairsKept: 0 },
        }),
        /"steal.pairsSetAside" must be a finite number/,
      ],
    ];
    for (const [text, message] of cases) {
      const error = (() => {
        try {
          parseResult(text, 'results/x.json');
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(BenchKitError);
      expect((error as BenchKitError).code).toBe('MALFORMED_RESULTS');
      expect((error as Error).message).toMatch(/^results\/x\.json is not a valid bench-kit result/);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('reads a steal record written before stolen pairs were kept as keeping none', () => {
    const text = JSON.stringify({ ...resultOf(), steal: { percent: 3, pairsSetAside: 2 } });
    expect(parseResult(text, 'results/x.json').steal).toEqual({
      percent: 3,
      pairsSetAside: 2,
      stolenPairsKept: 0,
    });
  });

  it('stores a latency result with its percentiles and every event in the CSV', async () => {
    const run = await runBench(
      latency({ name: 'wake', events: 10, measure: () => [1000, 2000, 3000, 4000, 5000] }),
      { seed: 3 },
    );
    const dir = temporaryDir();
    const result = toResult('@ringkit/example', run);
    await writeResult(dir, result, run);
    const [loaded] = await readResults(dir);
    expect(loaded?.result).toMatchObject({
      kind: 'latency',
      unit: 'ns',
      samples: 10,
      verdict: null,
      percentiles: { max: 5000 },
    });
    expect(readFileSync(join(dir, 'example', 'wake.csv'), 'utf8').split('\n')[0]).toBe(
      'event,latency_ns',
    );
  });

  it('refuses a results directory that does not exist with a hint to run the benchmarks', async () => {
    await expect(readResults('/nonexistent/results')).rejects.toThrow(
      /no results directory at \/nonexistent\/results; run "npm run bench"/,
    );
  });

  it('stops at the first malformed file in a directory', async () => {
    const dir = temporaryDir();
    writeResultFile(dir, resultOf());
    const broken = writeResultFile(dir, '{"schema": "ringkit-bench-result"');
    await expect(readResults(dir)).rejects.toThrow(broken);
  });

  it('records the process that sampled a result', async () => {
    const run = await runBench(latency({ name: 'wake', events: 5, measure: () => [1000] }), {
      seed: 3,
    });
    expect(toResult('@ringkit/example', run)).toMatchObject({
      pid: process.pid,
      runs: null,
      worst: null,
      best: null,
    });
  });

  it('still reads a version 1 file, as a single run without the fields version 2 added', () => {
    const {
      pid: _pid,
      p99Budget: _p99,
      runs: _runs,
      worst: _worst,
      best: _best,
      ...version1
    } = resultOf({ schemaVersion: 1 });
    const read = parseResult(JSON.stringify(version1), 'old.json');
    expect(read).toMatchObject({ schemaVersion: 1, median: 2, verdict: 'pass' });
    expect(read).toMatchObject({ pid: null, p99Budget: null, runs: null, worst: null, best: null });
  });

  it('names the run and the field when a repeated result lists a malformed run', () => {
    const repeated = aggregateRuns([resultOf({ pid: 1 }), resultOf({ pid: 2 })]);
    const broken = {
      ...repeated,
      runs: [repeated.runs?.[0], { ...repeated.runs?.[1], median: 'fast' }],
    };
    expect(() => parseResult(JSON.stringify(broken), 'r.json')).toThrow(
      /"runs\[1\]\.median" must be a finite number, got "fast"/,
    );
    expect(() => parseResult(JSON.stringify({ ...repeated, runs: [] }), 'r.json')).toThrow(
      /"runs" must be null or a non-empty array/,
    );
    expect(() => parseResult(JSON.stringify({ ...repeated, worst: 3 }), 'r.json')).toThrow(
      /"worst" must be null or \{ run, median \}/,
    );
  });

  it('accepts a throughput or latency target, and refuses a target that is not a number', () => {
    const rate = resultOf({ kind: 'throughput', unit: 'items/s', budget: 1e6, verdict: 'fail' });
    expect(parseResult(JSON.stringify(rate), 'r.json')).toMatchObject({ budget: 1e6 });
    expect(() => parseResult(JSON.stringify({ ...rate, budget: 'a lot' }), 'r.json')).toThrow(
      /"budget" must be a finite number/,
    );
  });

  it('stores run r of a repeated run under runs/, leaving <bench>.json alone', async () => {
    const run = await runBench(latency({ name: 'wake', events: 5, measure: () => [1000] }), {
      seed: 3,
    });
    const dir = temporaryDir();
    const result = toResult('@ringkit/example', run);
    const file = await writeResult(dir, result, run, 2);
    expect(file).toBe(join(dir, 'example', 'runs', 'wake.run-2.json'));
    expect(existsSync(join(dir, 'example', 'runs', 'wake.run-2.csv'))).toBe(true);
    expect(existsSync(join(dir, 'example', 'wake.json'))).toBe(false);
    expect(await readRunResult(dir, result, 2)).toEqual(result);
    expect(await readRunResult(dir, result, 3)).toBeNull();
    // A run is not a result of its own: check and report never see it.
    expect(await readResults(dir)).toEqual([]);
  });

  it('writes a repeated result with one CSV row per run', async () => {
    const dir = temporaryDir();
    const repeated = aggregateRuns([
      resultOf({ pid: 11, median: 2 }),
      resultOf({ pid: 12, median: 4 }),
    ]);
    await writeRepeatedResult(dir, repeated);
    const csv = readFileSync(join(dir, 'example', 'push-overhead.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('run,pid,seed,timestamp,samples,median,low,high,verdict');
    expect(csv.slice(1).map((row) => row.split(',').slice(0, 2))).toEqual([
      ['1', '11'],
      ['2', '12'],
    ]);
    const [loaded] = await readResults(dir);
    expect(loaded?.result).toEqual(repeated);
  });

  it('clears the stored runs of one bench only, and a single run clears its bench’s runs', async () => {
    const dir = temporaryDir();
    const stored = async (bench: string, run: number) => {
      const sampled = await runBench(latency({ name: bench, events: 1, measure: () => [1] }));
      await writeResult(dir, toResult('@ringkit/example', sampled), sampled, run);
    };
    await stored('wake', 1);
    await stored('wake', 2);
    await stored('wake-up', 1);
    await clearRunFiles(dir, { package: '@ringkit/example', bench: 'wake' });
    const runsOf = (bench: string): Pick<BenchResult, 'package' | 'bench'> => ({
      package: '@ringkit/example',
      bench,
    });
    expect(await readRunResult(dir, runsOf('wake'), 1)).toBeNull();
    expect(await readRunResult(dir, runsOf('wake'), 2)).toBeNull();
    expect(await readRunResult(dir, runsOf('wake-up'), 1)).not.toBeNull();

    const single = await runBench(latency({ name: 'wake-up', events: 1, measure: () => [1] }));
    await writeResult(dir, toResult('@ringkit/example', single), single);
    expect(await readRunResult(dir, runsOf('wake-up'), 1)).toBeNull();
  });

  it('keeps a scoped package in a folder named without its scope', () => {
    expect(packageFolderName('@ringkit/spsc-ring')).toBe('spsc-ring');
    expect(packageFolderName('plain')).toBe('plain');
  });
});

describe('summary table', () => {
  it('states each target as its kind does: a budget in %, a speedup as ≥ N×, none for a rate', () => {
    const table = renderMarkdown([
      resultOf({ bench: 'gate' }),
      resultOf({ bench: 'faster', kind: 'speedup', unit: '×', median: 41, budget: 30 }),
      resultOf({ bench: 'rate', kind: 'throughput', unit: 'items/s', budget: null, verdict: null }),
    ]);
    const rowOf = (bench: string) =>
      table.split('\n').find((line) => line.startsWith(`| ${bench} `));
    expect(rowOf('gate')).toContain('| 8% |');
    expect(rowOf('faster')).toContain('| ≥ 30× |');
    expect(rowOf('faster')).not.toContain('30%');
    expect(rowOf('rate')).toContain('| — |');
  });
});

describe('summary table of repeated runs', () => {
  it('shows the median of the runs with the worst and best, and marks fewer than five', () => {
    const three = aggregateRuns([2, 6, 3].map((median, index) => resultOf({ median, pid: index })));
    const five = aggregateRuns(
      [2, 6, 3, 1, 4].map((median, index) => resultOf({ bench: 'five', median, pid: index })),
    );
    const table = renderMarkdown([three, five, resultOf({ bench: 'single' })]);
    const rowOf = (bench: string) =>
      table.split('\n').find((line) => line.startsWith(`| ${bench} `));
    expect(rowOf('push-overhead')).toContain('| +3.00% |');
    expect(rowOf('push-overhead')).toContain('| [+6.00% … +2.00%], n=3 (< 5) |');
    expect(rowOf('five')).toContain('| [+6.00% … +1.00%], n=5 |');
    expect(rowOf('single')).toContain('| n=1 |');
  });

  it('states a throughput’s and a latency’s targets', () => {
    const table = renderMarkdown([
      resultOf({ bench: 'rate', kind: 'throughput', unit: 'items/s', budget: 2e6 }),
      resultOf({ bench: 'wake', kind: 'latency', unit: 'ns', budget: 50_000, p99Budget: 2e5 }),
    ]);
    expect(table).toContain('| ≥ 2.00 M items/s |');
    expect(table).toContain('| ≤ 50.0 µs, p99 ≤ 200 µs |');
  });
});

describe('chart', () => {
  it('draws a dot at each run of a repeated result and says how many runs', () => {
    const svg = renderChart(
      'example',
      [[2, 6, 3]].map((medians) =>
        aggregateRuns(medians.map((median, index) => resultOf({ median, pid: index }))),
      ),
    );
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg).toContain('<title>run 2: +6.00%</title>');
    expect(svg).toContain('+3.00% pass, 3 runs');
    expect(svg).toContain('dots: each run');
  });

  it('draws a bar, an interval and the budget line for each overhead result, and escapes names', () => {
    const svg = renderChart('example', [
      resultOf({
        bench: 'a<b',
        verdict: 'fail',
        median: 12,
        interval: { low: 10, high: 14, confidence: 0.95 },
      }),
      resultOf({
        bench: 'rate',
        kind: 'throughput',
        unit: 'items/s',
        median: 5e6,
        budget: null,
        verdict: null,
        interval: { low: 4e6, high: 6e6, confidence: 0.95 },
      }),
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('overhead vs baseline');
    expect(svg).toContain('throughput (items/s)');
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('#c62828');
    expect(svg).toContain('5.00 M/s');
  });
});
