import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  type BufferPool,
  type Conservation,
  createBufferPool,
  nativeUnavailableReason,
  type PoolOptions,
  runRolesAsync,
  startNativeCollector,
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

/** A record of records.mjs's pattern, as a JS producer writes it. */
function testRecord(length: number, lane: number, sequence: number): Uint8Array {
  const record = new Uint8Array(length);
  const view = new DataView(record.buffer);
  view.setUint32(0, sequence, true);
  view.setUint32(4, lane, true);
  for (let i = 8; i < length; i++) record[i] = (sequence + i) & 0xff;
  return record;
}

describe('a native collector', () => {
  it.skipIf(skip)(
    'verifies every record of native producers on two lanes, counting what collector.ts counts',
    async () => {
      const records = 150_000;
      const pool = osPool({
        lanes: 2,
        bufferSize: 2048,
        buffersPerBlock: 8,
        maxBlocks: 16,
        fullPolicy: 'block',
      });
      const replenish = startWorker(pool, ['replenish']);
      try {
        await replenish.started;
        const loops = [0, 1].map((lane) => ({
          drain: startNativeDrain(pool.spec, lane),
          collector: startNativeCollector(pool.spec, lane, { batch: 16 }),
        }));
        const produced = await Promise.all(
          [0, 1].map(
            (lane) =>
              startNativeProducer(pool.spec, lane, {
                records,
                recordBytes: [8, 120],
                seed: lane + 5,
              }).done,
          ),
        );
        pool.complete();
        const collected = await Promise.all(loops.map((loop) => loop.collector.join()));
        await Promise.all(loops.map((loop) => loop.drain.join()));
        await replenish.report;
        const stats = pool.stats();
        for (const lane of [0, 1]) {
          expect(produced[lane]).toMatchObject({ written: records, dropped: 0 });
          expect(collected[lane]).toMatchObject({
            lane,
            records,
            errors: 0,
            firstError: undefined,
            maxSequence: records - 1,
            gaps: 0,
            outOfOrder: 0,
            stopped: false,
          });
          expect(collected[lane]!.buffers).toBe(stats.lanes[lane]!.collected);
          expect(stats.lanes[lane]!.collectorErrors).toBe(0);
        }
        expect((await pool.whenAllHome()).ok).toBe(true);
      } finally {
        await replenish.worker.terminate();
      }
    },
  );

  it.skipIf(skip)(
    'counts a corrupted record as an error, sends its buffer home, and the other lane keeps running',
    async () => {
      const pool = osPool({ lanes: 2, bufferSize: 512, buffersPerBlock: 8, fullPolicy: 'drop' });
      const replenish = pool.replenish();
      const replenishing = runRolesAsync([replenish]);
      const lanes = [0, 1].map((lane) => ({
        drain: startNativeDrain(pool.spec, lane),
        collector: startNativeCollector(pool.spec, lane),
      }));
      // Lane 0: a JS producer writes good records, one whose bytes are garbage, then good ones,
      // into 3 of the 4 buffers the lane was seeded with (taken once the drain made them free).
      while (pool.stats().lanes[0]!.free < 4) await sleep(1);
      const producer = pool.producer(0);
      for (let sequence = 0; sequence < 10; sequence++)
        expect(producer.write(testRecord(40, 0, sequence))).toBe(true);
      producer.flush();
      const garbage = testRecord(40, 0, 10);
      garbage[20] = garbage[20]! ^ 0xff;
      producer.write(garbage);
      producer.flush();
      for (let sequence = 11; sequence < 20; sequence++)
        producer.write(testRecord(40, 0, sequence));
      producer.close();
      // Lane 1: a native producer carries on meanwhile.
      const other = await startNativeProducer(pool.spec, 1, { records: 50_000, recordBytes: 32 })
        .done;
      pool.complete();
      const [bad, good] = await Promise.all(lanes.map((lane) => lane.collector.join()));
      await Promise.all(lanes.map((lane) => lane.drain.join()));
      await replenishing;
      expect(bad).toMatchObject({ errors: 1, records: 19, outOfOrder: 0, gaps: 1 });
      expect(bad!.firstError).toMatch(/is not the test pattern of lane 0/);
      expect(good).toMatchObject({ errors: 0, records: other.written, outOfOrder: 0 });
      expect(good!.records + good!.gaps + (50_000 - 1 - good!.maxSequence)).toBe(50_000);
      const stats = pool.stats();
      expect(stats.lanes[0]!.collectorErrors).toBe(1);
      expect(stats.lanes[1]!.collectorErrors).toBe(0);
      expect((await pool.whenAllHome()).ok).toBe(true);
    },
  );

  it.skipIf(skip)(
    "is the lane's only collector: JS and native takers refuse each other",
    async () => {
      const pool = osPool({ lanes: 2, bufferSize: 256 });
      pool.collector(0, () => {});
      expect(() => startNativeCollector(pool.spec, 0)).toThrow(
        expect.objectContaining({
          code: 'ROLE_TAKEN',
          message: expect.stringContaining('the collector of lane 0 was already taken'),
        }),
      );
      const collector = startNativeCollector(pool.spec, 1);
      expect(() => pool.collector(1, () => {})).toThrow(
        expect.objectContaining({ code: 'ROLE_TAKEN' }),
      );
      collector.stop();
      expect(await collector.join()).toMatchObject({ stopped: true });
    },
  );
});
