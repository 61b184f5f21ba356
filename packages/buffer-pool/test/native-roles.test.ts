import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import {
  type BufferPool,
  createBufferPool,
  nativeUnavailableReason,
  type PoolOptions,
  runRolesAsync,
  startNativeCollector,
  startNativeDrain,
  startNativeProducer,
  startNativeReplenish,
  startNativeRoles,
} from '../src/index.js';
import { checkConservation, startPoolWorker } from './pool-threads.js';
// @ts-expect-error: a plain JS helper shared with the workers
import { writeRecord } from './workers/records.mjs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The roles in a worker; producer roles write `records` records each. */
const startWorker = (pool: BufferPool, roles: string[], records = 0) =>
  startPoolWorker(pool, roles, { records });

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
  writeRecord(record, length, lane, sequence);
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

/**
 * Every role native: producers, drains and collectors on `lanes` lanes and
 * replenish, conservation checked from this thread while they run.
 */
async function allNative(
  poolOptions: Omit<PoolOptions, 'waitDomain' | 'lanes'>,
  records: number,
  recordBytes: [number, number],
) {
  const pool = osPool({ ...poolOptions, lanes: 2 });
  const replenish = startNativeReplenish(pool.spec);
  const loops = [0, 1].map((lane) => ({
    drain: startNativeDrain(pool.spec, lane),
    collector: startNativeCollector(pool.spec, lane),
  }));
  const conservation = checkConservation(pool);
  const producers = await Promise.all(
    [0, 1].map(
      (lane) =>
        startNativeProducer(pool.spec, lane, { records, recordBytes, seed: 11 + lane }).done,
    ),
  );
  const whileRunning = { ...conservation.checks };
  pool.complete();
  const collectors = await Promise.all(loops.map((loop) => loop.collector.join()));
  const drains = await Promise.all(loops.map((loop) => loop.drain.join()));
  const replenished = await replenish.join();
  await conservation.stop();
  const home = await pool.whenAllHome();
  return {
    pool,
    producers,
    collectors,
    drains,
    replenished,
    checks: conservation.checks,
    whileRunning,
    home,
  };
}

/**
 * A native replenish on a pool that needs a block at once (4 seeded buffers under a
 * low watermark of 8), asking with a 100 ms allocation timeout; `registered` lists
 * the block ids its tracker was told about.
 */
function hungryReplenish() {
  const pool = osPool({
    lanes: 1,
    bufferSize: 256,
    buffersPerBlock: 4,
    maxBlocks: 4,
    lowWatermark: 8,
    highWatermark: 12,
  });
  const registered: number[] = [];
  const tracker = {
    register: (_device: number, _bytes: number, id: number) => registered.push(id),
  };
  const replenish = startNativeReplenish(pool.spec, { tracker, allocationTimeoutMs: 100 });
  return { pool, registered, replenish };
}

