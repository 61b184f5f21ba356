import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resultOf, temporaryDir, workspaceWith, writeResultFile } from './fixtures.js';

const BIN = fileURLToPath(new URL('../bin/bench-kit.mjs', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const { RINGKIT_BENCH_RESULTS: _ignored, ...env } = process.env;
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? temporaryDir(),
    env: { ...env, ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
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
      /example\s+push-overhead\s+overhead\s+\+2\.00%\s+\[\+1\.00%, \+3\.00%\]\s+8%\s+PASS/,
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
    expect(stdout).toMatch(/check FAILED: 1 result\(s\): 1 over budget/);
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
    expect(stdout).toMatch(/vs-postmessage\s+speedup\s+25\.0×\s+\[22\.0×, 27\.0×\]\s+≥ 30×\s+FAIL/);
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
    expect(stderr).toMatch(/1 benchmark\(s\) over budget: spin-double/);
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

  it('runs only the overhead benchmarks with --gate', () => {
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
