import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { aggregateRuns } from '../src/runs.js';
import { resultOf, temporaryDir, workspaceWith, writeResultFile } from './fixtures.js';

const BIN = fileURLToPath(new URL('../bin/bench-kit.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  // The CLI reads these from the environment; a test sets them only on purpose.
  const {
    RINGKIT_BENCH_RESULTS: _results,
    RINGKIT_BENCH_RUNS: _runs,
    RINGKIT_BENCH_STRICT: _strict,
    RINGKIT_BENCH_QUICK: _quick,
    RINGKIT_BENCH_GATE: _gate,
    ...env
  } = process.env;
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? temporaryDir(),
    env: { ...env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { pid: result.pid, code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One clear sentence, no stack trace. */
function expectOneSentence(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^bench-kit: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('bench-kit CLI: bad input', () => {
  it('rejects an unknown flag', () => {
    const { code, stderr } = cli(['check', '--bogus']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /unknown option --bogus for "check"/);
  });

  it('rejects a flag that belongs to another command', () => {
    const { code, stderr } = cli(['report', '--budget', '8']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /"report" has no --budget option/);
  });

  it('rejects a budget that is not a number', () => {
    const dir = temporaryDir();
    const { code, stderr } = cli(['check', '--results', dir, '--budget', 'eight']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /--budget must be a number, got "eight"/);
  });

  it('rejects a missing results directory', () => {
    const { code, stderr } = cli(['check', '--results', 'no-such-dir']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /no results directory at .*no-such-dir; run "npm run bench" first/);
  });

  it('rejects a malformed results file, naming it', () => {
    const dir = temporaryDir();
    const file = writeResultFile(dir, '{"schema": 1}');
    const { code, stderr } = cli(['report', '--results', dir]);
    expect(code).toBe(2);
    expectOneSentence(
      stderr,
      new RegExp(`${file.replaceAll('/', '\\/')} is not a valid bench-kit result`),
    );
  });

  it('rejects a run count that is not a whole number ≥ 1, from the flag or the environment', () => {
    for (const bad of ['0', 'abc', '2.5', '']) {
      const { code, stderr } = cli(['run', '--runs', bad]);
      expect(code).toBe(2);
      expectOneSentence(stderr, new RegExp(`--runs must be a whole number ≥ 1, got "${bad}"`));
    }
    const { code, stderr } = cli(['run'], { env: { RINGKIT_BENCH_RUNS: 'many' } });
    expect(code).toBe(2);
    expectOneSentence(stderr, /RINGKIT_BENCH_RUNS must be a whole number ≥ 1, got "many"/);
  });

  it('rejects storing one run of a repeated run while asking for several', () => {
    const { code, stderr } = cli(['run', '--as-run', '2', '--runs', '3']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /--as-run stores one run of a repeated run/);
  });

  it('rejects --strict outside check', () => {
    const { code, stderr } = cli(['run', '--strict']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /"run" has no --strict option/);
  });

  it('rejects an unknown command', () => {
    const { code, stderr } = cli(['benchmark']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /unknown command "benchmark"/);
  });

  it('rejects a run with no benchmark files', () => {
    const { code, stderr } = cli(['run']);
    expect(code).toBe(2);
    expectOneSentence(stderr, /no benchmark files in/);
  });

  it('rejects a bench file that exports no suite', () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p' }));
    writeFileSync(join(dir, 'empty.bench.mjs'), 'export const nothing = 1;\n');
    const { code, stderr } = cli(['run', 'empty.bench.mjs'], { cwd: dir });
    expect(code).toBe(2);
    expectOneSentence(stderr, /exports no suite; write "export default defineSuite/);
  });
});

describe('bench-kit check', () => {
  it('prints a table and exits 0 when every overhead result is within budget', () => {
    const dir = temporaryDir();
    writeResultFile(dir, resultOf());
    const { code, stdout } = cli(['check', '--results', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /example\s+push-overhead\s+overhead\s+\+2\.00%\s+\[\+1\.00%, \+3\.00%\]\s+8%\s+n=1\s+PASS/,
    );
    expect(stdout).toMatch(/check passed/);
  });

  it('exits 1 when a result is over budget, judging the interval rather than the stored verdict', () => {
    const dir = temporaryDir();
    writeResultFile(
      dir,
      resultOf({ verdict: 'pass', median: 12, interval: { low: 10, high: 14, confidence: 0.95 } }),
    );
    const { code, stdout } = cli(['check', '--results', dir]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL/);
    expect(stdout).toMatch(/check FAILED: 1 result\(s\): 1 failed their target/);
  });

  it('re-judges against --budget', () => {
    const dir = temporaryDir();
    writeResultFile(dir, resultOf());
    expect(cli(['check', '--results', dir, '--budget', '0.5']).code).toBe(1);
    expect(cli(['check', '--results', dir, '--budget', '10%']).code).toBe(0);
  });

  it('judges a speedup against its required minimum and prints it as ×', () => {
    const dir = temporaryDir();
    writeResultFile(
      dir,
      resultOf({
        bench: 'vs-postmessage',
        kind: 'speedup',
        unit: '×',
        budget: 30,
        median: 25,
        interval: { low: 22, high: 27, confidence: 0.95 },
        verdict: 'pass',
      }),
    );
    const { code, stdout } = cli(['check', '--results', dir]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /vs-postmessage\s+speedup\s+25\.0×\s+\[22\.0×, 27\.0×\]\s+≥ 30×\s+n=1\s+FAIL/,
    );
  });

  it('does not fail on an inconclusive result', () => {
    const dir = temporaryDir();
    writeResultFile(
      dir,
      resultOf({ verdict: 'inconclusive', interval: { low: 5, high: 11, confidence: 0.95 } }),
    );
    const { code, stdout } = cli(['check', '--results', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/INCONCLUSIVE/);
  });

  describe('--strict', () => {
    // The example: a median over budget with an interval that still reaches under it.
    const overBudget = resultOf({
      bench: 'median-over',
      verdict: 'inconclusive',
      median: 9.5,
      interval: { low: 7, high: 12, confidence: 0.95 },
    });
    const underBudget = resultOf({
      bench: 'median-under',
      verdict: 'inconclusive',
      median: 6.5,
      interval: { low: 4, high: 9, confidence: 0.95 },
    });

    it('fails an inconclusive result whose median is over its budget', () => {
      const dir = temporaryDir();
      writeResultFile(dir, overBudget);
      const lenient = cli(['check', '--results', dir]);
      expect(lenient.code).toBe(0);
      expect(lenient.stdout).toMatch(/median-over .* INCONCLUSIVE/);
      const strict = cli(['check', '--results', dir, '--strict']);
      expect(strict.code).toBe(1);
      expect(strict.stdout).toMatch(
        /median-over .* FAIL \(strict: inconclusive, and its median \+9\.50% misses 8%\)/,
      );
      expect(strict.stdout).toMatch(
        /check FAILED \(strict\): 1 result\(s\): 1 failed their target/,
      );
    });

    it('passes an inconclusive result whose median is under its budget, still as inconclusive', () => {
      const dir = temporaryDir();
      writeResultFile(dir, underBudget);
      const { code, stdout } = cli(['check', '--results', dir, '--strict']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/median-under .* INCONCLUSIVE/);
      expect(stdout).toMatch(
        /check passed \(strict\): 1 result\(s\): 0 failed their target, 1 inconclusive/,
      );
    });

    it('is turned on by RINGKIT_BENCH_STRICT=1', () => {
      const dir = temporaryDir();
      writeResultFile(dir, overBudget);
      expect(cli(['check', '--results', dir], { env: { RINGKIT_BENCH_STRICT: '1' } }).code).toBe(1);
      expect(cli(['check', '--results', dir], { env: { RINGKIT_BENCH_STRICT: '0' } }).code).toBe(0);
    });

    it('fails a speedup whose median is under its requirement', () => {
      const dir = temporaryDir();
      writeResultFile(
        dir,
        resultOf({
          kind: 'speedup',
          unit: '×',
          budget: 30,
          median: 29,
          interval: { low: 26, high: 33, confidence: 0.95 },
          verdict: 'inconclusive',
        }),
      );
      expect(cli(['check', '--results', dir]).code).toBe(0);
      expect(cli(['check', '--results', dir, '--strict']).code).toBe(1);
    });
  });

  it('judges a throughput against its required rate and a latency against its bounds', () => {
    const dir = temporaryDir();
    writeResultFile(
      dir,
      resultOf({
        bench: 'rate',
        kind: 'throughput',
        unit: 'items/s',
        budget: 2e6,
        median: 1.5e6,
        interval: { low: 1.4e6, high: 1.6e6, confidence: 0.95 },
        verdict: 'pass',
      }),
    );
    writeResultFile(
      dir,
      resultOf({
        bench: 'wake',
        kind: 'latency',
        unit: 'ns',
        budget: 50_000,
        p99Budget: 100_000,
        median: 20_000,
        interval: { low: 18_000, high: 22_000, confidence: 0.95 },
        percentiles: { p50: 20_000, p90: 40_000, p99: 90_000, max: 300_000 },
        verdict: 'pass',
      }),
    );
    const { code, stdout } = cli(['check', '--results', dir]);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /rate\s+throughput\s+1\.50 M items\/s\s+\[1\.40 M, 1\.60 M\]\s+≥ 2\.00 M items\/s\s+n=1\s+FAIL/,
    );
    expect(stdout).toMatch(
      /wake\s+latency\s+20\.0 µs \(p99 90\.0 µs\).*≤ 50\.0 µs, p99 ≤ 100 µs\s+n=1\s+PASS/,
    );
  });

  describe('a repeated result', () => {
    const runsOf = (medians: readonly number[], bench = 'push-overhead') =>
      aggregateRuns(
        medians.map((median, index) =>
          resultOf({
            bench,
            median,
            interval: { low: median - 1, high: median + 1, confidence: 0.95 },
            pid: 100 + index,
            timestamp: `2026-12-01T10:0${index}:00.000Z`,
          }),
        ),
      );

    it('prints the spread of its runs and judges each run from its interval', () => {
      const dir = temporaryDir();
      // Run 4's stored verdict says pass; its interval says it is over budget.
      const repeated = runsOf([2, 3, 4, 9.9, 1]);
      const runs = repeated.runs?.map((run) => ({ ...run, verdict: 'pass' as const }));
      writeResultFile(dir, { ...repeated, runs: runs ?? null });
      const { code, stdout } = cli(['check', '--results', dir]);
      expect(code).toBe(0);
      expect(stdout).toMatch(
        /push-overhead\s+overhead\s+\+3\.00%.*\[\+9\.90% … \+1\.00%\], n=5\s+PASS/,
      );
      expect(stdout).toMatch(
        /example push-overhead: 5 runs, median of their medians \+3\.00%; the worst run must stay within \+10\.40%/,
      );
      expect(stdout).toMatch(
        /^4\s+103\s+2026-12-01 10:03:00\s+\+9\.90%\s+\[\+8\.90%, \+10\.90%\]\s+30\s+FAIL \(worst\)$/m,
      );
      expect(stdout).toMatch(/^5\s+104\s+.*PASS \(best\)$/m);
    });

    it('fails when the worst run is more than 30% past the target, saying which run', () => {
      const dir = temporaryDir();
      writeResultFile(dir, runsOf([2, 3, 4, 10.5, 1]));
      const { code, stdout } = cli(['check', '--results', dir]);
      expect(code).toBe(1);
      expect(stdout).toMatch(/FAIL \(run 4 \+10\.50% is beyond \+10\.40% \(8%, 30% margin\)\)/);
    });

    it('judges its runs again, so an edited median cannot hide them', () => {
      const dir = temporaryDir();
      writeResultFile(dir, { ...runsOf([9, 9.5, 10]), median: 1, verdict: 'pass' });
      expect(cli(['check', '--results', dir]).code).toBe(1);
    });

    it('marks fewer than five runs as not yet a claim', () => {
      const dir = temporaryDir();
      writeResultFile(dir, runsOf([2, 3, 4]));
      const { code, stdout } = cli(['check', '--results', dir, '--strict']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/n=3 \(< 5\)/);
    });
  });

  it('reports a gated package without an overhead benchmark as missing, and exempts opted-out and private ones', () => {
    const root = workspaceWith({
      '@ringkit/example': {},
      '@ringkit/lonely': {},
      '@ringkit/tooling': { ringkit: { benchGate: false } },
      '@ringkit/app': { private: true },
    });
    writeResultFile(join(root, 'benchmark_results'), resultOf());
    const { code, stdout } = cli(['check'], { cwd: join(root, 'packages', 'example') });
    expect(code).toBe(1);
    expect(stdout).toMatch(/@ringkit\/lonely .*MISSING: no overhead benchmark against the budget/);
    expect(stdout).not.toMatch(/tooling|@ringkit\/app/);
    expect(stdout).toMatch(/1 package\(s\) missing an overhead benchmark/);
  });

  it('counts only overhead results towards a package gate', () => {
    const root = workspaceWith({ '@ringkit/example': {} });
    writeResultFile(
      join(root, 'benchmark_results'),
      resultOf({ kind: 'throughput', unit: 'items/s', budget: null, verdict: null }),
    );
    expect(cli(['check'], { cwd: root }).code).toBe(1);
  });
});

describe('bench-kit run and report', () => {
  it('runs a bench file, writes its results, and exits 1 when a candidate is over budget', () => {
    const dir = temporaryDir();
    mkdirSync(join(dir, 'bench'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: '@demo/widget', type: 'module' }),
    );
    // Imported by path: the temporary folder is outside the workspace.
    const entry = JSON.stringify(join(PACKAGE_DIR, 'dist', 'index.js'));
    writeFileSync(
      join(dir, 'bench', 'spin.bench.ts'),
      `import { defineSuite, overhead, throughput } from ${entry};
const spin = (n: number) => () => { let x = 0; for (let i = 0; i < n; i++) x += Math.sqrt(i); return x; };
export default defineSuite({ benches: [
  throughput({ name: 'spin-rate', workload: spin(200), itemsPerIteration: 200 }),
  overhead({ name: 'spin-double', baseline: spin(200), candidate: spin(400) }),
] });
`,
    );
    const { code, stdout, stderr } = cli(['run', '--quick', '--seed', '7', '--out', 'results'], {
      cwd: dir,
    });
    expect(stderr).toMatch(/1 benchmark\(s\) failed their target: spin-double/);
    expect(code).toBe(1);
    expect(stdout).toMatch(/@demo\/widget spin-rate: .* items\/s/);
    expect(stdout).toMatch(/@demo\/widget spin-double: \+\d+\.\d+% .* FAIL \(budget 8%\)/);
    for (const file of ['spin-rate.json', 'spin-rate.csv', 'spin-double.json', 'spin-double.csv']) {
      expect(existsSync(join(dir, 'results', 'widget', file))).toBe(true);
    }
    const stored = JSON.parse(
      readFileSync(join(dir, 'results', 'widget', 'spin-double.json'), 'utf8'),
    );
    expect(stored).toMatchObject({
      package: '@demo/widget',
      quick: true,
      seed: 7,
      verdict: 'fail',
    });

    const report = cli(['report', '--results', 'results'], { cwd: dir });
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/\| spin-double \| overhead \|/);
    expect(readFileSync(join(dir, 'results', 'widget', 'chart.svg'), 'utf8')).toMatch(/^<svg/);
    expect(existsSync(join(dir, 'results', 'widget', 'summary.md'))).toBe(true);
    expect(existsSync(join(dir, 'results', 'SUMMARY.md'))).toBe(true);
  });

  it('samples each bench file in fresh processes with --runs, interleaved, storing every run', () => {
    const dir = temporaryDir();
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: '@demo/widget', type: 'module' }),
    );
    const entry = JSON.stringify(join(PACKAGE_DIR, 'dist', 'index.js'));
    const tiny = `{ warmupMs: 1, sampleTargetMs: 1, minSamples: 10, stepSamples: 10, maxSamples: 10, resamples: 200 }`;
    // A TypeScript file: every fresh process must load it as the first one did.
    writeFileSync(
      join(dir, 'a.bench.ts'),
      `import { defineSuite, overhead, throughput } from ${entry};
const spin = (n: number) => () => { let x = 0; for (let i = 0; i < n; i++) x += Math.sqrt(i); return x; };
export default defineSuite({ benches: [
  overhead({ name: 'same', baseline: spin(200), candidate: spin(200), budget: 50, sampling: ${tiny} }),
  throughput({ name: 'rate', workload: spin(200), itemsPerIteration: 200, atLeast: 1, sampling: ${tiny} }),
] });
`,
    );
    writeFileSync(
      join(dir, 'b.bench.mjs'),
      `import { defineSuite, latency } from ${entry};
export default defineSuite({ benches: [
  latency({ name: 'wake', events: 20, atMost: 1e6, measure: () => [1000, 2000, 3000] }),
] });
`,
    );
    const { pid, code, stdout } = cli(
      ['run', 'a.bench.ts', 'b.bench.mjs', '--runs', '3', '--seed', '5', '--out', 'r'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    const folder = join(dir, 'r', 'widget');
    const runOf = (bench: string, run: number) =>
      JSON.parse(readFileSync(join(folder, 'runs', `${bench}.run-${run}.json`), 'utf8'));

    // One fresh process per file and run: the two benches of a.bench.ts share each of theirs.
    const pidsOf = (bench: string) => [1, 2, 3].map((run) => runOf(bench, run).pid);
    const all = new Set([...pidsOf('same'), ...pidsOf('wake')]);
    expect(all.size).toBe(6);
    expect(all.has(pid)).toBe(false);
    expect(pidsOf('rate')).toEqual(pidsOf('same'));
    expect([1, 2, 3].map((run) => runOf('same', run).seed)).toEqual([5, 6, 7]);
    for (const bench of ['same', 'rate', 'wake'])
      for (const run of [1, 2, 3])
        expect(existsSync(join(folder, 'runs', `${bench}.run-${run}.csv`))).toBe(true);

    // Interleaved: run 1 of every file, then run 2 of every file, …
    const when = (bench: string, run: number) => Date.parse(runOf(bench, run).timestamp);
    expect(when('same', 1)).toBeLessThan(when('wake', 1));
    expect(when('wake', 1)).toBeLessThan(when('same', 2));
    expect(when('wake', 2)).toBeLessThan(when('same', 3));

    const same = JSON.parse(readFileSync(join(folder, 'same.json'), 'utf8'));
    const medians = [1, 2, 3].map((run) => runOf('same', run).median).sort((a, b) => a - b);
    expect(same.median).toBe(medians[1]);
    expect(same.runs.map((run: { pid: number }) => run.pid)).toEqual(pidsOf('same'));
    expect(same).toMatchObject({ schemaVersion: 3, pid: null, verdict: 'pass' });
    expect(readFileSync(join(folder, 'same.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    expect(stdout).toMatch(/run 3 of 3: b\.bench\.mjs in a fresh process \(pid \d+, seed 7\)/);
    expect(stdout).toMatch(
      /@demo\/widget same: [^ ]+ median of 3 runs \(fewer than 5: not yet a claim\), worst .* PASS \(budget 50%\)/,
    );

    const check = cli(['check', '--results', 'r'], { cwd: dir });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/same\s+overhead\s+.*n=3 \(< 5\)\s+PASS/);
    expect(check.stdout).toMatch(/widget wake: 3 runs, median of their medians 2\.00 µs/);
  });

  it('takes the run count from RINGKIT_BENCH_RUNS and stops with one sentence when a run fails', () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'flaky' }));
    const entry = JSON.stringify(join(PACKAGE_DIR, 'dist', 'index.js'));
    // Measures nothing in any process but the first to load it: the run in a fresh process fails.
    writeFileSync(
      join(dir, 'flaky.bench.mjs'),
      `import { defineSuite, latency } from ${entry};
const parent = process.argv.includes('--runs') || process.env.RINGKIT_BENCH_RUNS !== undefined;
export default defineSuite({ benches: [latency({ name: 'wake', events: 3, measure: () => (parent ? [1] : []) })] });
`,
    );
    const { code, stdout, stderr } = cli(['run', 'flaky.bench.mjs', '--out', 'r'], {
      cwd: dir,
      env: { RINGKIT_BENCH_RUNS: '2' },
    });
    expect(stdout).toMatch(/run 1 of 2: flaky\.bench\.mjs in a fresh process/);
    expect(code).toBe(1);
    expect(stderr).toMatch(/measure\(\) returned no latencies/);
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      /^bench-kit: run 1 of 2 of flaky\.bench\.mjs exited with code 1 without results for wake; its own message is above\.$/,
    );
    expect(existsSync(join(dir, 'r', 'flaky', 'wake.json'))).toBe(false);
  });

  it('runs only the overhead benchmarks with --gate, less those with gate: false', () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'gated' }));
    const entry = JSON.stringify(join(PACKAGE_DIR, 'dist', 'index.js'));
    writeFileSync(
      join(dir, 'mixed.bench.mjs'),
      `import { defineSuite, overhead, speedup, throughput } from ${entry};
const spin = () => { let x = 0; for (let i = 0; i < 100; i++) x += i; return x; };
export default defineSuite({ benches: [
  throughput({ name: 'rate', workload: spin }),
  speedup({ name: 'faster', baseline: spin, candidate: spin }),
  overhead({ name: 'cost', baseline: spin, candidate: spin, budget: 50 }),
  overhead({ name: 'ungated', baseline: spin, candidate: spin, budget: 50, gate: false }),
] });
`,
    );
    const { code, stdout } = cli(['run', 'mixed.bench.mjs', '--quick', '--gate', '--out', 'r'], {
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/gated cost:/);
    expect(existsSync(join(dir, 'r', 'gated', 'rate.json'))).toBe(false);
    expect(existsSync(join(dir, 'r', 'gated', 'faster.json'))).toBe(false);
    expect(existsSync(join(dir, 'r', 'gated', 'ungated.json'))).toBe(false);
  });

  it('honours --filter', () => {
    const dir = temporaryDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'only' }));
    const entry = JSON.stringify(join(PACKAGE_DIR, 'dist', 'index.js'));
    writeFileSync(
      join(dir, 'two.bench.mjs'),
      `import { defineSuite, throughput } from ${entry};
const spin = () => { let x = 0; for (let i = 0; i < 100; i++) x += i; return x; };
export default defineSuite({ benches: [throughput({ name: 'kept', workload: spin }), throughput({ name: 'skipped', workload: spin })] });
`,
    );
    const { code, stdout } = cli(
      ['run', 'two.bench.mjs', '--quick', '--filter', 'kept', '--out', 'r'],
      { cwd: dir },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/only kept:/);
    expect(existsSync(join(dir, 'r', 'only', 'skipped.json'))).toBe(false);
  });
});