describe('every role native', () => {
  it.skipIf(skip)(
    'block: ≥ 10⁶ records through native producers, drains, collectors and replenish, every one verified, none dropped',
    async () => {
      const records = 600_000;
      const run = await allNative(
        {
          bufferSize: 4096,
          buffersPerBlock: 4,
          initialBlocks: 1,
          maxBlocks: 16,
          fullPolicy: 'block',
        },
        records,
        [8, 64],
      );
      for (const lane of [0, 1]) {
        expect(run.producers[lane]).toMatchObject({ written: records, dropped: 0 });
        expect(run.collectors[lane]).toMatchObject({
          records,
          errors: 0,
          gaps: 0,
          outOfOrder: 0,
          maxSequence: records - 1,
        });
      }
      const stats = run.pool.stats();
      // The pool grew on demand: blocks allocated on this thread at the native replenish's request.
      expect(run.replenished.blocksAllocated).toBeGreaterThan(0);
      expect(stats.blocksAllocated).toBe(run.replenished.blocksAllocated);
      expect(stats.blocks).toBe(1 + run.replenished.blocksAllocated);
      expect(stats.routed).toBe(run.replenished.routed);
      expect(stats.lanes.map((lane) => lane.collected)).toEqual(
        run.collectors.map((collector) => collector.buffers),
      );
      expect(run.whileRunning.consistent).toBeGreaterThan(3);
      expect(run.checks.failures).toEqual([]);
      expect(run.home.free + run.home.recycled).toBe(run.home.allocated);
    },
  );

  it.skipIf(skip)(
    'drop, small pool: written + dropped = records exactly, on each lane',
    async () => {
      const records = 300_000;
      const run = await allNative(
        { bufferSize: 256, buffersPerBlock: 4, initialBlocks: 1, maxBlocks: 2, fullPolicy: 'drop' },
        records,
        [8, 40],
      );
      for (const lane of [0, 1]) {
        const { written, dropped } = run.producers[lane]!;
        expect(written + dropped).toBe(records);
        const collector = run.collectors[lane]!;
        expect(collector).toMatchObject({ records: written, errors: 0, outOfOrder: 0 });
        // Drops are exactly the sequence numbers that never arrived.
        expect(collector.gaps + (records - 1 - collector.maxSequence)).toBe(dropped);
        expect(run.pool.stats().lanes[lane]!.droppedRecords).toBe(dropped);
      }
      expect(run.producers.some((producer) => producer.dropped > 0)).toBe(true);
      expect(run.checks.failures).toEqual([]);
      expect(run.home.ok).toBe(true);
    },
  );

  it.skipIf(skip)(
    'mixed: JS producers and collectors (workers) with a native drain and a native replenish',
    async () => {
      const records = 100_000;
      const pool = osPool({
        lanes: 2,
        bufferSize: 1024,
        buffersPerBlock: 4,
        maxBlocks: 16,
        fullPolicy: 'block',
      });
      const replenish = startNativeReplenish(pool.spec);
      const collectors = startWorker(pool, ['collector:0', 'collector:1']);
      await collectors.started;
      const drains = [0, 1].map((lane) => startNativeDrain(pool.spec, lane));
      const producers = startWorker(pool, ['producer:0', 'producer:1'], records);
      try {
        const produced = await producers.report;
        pool.complete();
        const collected = await collectors.report;
        await Promise.all(drains.map((drain) => drain.join()));
        const replenished = await replenish.join();
        for (const lane of [0, 1]) {
          expect(produced[`producer:${lane}`]).toMatchObject({ written: records, dropped: 0 });
          expect(collected[`collector:${lane}`]).toMatchObject({
            received: records,
            gaps: 0,
            bad: 0,
          });
        }
        expect(replenished.routed).toBeGreaterThan(0);
        expect((await pool.whenAllHome()).ok).toBe(true);
      } finally {
        await Promise.all([collectors.worker.terminate(), producers.worker.terminate()]);
      }
    },
  );

  it.skipIf(skip)(
    'mixed: a native producer into JS drains and collectors (a worker) with a native replenish',
    async () => {
      const records = 100_000;
      const pool = osPool({
        lanes: 2,
        bufferSize: 2048,
        buffersPerBlock: 4,
        maxBlocks: 16,
        fullPolicy: 'block',
      });
      const replenish = startNativeReplenish(pool.spec);
      const loops = startWorker(pool, ['drain:0', 'collector:0', 'drain:1', 'collector:1']);
      try {
        await loops.started;
        const produced = await Promise.all(
          [0, 1].map(
            (lane) =>
              startNativeProducer(pool.spec, lane, { records, recordBytes: [8, 100], type: lane })
                .done,
          ),
        );
        pool.complete();
        const report = await loops.report;
        await replenish.join();
        for (const lane of [0, 1]) {
          expect(produced[lane]).toMatchObject({ written: records, dropped: 0 });
          expect(report[`collector:${lane}`]).toMatchObject({ received: records, gaps: 0, bad: 0 });
        }
        expect((await pool.whenAllHome()).ok).toBe(true);
      } finally {
        await loops.worker.terminate();
      }
    },
  );

  it.skipIf(skip)(
    'after complete(), native drains, collectors and replenish of an idle run exit within one tick',
    async () => {
      const tickMs = 200;
      const pool = osPool({ lanes: 2, bufferSize: 256, tickMs });
      const replenish = startNativeReplenish(pool.spec);
      const roles = [0, 1].flatMap((lane) => [
        startNativeDrain(pool.spec, lane),
        startNativeCollector(pool.spec, lane),
      ]);
      await sleep(3 * tickMs); // no producer: every role idle, asleep
      expect(pool.stats().lanes.some((lane) => lane.exited.drain || lane.exited.collector)).toBe(
        false,
      );
      const completedAt = performance.now();
      pool.complete();
      const results = await Promise.all([...roles.map((role) => role.join()), replenish.join()]);
      expect(performance.now() - completedAt).toBeLessThan(1000);
      expect(results.every((result) => !result.stopped)).toBe(true);
      expect((await pool.whenAllHome(1000)).ok).toBe(true);
    },
  );

  it.skipIf(skip)('replenish is taken once, by JS or native', async () => {
    const first = osPool({ lanes: 1, bufferSize: 256 });
    first.replenish();
    expect(() => startNativeReplenish(first.spec)).toThrow(
      expect.objectContaining({
        code: 'ROLE_TAKEN',
        message: expect.stringContaining('replenish was already taken'),
      }),
    );
    const second = osPool({ lanes: 1, bufferSize: 256 });
    const replenish = startNativeReplenish(second.spec);
    expect(() => second.replenish()).toThrow(expect.objectContaining({ code: 'ROLE_TAKEN' }));
    replenish.stop();
    expect(await replenish.join()).toMatchObject({ stopped: true });
  });

  it.skipIf(skip)(
    'replenish: a block request the blocked JS thread never started on ends the run with ALLOCATION_TIMEOUT, and nothing is allocated late',
    async () => {
      const { pool, registered, replenish } = hungryReplenish();
      // This thread's event loop cannot turn: the request waits in its queue.
      const until = performance.now() + 600;
      while (performance.now() < until);
      await expect(replenish.join()).rejects.toMatchObject({
        code: 'ALLOCATION_TIMEOUT',
        message: expect.stringContaining('did not allocate block 1 within 100 ms'),
      });
      // The late request found the thread gone: no block announced, counted or tracked.
      expect(registered).toEqual([]);
      expect(pool.stats()).toMatchObject({ blocks: 1, blocksAllocated: 0 });
    },
  );

  it.skipIf(skip)(
    'replenish: the blocks it asks for are allocated and tracked on this thread',
    async () => {
      const { pool, registered, replenish } = hungryReplenish();
      // One block lifts the lane's 4 buffers to the low watermark of 8.
      while (pool.stats().blocks < 2) await sleep(5);
      replenish.stop(); // no collectors here: after complete() it would wait for theirs to exit
      const result = await replenish.join();
      expect(result.blocksAllocated).toBe(1);
      expect(pool.stats()).toMatchObject({ blocks: 2, blocksAllocated: 1 });
      expect(registered).toEqual([1]);
    },
  );

  it('refuses an allocationTimeoutMs that is not a positive number', () => {
    const pool = osPool({ lanes: 1, bufferSize: 256 });
    for (const allocationTimeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => startNativeReplenish(pool.spec, { allocationTimeoutMs })).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringContaining('allocationTimeoutMs'),
        }),
      );
  });

  it("refuses a pool whose waitDomain is 'process', before taking the role", () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 256 });
    for (const start of [
      () => startNativeDrain(pool.spec, 0),
      () => startNativeCollector(pool.spec, 0),
      () => startNativeReplenish(pool.spec),
    ])
      expect(start).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(() => [pool.drain(0), pool.collector(0, () => {}), pool.replenish()]).not.toThrow();
  });
});

