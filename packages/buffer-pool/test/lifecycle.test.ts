import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { FixedConsumer } from '@ringkit/spsc-ring';
import { describe, expect, it } from 'vitest';
import { createBufferPool, forEachRecord, type PoolError, runRolesAsync } from '../src/index.js';
// @ts-expect-error: a plain JS helper shared with the workers
import { checkRecord } from './workers/records.mjs';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as PoolError).code;
  }
  return 'no error';
}

describe('execution complete', () => {
  it('a drain sleeping on an empty ready queue exits within one tick of complete(), and every buffer comes home', async () => {
    const tickMs = 250;
    const pool = createBufferPool({ lanes: 2, bufferSize: 64, tickMs });
    const producer = pool.producer(0);
    const roles = [
      pool.drain(0),
      pool.drain(1),
      pool.collector(0, () => {}),
      pool.collector(1, () => {}),
      pool.replenish(),
    ];
    const running = runRolesAsync(roles);
    for (let i = 0; i < 100; i++) producer.write(new Uint8Array(24));
    producer.flush();
    await sleep(3 * tickMs); // everything idle, every role asleep
    const completedAt = performance.now();
    pool.complete();
    while (!pool.stats().lanes.every((lane) => lane.exited.drain)) await sleep(1);
    expect(performance.now() - completedAt).toBeLessThan(tickMs);
    await running;
    const home = await pool.whenAllHome(1000);
    expect(home.free + home.recycled).toBe(home.allocated);
    expect(pool.stats().lanes[0]!.collected).toBeGreaterThan(0);
  });

  it('replenish, asleep on its own thread, exits as soon as lane 0’s collector does, not a tick later', async () => {
    // The lane's stream stays open, so its collector exits only after complete() (once the drain
    // closed collect[0]), after replenish went back to sleep waiting for it. That exit pushes
    // nothing to done[0]: the collector must knock on replenish itself, or replenish sleeps
    // for a whole 10 s tick.
    const tickMs = 10_000;
    const pool = createBufferPool({ lanes: 1, bufferSize: 64, tickMs });
    const producer = pool.producer(0);
    const lane = runRolesAsync([pool.drain(0), pool.collector(0, () => {})]);
    const replenishing = runRolesAsync([pool.replenish()]);
    for (let i = 0; i < 100; i++) producer.write(new Uint8Array(24));
    producer.flush();
    await sleep(50); // every role idle, asleep
    const completedAt = performance.now();
    pool.complete();
    await Promise.all([lane, replenishing]);
    expect(performance.now() - completedAt).toBeLessThan(tickMs / 4);
    expect(pool.stats().lanes[0]!.exited.collector).toBe(true);
  });
});

describe('allocation off the hot path', () => {
  it('in steady state no block is allocated and no block registered: the hot path only moves ids', async () => {
    // Every role in this thread, the producer written as a looping role: the pipeline's own
    // behaviour, free of the scheduler hiccups that make a multi-thread lane run dry now and then.
    const pool = createBufferPool({
      lanes: 2,
      bufferSize: 256,
      buffersPerBlock: 4,
      initialBlocks: 1,
      maxBlocks: 64,
      lowWatermark: 2,
      highWatermark: 6,
      fullPolicy: 'drop',
    });
    const record = new Uint8Array(100);
    const producers = [pool.producer(0), pool.producer(1)];
    let written = 0;
    const target = 200_000;
    const producing = {
      finished: false,
      step() {
        if (written >= target) {
          for (const producer of producers) producer.close();
          this.finished = true;
          return 0;
        }
        let moved = 0;
        for (const producer of producers)
          for (let i = 0; i < 4 && producer.canWrite(record.length); i++, moved++)
            producer.write(record);
        written += moved;
        return moved;
      },
      hasWork: () => true,
      sleep: () => 'until' as const,
      sleepAsync: async () => 'until' as const,
    };
    const samples: ReturnType<typeof pool.stats>[] = [];
    const sampling = {
      finished: false,
      step() {
        if (written >= (samples.length + 1) * (target / 4)) samples.push(pool.stats());
        this.finished = written >= target;
        return 0;
      },
      hasWork: () => false,
      sleep: () => 'until' as const,
      sleepAsync: async () => 'until' as const,
    };
    const roles = [
      pool.drain(0),
      pool.drain(1),
      pool.collector(0, () => {}),
      pool.collector(1, () => {}),
      pool.replenish(),
    ];
    const running = runRolesAsync([producing, sampling, ...roles]);
    while (!producing.finished) await sleep(5);
    pool.complete();
    await running;
    // After the first quarter (warm-up), three quarters of the records moved without a block being made.
    const [warm, , , end] = samples;
    expect(samples.length).toBe(4);
    expect(end!.lanes[0]!.handoffs - warm!.lanes[0]!.handoffs).toBeGreaterThan(10_000);
    expect({
      blocks: end!.blocks - warm!.blocks,
      registrations: end!.registrations - warm!.registrations,
    }).toEqual({
      blocks: 0,
      registrations: 0,
    });
    // Warm-up did allocate: the pool grew from 1 block to what the load needs, on its own.
    expect(warm!.blocksAllocated).toBeGreaterThan(0);
    expect(end!.blocks).toBeLessThan(64);
    await pool.whenAllHome(1000);
  });

  it('replenish carves new blocks when lanes run low, and a worker that joined later still resolves them', async () => {
    const pool = createBufferPool({
      lanes: 1,
      bufferSize: 64,
      buffersPerBlock: 2,
      initialBlocks: 1,
      maxBlocks: 8,
      lowWatermark: 4,
      highWatermark: 6,
      fullPolicy: 'block',
    });
    const replenish = pool.replenish();
    replenish.step(); // 2 buffers < low 4: it allocates before anyone joined
    expect(pool.stats().blocks).toBeGreaterThan(1);
    const received: number[] = [];
    const collector = pool.collector(0, (bytes, offset, length) => {
      forEachRecord(bytes, offset, length, (data, at, payloadLength) =>
        received.push(checkRecord(data, at, payloadLength)),
      );
    });
    const running = runRolesAsync([pool.drain(0), collector, replenish]);
    // The worker's spec lists only block 0: it must fetch the others through registration.
    const worker = new Worker(new URL('./workers/pool-worker.mjs', import.meta.url), {
      workerData: {
        spec: pool.spec,
        roles: ['producer:0'],
        records: 2000,
        maxPayload: 40,
        seed: 3,
      },
    });
    const [{ report }] = (await once(worker, 'message').then(() => once(worker, 'message'))) as [
      { report: Record<string, { written: number }> },
    ];
    expect(report['producer:0']!.written).toBe(2000);
    pool.complete();
    await running;
    await worker.terminate();
    expect(received).toEqual(Array.from({ length: 2000 }, (_, sequence) => sequence));
    expect(pool.stats().pickups).toBeGreaterThan(0);
    await pool.whenAllHome(1000);
  });
});

