import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/index.js';
import { renderReadmeTables, type StoredResult } from '../src/readme-tables.js';
import { aggregateRuns } from '../src/runs.js';
import { resultOf, workspaceWith, writeResultFile } from './fixtures.js';

const BIN = fileURLToPath(new URL('../bin/bench-kit.mjs', import.meta.url));

/** A speedup's run: its median, and each side's rate (the candidate `ratio` times the baseline's). */
function speedupRun(median: number, minute: number, baselineRate = 1e6): BenchResult {
  const side = (rate: number) => ({
    iterationsPerSample: 1000,
    medianNsPerIteration: 1e9 / rate,
    itemsPerSecond: { median: rate, low: rate, high: rate, confidence: 0.95 },
  });
  return resultOf({
    bench: 'push-vs-post',
    description: 'one push vs one postMessage',
    kind: 'speedup',
    unit: '×',
    median,
    interval: { low: median - 0.1, high: median + 0.1, confidence: 0.95 },
    budget: 3,
    verdict: 'pass',
    sides: { baseline: side(baselineRate), candidate: side(baselineRate * median) },
    timestamp: `2026-12-06T07:5${minute}:00.000Z`,
  });
}

const RUNS = [4, 3.9, 4.2, 1.5, 4.1].map((median, index) => speedupRun(median, index));
const REPEATED = aggregateRuns(RUNS, RUNS[0]!.machine);
const stored: StoredResult = { result: REPEATED, runFiles: RUNS };
const lookup = {
  result: async (bench: string) => (bench === 'push-vs-post' ? stored : null),
  text: async (path: string) =>
    path === 'table/made.md'
      ? '# made by a script\n\nprose\n| a | b |\n|---|---|\n| 1 | 2 |\n\nafter\n'
      : null,
};

const README = [
  '# a package',
  '',
  'Prose that stays.',
  '',
  '<!-- bench-kit table: push-vs-post; sides: ns a record -->',
  'a table copied by hand: 9.99×',
  '<!-- bench-kit table end -->',
  '',
  'More prose.',
  '',
].join('\n');

