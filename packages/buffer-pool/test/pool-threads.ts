import { Worker } from 'node:worker_threads';
import type { BufferPool, Conservation } from '../src/index.js';
import type { CollectorReport, LaneReport } from './pipeline.js';

const WORKER = new URL('./workers/pool-worker.mjs', import.meta.url);

export interface PoolWorkerOptions {
  /** Records each producer role writes. Default 0. */
  readonly records?: number;
  /** Largest record payload. Default 48. */
  readonly maxPayload?: number;
  readonly seed?: number;
}

/**
 * Runs pool roles ('producer:0', 'drain:1', 'collector:0', 'replenish', …) in a
 * worker (test/workers/pool-worker.mjs); `report` settles when they finished.
 */
export function startPoolWorker(
  pool: BufferPool,
  roles: string[],
  { records = 0, maxPayload = 48, seed = 3 }: PoolWorkerOptions = {},
) {
  const worker = new Worker(WORKER, {
    workerData: { spec: pool.spec, roles, records, delays: false, maxPayload, seed },
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

/** Checks conservation from this thread every millisecond until stopped, as test/pipeline.ts does. */
export function checkConservation(pool: BufferPool) {
  const checks = { consistent: 0, failures: [] as Conservation[] };
  let running = true;
  const loop = (async () => {
    while (running) {
      const check = pool.conservationCheck();
      if (check.consistent) {
        checks.consistent++;
        if (!check.ok) checks.failures.push(check);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
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
