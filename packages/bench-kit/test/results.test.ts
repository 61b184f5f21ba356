import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latency, overhead, throughput } from '../src/define.js';
import { BenchKitError } from '../src/errors.js';
import { renderChart, renderMarkdown } from '../src/report.js';
import {
  packageFolderName,
  parseResult,
  readResults,
  toResult,
  writeResult,
} from '../src/results.js';
import { runBench } from '../src/runner.js';
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
      schemaVersion: 1,
      kind: 'overhead',
      unit: '%',
      budget: 8,
      samples: 10,
    });
    for (const field of ['cpuModel', 'cores', 'node', 'loadAverage'])
      expect(stored.machine).toHaveProperty(field);

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

  it('names the file and the field when a results file is malformed', () => {
    const cases: [string, RegExp][] = [
      ['{ nope', /not JSON/],
      ['[]', /not a JSON object/],
      [JSON.stringify({ ...resultOf(), schema: 'other' }), /"schema" is "other"/],
      [JSON.stringify({ ...resultOf(), schemaVersion: 99 }), /reads version 1/],
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

describe('chart', () => {
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
