import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStatistics } from '../src/index.js';
import { skipWithoutAddon } from './helpers.js';

const root = join(import.meta.dirname, '..');
const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

/** Runs a fixture in a fresh Node process; returns its output, exit status and wall time. */
function runChild(name: string, ...args: string[]) {
  const started = performance.now();
  const child = spawnSync(process.execPath, [fixture(name), ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { ...child, wallMs: performance.now() - started };
}

describe.skipIf(skipWithoutAddon)('ring lifetime: threads, process exit, workers', () => {
  beforeAll(() => {
    // The fixtures import the built package, as a user would.
    if (!existsSync(join(root, 'dist', 'index.js')))
      spawnSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  });

  it('close joins every thread the rings started', () => {
    const child = runChild('lifetime.mjs', 'close');
    expect(child.status, child.stderr).toBe(0);
    const { before, during, after } = JSON.parse(child.stdout);
    expect(during).toBeGreaterThanOrEqual(before + 3); // one executor per ring
    expect(after).toBe(before);
  });

  it('an idle ring left open does not keep the process alive', () => {
    const child = runChild('lifetime.mjs', 'idle');
    expect(child.status, child.stderr).toBe(0);
    expect(child.wallMs).toBeLessThan(10_000);
  });

  it('a commit in flight keeps the process alive until it completes, then lets it exit', () => {
    const child = runChild('lifetime.mjs', 'in-flight');
    expect(child.status, child.stderr).toBe(0);
    const { fence, waitedMs } = JSON.parse(child.stdout);
    expect(fence).toBe(51);
    expect(waitedMs).toBeGreaterThanOrEqual(250);
  });

  it('a worker drives a ring with the blocking variants; its statistics are read here', async () => {
    const worker = new Worker(fixture('worker-sync.mjs'), {
      workerData: { ringSize: 3, cycles: 20_000 },
    });
    let statistics: SharedArrayBuffer | undefined;
    const finished = new Promise<{ last: number; report: unknown }>((resolve, reject) => {
      worker.on('message', (message) => {
        if (message.statistics) statistics = message.statistics;
        else resolve(message);
      });
      worker.on('error', reject);
    });
    const result = await finished;
    expect(result).toEqual({ last: 20_000, report: { drained: true, abandonedFences: 0 } });
    expect(statistics).toBeInstanceOf(SharedArrayBuffer);
    expect(readStatistics(statistics as SharedArrayBuffer)).toMatchObject({
      totalAcquisitions: 20_000,
      completedFences: 20_000,
      ringSize: 3,
    });
    expect(await worker.terminate()).toBeDefined();
  });
});
