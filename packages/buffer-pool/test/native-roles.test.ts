import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  type BufferPool,
  type Conservation,
  createBufferPool,
  nativeUnavailableReason,
  type PoolOptions,
  runRolesAsync,
  startNativeDrain,
  startNativeProducer,
} from '../src/index.js';
import type { CollectorReport, LaneReport } from './pipeline.js';
import { requireOrSkip } from './skip.js';

const WORKER = new URL('./workers/pool-worker.mjs', import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs JS pool roles in a worker (test/workers/pool-worker.mjs); `report` settles when they finished. */
function startWorker(pool: BufferPool, roles: string[], records = 0, maxPayload = 48) {
  const worker = new Worker(WORKER, {
    workerData: { spec: pool.spec, roles, records, delays: false, maxPayload, seed: 3 },
  });
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (message) => message.started && resolve());
    worker.on('error', reject);
  });
  const report = new Promise<Record<string, CollectorReport & LaneReport>>((resolve, reject) => {
    worker.on('message', (message) => message.report && resolve(message.report));
    worker.on('error', reject);
    worker.on('exit', (code) =>
      reject(new Error(`pool worker exited with ${code} before reporting`)),
    );
  });
  return { worker, started, report };
}

/** Checks conservation from this thread until stopped. */
function checkConservation(pool: BufferPool) {
  const checks = { consistent: 0, failures: [] as Conservation[] };
  let running = true;
  const loop = (async () => {
    while (running) {
      const check = pool.conservationCheck();
      if (check.consistent) {
        checks.consistent++;
        if (!check.ok) checks.failures.push(check);
      }
      await sleep(1);
    }
  })();
  return {
    checks,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const native = nativeUnavailableReason() === '';
const skip = requireOrSkip(native, `the native addon is not built: ${nativeUnavailableReason()}`);

function osPool(options: Omit<PoolOptions, 'waitDomain'>): BufferPool {
  return createBufferPool({ ...options, waitDomain: 'os' });
}

describe('a native drain', () => {
  it.skipIf(skip)(
    'moves every buffer of a native producer to a JS collector, counting hand-offs and refills',
    async () => {
      const records = 200_000;
      const pool = osPool({
        lanes: 1,
        bufferSize: 1024,
        buffersPerBlock: 8,
        maxBlocks: 8,
        fullPolicy: 'block',
      });
      const loops = startWorker(pool, ['collector:0', 'replenish']);
      try {
        await loops.started;
        const drain = startNativeDrain(pool.spec, 0);
        const conservation = checkConservation(pool);
        const produced = await startNativeProducer(pool.spec, 0, {
          records,
          recordBytes: [8, 100],
        }).done;
        pool.complete();
        const drained = await drain.join();
        const report = await loops.report;
        await conservation.stop();
        expect(produced).toMatchObject({ written: records, dropped: 0 });
        expect(report['collector:0']).toMatchObject({ received: records, gaps: 0, bad: 0 });
        const lane = pool.stats().lanes[0]!;
        expect(drained).toMatchObject({ lane: 0, handoffs: lane.handoffs, stopped: false });
        expect(drained.handoffs).toBeGreaterThan(records / 100);
        expect(drained.refills).toBeGreaterThan(0);
        expect(conservation.checks.consistent).toBeGreaterThan(0);
        expect(conservation.checks.failures).toEqual([]);
        expect((await pool.whenAllHome()).ok).toBe(true);
      } finally {
        await loops.worker.terminate();
      }
    },
  );

  it.skipIf(skip)('exits within one tick of complete() while its lane is idle', async () => {
    const tickMs = 200;
    const pool = osPool({ lanes: 1, bufferSize: 256, tickMs });
    const drain = startNativeDrain(pool.spec, 0);
    await sleep(3 * tickMs); // idle, asleep on ready[0]
    const completedAt = performance.now();
    pool.complete();
    const result = await drain.join();
    expect(performance.now() - completedAt).toBeLessThan(1000);
    expect(result.stopped).toBe(false);
    expect(pool.stats().lanes[0]!.exited.drain).toBe(true);
  });

  it.skipIf(skip)("is the lane's only drain: JS and native takers refuse each other", async () => {
    const pool = osPool({ lanes: 2, bufferSize: 256 });
    pool.drain(0);
    expect(() => startNativeDrain(pool.spec, 0)).toThrow(
      expect.objectContaining({
        code: 'ROLE_TAKEN',
        message: expect.stringContaining('the drain of lane 0 was already taken'),
      }),
    );
    const drain = startNativeDrain(pool.spec, 1);
    expect(() => pool.drain(1)).toThrow(expect.objectContaining({ code: 'ROLE_TAKEN' }));
    drain.stop();
    expect(await drain.join()).toMatchObject({ stopped: true });
  });
});

// Keeps runRolesAsync referenced for the mixed placements below.
void runRolesAsync;