describe('full policy and records', () => {
  it('block: with nobody returning buffers, the producer gives up after the backstop with a sentence', () => {
    const pool = createBufferPool({
      lanes: 1,
      bufferSize: 64,
      fullPolicy: 'block',
      blockTimeoutMs: 150,
    });
    const producer = pool.producer(0);
    const started = performance.now();
    expect(() => producer.write(new Uint8Array(8))).toThrow(
      "lane 0 had no free buffer for 150 ms: its collector or replenish is not keeping up (or not running); raise maxBlocks, speed up collection, or use fullPolicy 'drop'.",
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('drop: with no free buffer the record is dropped and counted, never waited for', () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 64 });
    const producer = pool.producer(0);
    expect(producer.write(new Uint8Array(8))).toBe(false);
    expect(pool.stats().lanes[0]).toMatchObject({ droppedRecords: 1, droppedBytes: 8 });
  });

  it('a record larger than a buffer, and a record after close, are refused', async () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 64 });
    const producer = pool.producer(0);
    expect(() => producer.write(new Uint8Array(57))).toThrow(
      'a record of 57 bytes does not fit a 64-byte buffer (at most 56); split it or raise bufferSize.',
    );
    producer.close();
    expect(codeOf(() => producer.write(new Uint8Array(8)))).toBe('CLOSED');
  });
});

describe('conservation check', () => {
  it('notices a buffer taken out of the pipeline behind its back', () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 64, buffersPerBlock: 16 });
    expect(pool.conservationCheck()).toMatchObject({
      consistent: true,
      ok: true,
      allocated: 16,
      recycled: 16,
    });
    FixedConsumer.attach(pool.spec.lanes[0]!.recycled.buffer).tryPop();
    expect(pool.conservationCheck()).toMatchObject({
      consistent: true,
      ok: false,
      allocated: 16,
      recycled: 15,
    });
  });
});

describe('routing returning buffers between lanes', () => {
  /** A 2-lane pool of 16 buffers per lane with every role in this thread, stepped by hand. */
  function steppedPool() {
    const pool = createBufferPool({
      lanes: 2,
      bufferSize: 64,
      buffersPerBlock: 16,
      initialBlocks: 2,
      maxBlocks: 2,
    });
    const producers = [pool.producer(0), pool.producer(1)];
    const drains = [pool.drain(0), pool.drain(1)];
    const collectors = [pool.collector(0, () => {}), pool.collector(1, () => {})];
    const replenish = pool.replenish();
    const record = new Uint8Array(16);
    return {
      pool,
      /** Submits up to `buffers` one-record buffers on `lane`; stops at the first drop. */
      fill(lane: number, buffers: number) {
        for (let i = 0; i < buffers; i++) {
          if (!producers[lane]!.write(record)) return;
          producers[lane]!.flush();
        }
      },
      /** Steps the listed lanes' drains and collectors, and replenish, until what they were handed is back. */
      settle(lanes = [0, 1]) {
        for (let i = 0; i < 4; i++) {
          for (const lane of lanes) {
            drains[lane]!.step();
            collectors[lane]!.step();
          }
          replenish.step();
        }
      },
    };
  }

  it('lanes of equal speed out of step by a buffer or two keep their own buffers', () => {
    const { pool, fill, settle } = steppedPool();
    settle(); // the initial buffers, recycled → free
    for (let round = 0; round < 50; round++) {
      fill(round % 2, 2);
      settle();
    }
    expect(pool.stats().routed).toBe(100);
    expect(pool.stats().rebalanced).toBe(0);
  });

  it('a lane that runs dry draws the buffers another lane returns', () => {
    const { pool, fill, settle } = steppedPool();
    settle();
    // Lane 0 hands on every buffer it has, and its drain never runs: nothing comes back to it.
    fill(0, 32);
    for (let round = 0; round < 10; round++) {
      fill(1, 1);
      settle([1]);
    }
    expect(pool.stats().routed).toBe(10);
    expect(pool.stats().rebalanced).toBeGreaterThan(0);
  });
});
