import { BroadcastChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { Control } from '../src/control.js';
import {
  type BufferPool,
  createBufferPool,
  type NativeProducerOptions,
  nativeUnavailableReason,
  PoolError,
  type PoolOptions,
  startNativeProducer,
} from '../src/index.js';
import { Counter } from '../src/layout.js';
import { channelName } from '../src/spec.js';
import { checkConservation, startPoolWorker } from './pool-threads.js';

/** The roles in a worker, as these tests seed them (small records, seed 1). */
const startRoles = (pool: BufferPool, roles: string[]) =>
  startPoolWorker(pool, roles, { maxPayload: 8, seed: 1 });

/**
 * A native producer on lane 0 into a JS drain + collector (one worker) and
 * replenish (another): the collector checks every record's pattern and sequence.
 * `beforeStart` runs once they are all up, before the producer starts.
 */
async function runNative(
  poolOptions: Omit<PoolOptions, 'lanes' | 'waitDomain'>,
  producerOptions: NativeProducerOptions,
  beforeStart?: (pool: BufferPool) => Promise<void>,
) {
  const pool = createBufferPool({ ...poolOptions, lanes: 1, waitDomain: 'os' });
  // The collector listens before replenish can announce a block.
  const loops = [startRoles(pool, ['drain:0', 'collector:0'])];
  try {
    await loops[0]!.started;
    loops.push(startRoles(pool, ['replenish']));
    await loops[1]!.started;
    await beforeStart?.(pool);
    const conservation = checkConservation(pool);
    const started = performance.now();
    const result = await startNativeProducer(pool.spec, 0, producerOptions).done;
    const wallMs = performance.now() - started;
    pool.complete();
    const [report] = await Promise.all(loops.map((loop) => loop.report));
    await conservation.stop();
    const home = await pool.whenAllHome(10_000);
    return {
      pool,
      result,
      wallMs,
      collector: report!['collector:0']!,
      checks: conservation.checks,
      home,
    };
  } finally {
    await Promise.all(loops.map((loop) => loop.worker.terminate()));
  }
}

function producerCounter(pool: BufferPool, name: keyof typeof Counter.producer): number {
  return new Control(pool.spec.control).line('producer', 0).counter(Counter.producer[name]);
}

describe('a native producer', () => {
  const skip = requireOrSkip(
    nativeUnavailableReason() === '',
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)(
    'delivers every record once, intact and in order, to a JS collector, and keeps the pool conserved',
    async () => {
      const records = 200_000;
      const run = await runNative(
        {
          bufferSize: 4096,
          buffersPerBlock: 8,
          initialBlocks: 1,
          maxBlocks: 8,
          fullPolicy: 'block',
        },
        { records, recordBytes: [8, 200], seed: 42 },
      );
      expect(run.result).toMatchObject({ written: records, dropped: 0 });
      expect(run.collector).toMatchObject({
        received: records,
        gaps: 0,
        bad: 0,
        nextSequence: records,
      });
      const lane = run.pool.stats().lanes[0]!;
      expect(lane).toMatchObject({ records, droppedRecords: 0, filling: 0 });
      expect(lane.exited.producer).toBe(true);
      // Every submitted buffer was handed on; those with records were collected.
      expect(lane.handoffs).toBe(producerCounter(run.pool, 'submitted'));
      expect(lane.collected).toBe(run.collector.buffers);
      expect(run.checks.consistent).toBeGreaterThan(0);
      expect(run.checks.failures).toEqual([]);
      expect(run.home.ok).toBe(true);
    },
  );

  it.skipIf(skip)(
    "asks for a block that was announced before it started, and gets it from replenish's answer",
    async () => {
      const records = 50_000;
      const wants: number[] = [];
      let channel: BroadcastChannel | undefined;
      const run = await runNative(
        {
          bufferSize: 1024,
          buffersPerBlock: 2,
          initialBlocks: 1,
          maxBlocks: 2,
          lowWatermark: 3,
          highWatermark: 4,
          fullPolicy: 'block',
        },
        { records, recordBytes: 64 },
        async (pool) => {
          // Below its low watermark from the start, lane 0 gets block 1 (the last one allowed)
          // at once, announced by replenish's worker before the producer listens.
          while (pool.stats().blocks < 2) await new Promise((resolve) => setTimeout(resolve, 1));
          channel = new BroadcastChannel(channelName(pool.spec));
          channel.onmessage = (event) => {
            const body = (event as MessageEvent).data as { type: string; block: number };
            if (body.type === 'want') wants.push(body.block);
          };
        },
      );
      channel?.close();
      expect(wants).toContain(1);
      expect(producerCounter(run.pool, 'registrations')).toBe(1);
      expect(run.collector).toMatchObject({ received: records, gaps: 0, bad: 0 });
      expect(run.home.ok).toBe(true);
    },
  );

  it.skipIf(skip)(
    'under drop, writes or drops every record, and the collector sees exactly the dropped ones missing',
    async () => {
      const records = 100_000;
      const run = await runNative(
        { bufferSize: 256, buffersPerBlock: 4, initialBlocks: 1, maxBlocks: 1, fullPolicy: 'drop' },
        { records, recordBytes: [8, 48] },
      );
      const { written, dropped } = run.result;
      expect(written + dropped).toBe(records);
      expect(dropped).toBeGreaterThan(0);
      expect(run.collector).toMatchObject({ received: written, bad: 0 });
      expect(run.collector.gaps + (records - run.collector.nextSequence)).toBe(dropped);
      expect(run.pool.stats().lanes[0]).toMatchObject({
        records: written,
        droppedRecords: dropped,
      });
      expect(run.home.ok).toBe(true);
    },
  );

  it.skipIf(skip)('keeps to ratePerSecond', async () => {
    const run = await runNative(
      { bufferSize: 4096, fullPolicy: 'block' },
      { records: 2000, recordBytes: 16, ratePerSecond: 20_000 },
    );
    expect(run.result.written).toBe(2000);
    expect(run.result.seconds).toBeGreaterThanOrEqual(0.08);
    expect(run.wallMs).toBeGreaterThanOrEqual(80);
  });

  it.skipIf(skip)('stops early on stop(), and still closes its lane', async () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 1024, waitDomain: 'os' });
    const loop = startRoles(pool, ['drain:0', 'collector:0', 'replenish']);
    try {
      await loop.started;
      const producer = startNativeProducer(pool.spec, 0, { records: 1e12, recordBytes: 32 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      producer.stop();
      const result = await producer.done;
      expect(result.written).toBeGreaterThan(0);
      pool.complete();
      const report = await loop.report;
      expect(report['collector:0']).toMatchObject({ received: result.written, bad: 0 });
      expect((await pool.whenAllHome()).ok).toBe(true);
    } finally {
      await loop.worker.terminate();
    }
  });

  it.skipIf(skip)(
    'under block with nothing draining, rejects with BLOCK_TIMEOUT after blockTimeoutMs',
    async () => {
      const pool = createBufferPool({
        lanes: 1,
        bufferSize: 1024,
        fullPolicy: 'block',
        blockTimeoutMs: 200,
        waitDomain: 'os',
      });
      const started = performance.now();
      const error = await startNativeProducer(pool.spec, 0, {
        records: 10,
        recordBytes: 8,
      }).done.then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(error).toBeInstanceOf(PoolError);
      expect(error).toMatchObject({
        code: 'BLOCK_TIMEOUT',
        message: expect.stringContaining('lane 0 had no free buffer for 200 ms'),
      });
      const lane = pool.stats().lanes[0]!;
      expect(lane.exited.producer).toBe(true);
      expect(lane.blockedWaits).toBe(1);
    },
  );

  it.skipIf(skip)('refuses a lane whose producer role is taken, in either order', () => {
    const pool = createBufferPool({ lanes: 2, bufferSize: 1024, waitDomain: 'os' });
    pool.producer(0);
    const taken = () => startNativeProducer(pool.spec, 0, { records: 1, recordBytes: 8 });
    expect(taken).toThrow(PoolError);
    expect(taken).toThrow(
      'the producer of lane 0 was already taken: each queue end has exactly one owner',
    );
    const native = startNativeProducer(pool.spec, 1, { records: 0, recordBytes: 8 });
    expect(() => pool.producer(1)).toThrow(expect.objectContaining({ code: 'ROLE_TAKEN' }));
    return native.done;
  });

  it.skipIf(skip)('refuses records larger than a buffer before taking the role', () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 256, waitDomain: 'os' });
    expect(() => startNativeProducer(pool.spec, 0, { records: 1, recordBytes: [8, 256] })).toThrow(
      expect.objectContaining({ code: 'RECORD_TOO_LARGE' }),
    );
    expect(() => pool.producer(0)).not.toThrow();
  });

  it("refuses a pool whose waitDomain is 'process', before taking the role", () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 1024 });
    const start = () => startNativeProducer(pool.spec, 0, { records: 1, recordBytes: 8 });
    expect(start).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
    expect(start).toThrow("a native producer needs a pool created with waitDomain 'os'");
    expect(() => pool.producer(0)).not.toThrow();
  });
});