describe('README tables generated from results', () => {
  it('rewrites only what lies between the markers, from the runs: median, worst … best, sides, caption', async () => {
    const out = await renderReadmeTables(README, 'README.md', 'example', lookup);
    expect(out.startsWith('# a package\n\nProse that stays.\n\n<!-- bench-kit table:')).toBe(true);
    expect(out.endsWith('<!-- bench-kit table end -->\n\nMore prose.\n')).toBe(true);
    expect(out).not.toContain('9.99×');
    expect(out).toContain(
      '`benchmark_results/example/`: 5 runs of each bench, 2026-12-06 07:50–07:54 UTC, test CPU (2 cores), Node v20.0.0.',
    );
    const row = out.split('\n').find((line) => line.startsWith('| `push-vs-post`'));
    // The median of 4, 3.9, 4.2, 1.5, 4.1 is 4; the worst run (1.5×) is beyond 3 × 0.7: a fail,
    // whatever the runs said of themselves.
    expect(row).toBe(
      '| `push-vs-post`: one push vs one postMessage | **4.00×** [1.50× … 4.20×] | 250 vs 1 000 ns a record | ≥ 3× | **fail** |',
    );
  });

  it('is stable: a README regenerated again does not change', async () => {
    const once = await renderReadmeTables(README, 'README.md', 'example', lookup);
    expect(await renderReadmeTables(once, 'README.md', 'example', lookup)).toBe(once);
  });

  it('names the README line and the bench a table lists without results', async () => {
    const readme = README.replace('push-vs-post;', 'push-vs-post, gone-bench;');
    await expect(renderReadmeTables(readme, 'README.md', 'example', lookup)).rejects.toThrow(
      /README\.md:5: the table names "gone-bench", which has no results file in example/,
    );
  });

  it('copies the first markdown table of a file in the results folder', async () => {
    const readme =
      'x\n<!-- bench-kit copy: table/made.md -->\nold\n<!-- bench-kit copy end -->\ny\n';
    const out = await renderReadmeTables(readme, 'packages/example/README.md', 'example', lookup);
    expect(out).toBe(
      'x\n<!-- bench-kit copy: table/made.md -->\n' +
        '<sub>Copied by `npx bench-kit readme` from [`benchmark_results/example/table/made.md`](../../benchmark_results/example/table/made.md), which says how and when it was measured.</sub>\n\n' +
        '| a | b |\n|---|---|\n| 1 | 2 |\n<!-- bench-kit copy end -->\ny\n',
    );
    const missing = readme.replace('table/made.md', 'table/gone.md');
    await expect(renderReadmeTables(missing, 'README.md', 'example', lookup)).rejects.toThrow(
      /README\.md:2: the copy names example\/table\/gone\.md, which does not exist/,
    );
  });

  it("links a copy to the repository's web address when it has one, for the registry's page", async () => {
    const readme = 'x\n<!-- bench-kit copy: table/made.md -->\n<!-- bench-kit copy end -->\n';
    const out = await renderReadmeTables(readme, 'packages/example/README.md', 'example', lookup, {
      repositoryFiles: 'https://github.com/o/r/blob/HEAD/',
    });
    expect(out).toContain(
      '(https://github.com/o/r/blob/HEAD/benchmark_results/example/table/made.md)',
    );
  });

  it('shows a single run by its interval, and says so', async () => {
    const single = { result: RUNS[0]!, runFiles: [] };
    const out = await renderReadmeTables(README, 'README.md', 'example', {
      ...lookup,
      result: async () => single,
    });
    expect(out).toContain('| benchmark | median [95% interval], one run |');
    expect(out).toContain('| **4.00×** [3.90×, 4.10×] | 250 vs 1 000 ns a record | ≥ 3× | pass |');
    expect(out).toContain(': 1 run of each bench, 2026-12-06 07:50 UTC,');
  });

  it('leaves a marker shown in a code block alone', async () => {
    const readme = `\`\`\`markdown\n<!-- bench-kit table: not-a-bench -->\n<!-- bench-kit table end -->\n\`\`\`\n${README}`;
    const out = await renderReadmeTables(readme, 'README.md', 'example', lookup);
    expect(
      out.startsWith(
        '```markdown\n<!-- bench-kit table: not-a-bench -->\n<!-- bench-kit table end -->\n```\n',
      ),
    ).toBe(true);
    expect(out).toContain('**4.00×** [1.50× … 4.20×]');
  });

  it('indents a table inside a list item as its markers are', async () => {
    const readme =
      '- item:\n\n  <!-- bench-kit table: push-vs-post -->\n  <!-- bench-kit table end -->\n';
    const out = await renderReadmeTables(readme, 'README.md', 'example', lookup);
    const lines = out.split('\n').slice(2, -1);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line === '' || line.startsWith('  ')).toBe(true);
    expect(await renderReadmeTables(out, 'README.md', 'example', lookup)).toBe(out);
  });

  it('refuses a table that is opened and never closed', async () => {
    const readme = README.replace('<!-- bench-kit table end -->', '');
    await expect(renderReadmeTables(readme, 'README.md', 'example', lookup)).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
      message: expect.stringMatching(/README\.md:5: .* not closed/),
    });
  });
});

describe('bench-kit readme', () => {
  it('--check fails on a stale README and passes once `readme` has rewritten it', () => {
    const root = workspaceWith({ '@ringkit/example': {} });
    const readmePath = join(root, 'packages', 'example', 'README.md');
    writeFileSync(readmePath, README);
    const results = join(root, 'benchmark_results');
    writeResultFile(results, REPEATED);
    mkdirSync(join(results, 'example', 'runs'), { recursive: true });
    for (const [index, run] of RUNS.entries()) {
      const file = join(results, 'example', 'runs', `push-vs-post.run-${index + 1}.json`);
      writeFileSync(file, JSON.stringify(run));
    }
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'readme', ...args], { cwd: root, encoding: 'utf8' });

    const stale = cli('--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('packages/example/README.md: a measured table differs');
    expect(readFileSync(readmePath, 'utf8')).toBe(README); // --check writes nothing

    expect(cli().status).toBe(0);
    expect(readFileSync(readmePath, 'utf8')).toContain('**4.00×** [1.50× … 4.20×]');
    const fresh = cli('--check');
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toContain('packages/example/README.md: tables match');
  });
});
