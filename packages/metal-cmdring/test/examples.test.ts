import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutAddon } from './helpers.js';

const root = join(import.meta.dirname, '..');

describe.skipIf(skipWithoutAddon)("the README's example", () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js')))
      spawnSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  });

  it('examples/decode-loop.mjs runs 2000 commands and reports the statistics', () => {
    const run = spawnSync(process.execPath, [join(root, 'examples', 'decode-loop.mjs'), '2'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^(cpu|cuda), ring of 2: \d+ commands\/s$/m);
    const [, acquisitions, waits] =
      /acquisitions (\d+), waits (\d+), reuse rate [\d.]+%, average wait [\d.]+ ms/.exec(
        run.stdout,
      ) ?? [];
    expect(Number(acquisitions)).toBe(2000);
    expect(Number(waits)).toBeLessThanOrEqual(2000);
    expect(run.stdout).toMatch(/\{ drained: true, abandonedFences: 0 \}/);
  });

  it('examples/priorities.mjs runs the urgent command right after the one that was running', () => {
    const run = spawnSync(process.execPath, [join(root, 'examples', 'priorities.mjs')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ran in the order 1, 7, 2, 3, 4, 5, 6$/m);
    expect(run.stdout).toMatch(/\{ drained: true, abandonedFences: 0 \}/);
  });
});