describe('several native roles on one thread', () => {
  it.skipIf(skip)(
    'every lane’s drain and collector and replenish on one thread: each record verified, none dropped',
    async () => {
      const records = 200_000;
      const pool = osPool({
        lanes: 2,
        bufferSize: 4096,
        buffersPerBlock: 4,
        initialBlocks: 1,
        maxBlocks: 16,
        fullPolicy: 'block',
      });
      const roles = startNativeRoles(pool.spec, [
        { role: 'drain', lane: 0 },
        { role: 'collector', lane: 0, batch: 16 },
        { role: 'drain', lane: 1 },
        { role: 'collector', lane: 1, batch: 16 },
        { role: 'replenish' },
      ]);
      const conservation = checkConservation(pool);
      const produced = await Promise.all(
        [0, 1].map(
          (lane) =>
            startNativeProducer(pool.spec, lane, { records, recordBytes: [8, 64], seed: lane })
              .done,
        ),
      );
      pool.complete();
      const results = await roles.join();
      await conservation.stop();
      expect(results.map((result) => result.role)).toEqual([
        'drain',
        'collector',
        'drain',
        'collector',
        'replenish',
      ]);
      const stats = pool.stats();
      for (const lane of [0, 1]) {
        expect(produced[lane]).toMatchObject({ written: records, dropped: 0 });
        const collector = results[1 + 2 * lane]!;
        expect(collector).toMatchObject({
          role: 'collector',
          lane,
          records,
          errors: 0,
          gaps: 0,
          outOfOrder: 0,
          maxSequence: records - 1,
          stopped: false,
        });
        expect(results[2 * lane]).toMatchObject({
          role: 'drain',
          lane,
          handoffs: stats.lanes[lane]!.handoffs,
          stopped: false,
        });
      }
      const replenished = results[4]!;
      expect(replenished).toMatchObject({
        role: 'replenish',
        routed: stats.routed,
        stopped: false,
      });
      if (replenished.role === 'replenish')
        expect(replenished.blocksAllocated).toBe(stats.blocksAllocated);
      expect(stats.blocksAllocated).toBeGreaterThan(0); // it grew, blocks allocated on this thread
      expect(conservation.checks.failures).toEqual([]);
      expect((await pool.whenAllHome()).ok).toBe(true);
    },
  );

  it.skipIf(skip)(
    'work for a role that does not lead the sleep wakes the thread at once, not after a tick',
    async () => {
      // The thread sleeps on its first role's input, ready[0]; only lane 1 has records. Knocks for
      // lane 1's roles must reach ready[0]: one that went to lane 1's own queues would leave the
      // thread asleep for a whole tick, and with 10 s ticks this run would take minutes.
      const tickMs = 10_000;
      const records = 20_000;
      const pool = osPool({
        lanes: 2,
        bufferSize: 1024,
        buffersPerBlock: 4,
        maxBlocks: 4,
        fullPolicy: 'block',
        tickMs,
      });
      const roles = startNativeRoles(pool.spec, [
        { role: 'drain', lane: 0 },
        { role: 'collector', lane: 0 },
        { role: 'drain', lane: 1 },
        { role: 'collector', lane: 1, batch: 1 },
        { role: 'replenish' },
      ]);
      const began = performance.now();
      // Paced, so that the thread runs out of work and sleeps between buffers again and again.
      const produced = await startNativeProducer(pool.spec, 1, {
        records,
        recordBytes: 200,
        ratePerSecond: 100_000,
      }).done;
      pool.complete();
      const results = await roles.join();
      const seconds = (performance.now() - began) / 1000;
      expect(produced).toMatchObject({ written: records, dropped: 0 });
      expect(results[3]).toMatchObject({ role: 'collector', records, errors: 0, gaps: 0 });
      expect(seconds).toBeLessThan(tickMs / 2000);
      expect((await pool.whenAllHome()).ok).toBe(true);
    },
  );

  it.skipIf(skip)('stop() finishes every role of the thread', async () => {
    const pool = osPool({ lanes: 2, bufferSize: 256 });
    const roles = startNativeRoles(pool.spec, [
      { role: 'collector', lane: 1 },
      { role: 'drain', lane: 0 },
    ]);
    await sleep(20);
    roles.stop();
    const results = await roles.join();
    expect(results).toMatchObject([
      { role: 'collector', lane: 1, stopped: true },
      { role: 'drain', lane: 0, stopped: true },
    ]);
    const lanes = pool.stats().lanes;
    expect(lanes[0]!.exited.drain).toBe(true);
    expect(lanes[1]!.exited.collector).toBe(true);
  });

  it.skipIf(skip)(
    'refuses a role listed twice, or one already taken, before claiming any',
    async () => {
      const pool = osPool({ lanes: 2, bufferSize: 256 });
      expect(() =>
        startNativeRoles(pool.spec, [
          { role: 'drain', lane: 0 },
          { role: 'drain', lane: 0 },
        ]),
      ).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringContaining('the drain of lane 0 is listed twice'),
        }),
      );
      pool.collector(1, () => {});
      expect(() =>
        startNativeRoles(pool.spec, [
          { role: 'drain', lane: 0 },
          { role: 'collector', lane: 1 },
        ]),
      ).toThrow(
        expect.objectContaining({
          code: 'ROLE_TAKEN',
          message: expect.stringContaining('the collector of lane 1 was already taken'),
        }),
      );
      expect(() => startNativeRoles(pool.spec, [])).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
      expect(() => startNativeRoles(pool.spec, [{ role: 'producer', lane: 0 } as never])).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
      // Nothing was claimed by the refused calls: the drain of lane 0 is still free to take.
      const drain = startNativeDrain(pool.spec, 0);
      drain.stop();
      expect(await drain.join()).toMatchObject({ lane: 0, stopped: true });
    },
  );
});
