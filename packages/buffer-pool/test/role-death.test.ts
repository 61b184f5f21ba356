import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { threadIdOfThisThread } from '@ringkit/spsc-ring';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { Control } from '../src/control.js';
import {
  type BufferPool,
  createBufferPool,
  type PoolError,
  type PoolOptions,
  startNativeDrain,
  startNativeProducer,
  startNativeReplenish,
  startNativeRoles,
} from '../src/index.js';
import { RoleWord } from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { waitFor } from './tracking-helpers/wait-for.js';

const WORKER = new URL('./workers/death-worker.mjs', import.meta.url);

interface Report {
  code: string;
  message: string;
}
interface Finished {
  done: true;
  written: Record<string, number>;
  received: Record<string, number>;
  reports: Report[];
}

/** A worker running death-worker.mjs; `done` is undefined when it was terminated. */
function start(pool: BufferPool, roles: string[], stop: SharedArrayBuffer, collectDelayMs = 0) {
  const worker = new Worker(WORKER, {
    workerData: { spec: pool.spec, roles, stop, collectDelayMs },
  });
  const reports: Report[] = [];
  let markStarted: () => void = () => {};
  let failStarted: (error: unknown) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve;
    failStarted = reject;
  });
  const done = new Promise<Finished | undefined>((resolve, reject) => {
    worker.on('message', (message) => {
      if (message.started) markStarted();
      else if (message.report) reports.push(message.report);
      else if (message.done) resolve(message);
    });
    worker.on('error', (error) => {
      failStarted(error); // a role it could not take, say: fail at once, not at the test's timeout
      reject(error);
    });
    worker.on('exit', () => resolve(undefined));
  });
  done.catch(() => {}); // awaited where it matters; a failed start already failed `started`
  return { worker, started, done, reports };
}

/**
 * Two lanes that cannot grow: a dead lane's buffers stay stuck in it, so its in-flight count
 * settles. Native roles need `{ waitDomain: 'os' }`.
 */
function twoLanes(options: Partial<PoolOptions> = {}): BufferPool {
  return createBufferPool({
    lanes: 2,
    bufferSize: 512,
    buffersPerBlock: 8,
    initialBlocks: 2,
    maxBlocks: 2,
    fullPolicy: 'drop',
    ...options,
  });
}

/**
 * Two lanes at work, lane 1's collector alone in a worker (slowed, so records are in flight when
 * it is terminated), until lane 1 has collected: the set-up of every collector-death case.
 * `lane0Roles` is lane 0's worker (with replenish, unless replenish runs natively).
 */
async function lane1CollectorAtWork(
  pool: BufferPool,
  lane0Roles = ['drain:0', 'collector:0', 'replenish'],
) {
  const stop = new SharedArrayBuffer(8); // [stop, pause] for the producers
  const producers = start(pool, ['producer:0', 'producer:1'], stop);
  const lane0 = start(pool, lane0Roles, stop);
  const drain1 = start(pool, ['drain:1'], stop);
  const collector1 = start(pool, ['collector:1'], stop, 2);
  await Promise.all([producers.started, lane0.started, drain1.started, collector1.started]);
  await waitFor('lane 1 collecting', () => pool.stats().lanes[1]!.collected > 20, 30_000);
  return { stop, producers, lane0, drain1, collector1 };
}

async function rejection(promise: Promise<unknown>): Promise<PoolError> {
  try {
    await promise;
  } catch (error) {
    return error as PoolError;
  }
  throw new Error('expected a rejection');
}

/** Every worker ends on its own (nothing hangs): the generous bound is only a backstop. */
async function allEnd(done: Promise<unknown>[]): Promise<unknown[]> {
  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('a worker hung after complete()')), 60_000);
  });
  try {
    return (await Promise.race([Promise.all(done), backstop])) as unknown[];
  } finally {
    clearTimeout(timer);
  }
}

describe("a role's owner", () => {
  it('is recorded on its line: the pid and kernel thread id of the thread that took it', () => {
    const pool = twoLanes();
    pool.drain(1);
    const line = new Control(pool.spec.control).line('drain', 1);
    expect(line.word(RoleWord.OWNER_PID)).toBe(process.pid);
    expect(line.word(RoleWord.OWNER_THREAD)).toBe(threadIdOfThisThread());
    expect(threadIdOfThisThread()).toBeGreaterThan(0);
    expect(line.dead).toBe(false);
  });

  const native = nativeBinding();
  const skip = requireOrSkip(native !== null, `the native addon: ${nativeUnavailableReason()}`);
  it.skipIf(skip)('a native role records its own thread', async () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 512, waitDomain: 'os' });
    const drain = startNativeDrain(pool.spec, 0);
    const line = new Control(pool.spec.control).line('drain', 0);
    await waitFor(
      'the native thread',
      () => line.word(RoleWord.OWNER_THREAD) !== threadIdOfThisThread(),
    );
    const thread = line.word(RoleWord.OWNER_THREAD);
    expect(existsSync(`/proc/${process.pid}/task/${thread}`)).toBe(true);
    drain.stop();
    await drain.join();
  });
});

describe("a role's death", () => {
  it("a lane's collector dies: ROLE_DIED names it and its lane, its in-flight records are lost, the other lane keeps delivering", async () => {
    const pool = twoLanes();
    const { stop, producers, lane0, drain1, collector1 } = await lane1CollectorAtWork(pool);

    await collector1.worker.terminate();
    // Prompt: the death is a coded error at once, not a timeout.
    const died = await rejection(pool.whenAllHome(30_000));
    expect(died.code).toBe('ROLE_DIED');
    expect(died.message).toMatch(/^the collector of lane 1 died \(/);
    expect(died.message).toMatch(/records in flight in lane 1 are counted lost/);
    expect(died.message).toMatch(
      /take the role again from a new thread \(pool\.collector\(1, handler\)/,
    );
    const stats = pool.stats();
    expect(stats.lanes[1]!.died).toEqual(['collector']);
    expect(stats.lanes[0]!.died).toEqual([]);
    expect(stats.deadRoles.map(({ role, lane }) => `${role} ${lane}`)).toEqual(['collector 1']);
    // lost = the records produced into lane 1 that were neither collected nor dropped (read
    // once the lane stopped moving: its buffers end up stuck in collect[1]).
    await waitFor(
      'lane 1 settling',
      () => {
        const lane1 = pool.stats().lanes[1]!;
        return lane1.lost > 0 && lane1.lost === lane1.records - lane1.collectedRecords;
      },
      10_000,
    );
    expect(pool.stats().lanes[0]!.lost).toBe(0);
    // The drain beside it reports the death too (in the control block, and to its runRoles).
    await waitFor(
      'lane 1 reporting',
      () => pool.stats().lanes[1]!.reported === 'the collector of lane 1',
      10_000,
    );
    await waitFor('the report posted', () => drain1.reports.length > 0, 10_000);
    expect(drain1.reports[0]!.code).toBe('ROLE_DIED');

    // Lane 0 keeps delivering.
    const before = pool.stats().lanes[0]!.collected;
    await waitFor(
      'lane 0 delivering',
      () => pool.stats().lanes[0]!.collected > before + 20,
      30_000,
    );

    Atomics.store(new Int32Array(stop), 0, 1);
    await producers.done;
    pool.complete();
    const [, drained] = (await allEnd([lane0.done, drain1.done])) as Finished[];
    expect(drained!.reports.map((report) => report.code)).toEqual(['ROLE_DIED']);
    const final = await rejection(pool.whenAllHome(30_000));
    expect(final.code).toBe('ROLE_DIED');
    const settled = pool.stats().lanes[1]!;
    expect(final.message).toContain(`the ${settled.lost} records in flight in lane 1`);
  });

  it('replenish dies: every lane reports it, and nothing hangs', async () => {
    const pool = twoLanes();
    const stop = new SharedArrayBuffer(8); // [stop, pause] for the producers
    const producers = start(pool, ['producer:0', 'producer:1'], stop);
    const lanes = [0, 1].map((lane) => start(pool, [`drain:${lane}`, `collector:${lane}`], stop));
    const replenish = start(pool, ['replenish'], stop);
    await Promise.all([producers.started, replenish.started, ...lanes.map((lane) => lane.started)]);
    await waitFor(
      'both lanes collecting',
      () => pool.stats().lanes.every((lane) => lane.collected > 20),
      30_000,
    );

    await replenish.worker.terminate();
    const died = await rejection(pool.whenAllHome(30_000));
    expect(died.code).toBe('ROLE_DIED');
    expect(died.message).toMatch(/^replenish died \(.*every lane reports it.*pool\.replenish\(\)/);
    await waitFor(
      'every lane reporting replenish',
      () => pool.stats().lanes.every((lane) => lane.reported === 'replenish'),
      10_000,
    );
    await waitFor(
      "each lane's thread told",
      () =>
        lanes.every((lane) =>
          lane.reports.some((report) => report.message.startsWith('replenish died')),
        ),
      10_000,
    );
    expect(pool.stats().deadRoles.map(({ role }) => role)).toEqual(['replenish']);

    Atomics.store(new Int32Array(stop), 0, 1);
    await producers.done;
    pool.complete();
    const finished = (await allEnd(lanes.map((lane) => lane.done))) as Finished[];
    for (const lane of finished)
      expect(lane.reports.map((report) => report.code)).toEqual(['ROLE_DIED', 'ROLE_DIED']);
    expect((await rejection(pool.whenAllHome(30_000))).code).toBe('ROLE_DIED');
  });

  it('a dead replenish is taken again by a new worker: every lane resumes and every buffer comes home', async () => {
    const pool = twoLanes();
    const stop = new SharedArrayBuffer(8); // [stop, pause] for the producers
    const producers = start(pool, ['producer:0', 'producer:1'], stop);
    const lanes = [0, 1].map((lane) => start(pool, [`drain:${lane}`, `collector:${lane}`], stop));
    const replenish = start(pool, ['replenish'], stop);
    await Promise.all([producers.started, replenish.started, ...lanes.map((lane) => lane.started)]);
    await waitFor(
      'both lanes collecting',
      () => pool.stats().lanes.every((lane) => lane.collected > 20),
      30_000,
    );
    // Killed while idle: a role killed in the middle of a move may take that batch with it (see the README).
    const flags = new Int32Array(stop);
    Atomics.store(flags, 1, 1);
    await waitFor(
      'the lanes quiet',
      () => {
        const check = pool.conservationCheck(); // the producers keep their stash: not all home
        return check.ok && check.ready + check.inCollector + check.done === 0;
      },
      30_000,
    );
    await replenish.worker.terminate();
    Atomics.store(flags, 1, 0);
    await waitFor(
      'every lane reporting replenish',
      () => pool.stats().lanes.every((lane) => lane.reported === 'replenish'),
      10_000,
    );

    const again = start(pool, ['replenish'], stop);
    await again.started;
    const atRepair = pool.stats().lanes.map((lane) => lane.collected);
    await waitFor(
      'every lane delivering again',
      () =>
        pool
          .stats()
          .lanes.every(
            (lane, index) => lane.collected > atRepair[index]! + 20 && lane.reported === null,
          ),
      30_000,
    );
    expect(pool.stats().deadRoles).toEqual([]);

    Atomics.store(new Int32Array(stop), 0, 1);
    await producers.done;
    pool.complete();
    await allEnd([again.done, ...lanes.map((lane) => lane.done)]);
    const home = await pool.whenAllHome(30_000);
    // Replenish holds no records and, between moves, no buffers: nothing was lost.
    expect(home.free + home.recycled).toBe(home.allocated);
    for (const lane of pool.stats().lanes) expect(lane.records).toBe(lane.collectedRecords);
  });

  it('a dead collector is taken again by a new worker: the lane delivers again and conservation, with the lost counted, holds', async () => {
    const pool = twoLanes();
    const { stop, producers, lane0, drain1, collector1 } = await lane1CollectorAtWork(pool);
    await collector1.worker.terminate();
    expect((await rejection(pool.whenAllHome(30_000))).code).toBe('ROLE_DIED');
    const atDeath = pool.stats().lanes[1]!.collected;

    // Two new workers race to take it: exactly one wins, the other gets ROLE_TAKEN.
    const takers = [start(pool, ['collector:1'], stop), start(pool, ['collector:1'], stop)];
    const outcomes = await Promise.allSettled(takers.map((taker) => taker.started));
    const won = outcomes.flatMap((outcome, index) =>
      outcome.status === 'fulfilled' ? [index] : [],
    );
    expect(won).toHaveLength(1);
    const refused = outcomes.find(
      (outcome) => outcome.status === 'rejected',
    ) as PromiseRejectedResult;
    expect(String(refused.reason.message)).toMatch(/the collector of lane 1 was already taken/);
    const again = takers[won[0]!]!;
    await waitFor(
      'lane 1 delivering again',
      () => pool.stats().lanes[1]!.collected > atDeath + 20,
      30_000,
    );
    const repaired = pool.stats();
    expect(repaired.lanes[1]!.died).toEqual([]);
    expect(repaired.deadRoles).toEqual([]);
    await waitFor(
      'the drain clearing its report',
      () => pool.stats().lanes[1]!.reported === null,
      10_000,
    );

    Atomics.store(new Int32Array(stop), 0, 1);
    await producers.done;
    pool.complete();
    await allEnd([lane0.done, drain1.done, again.done]);
    const home = await pool.whenAllHome(30_000);
    expect(home.ok).toBe(true);
    expect(home.free + home.recycled + home.lost).toBe(home.allocated);
    const stats = pool.stats();
    // Every record produced was collected, or was in the dead collector's hand and is counted lost.
    for (const lane of stats.lanes)
      expect({ lane: lane.lane, records: lane.records }).toEqual({
        lane: lane.lane,
        records: lane.collectedRecords + lane.lost,
      });
    expect(stats.lanes[0]!.lost).toBe(0);
    expect(home.lostRecords).toBe(stats.lanes[1]!.lost);
  });

  const native = nativeBinding();
  const skipNative = requireOrSkip(
    native !== null,
    `the native addon: ${nativeUnavailableReason()}`,
  );
  it.skipIf(skipNative)(
    'a native replenish counts a dead JS collector as ended: after complete() it exits, reporting it',
    async () => {
      const pool = twoLanes({ waitDomain: 'os' });
      const replenish = startNativeReplenish(pool.spec);
      const { stop, producers, lane0, drain1, collector1 } = await lane1CollectorAtWork(pool, [
        'drain:0',
        'collector:0',
      ]);
      await collector1.worker.terminate();
      expect((await rejection(pool.whenAllHome(30_000))).code).toBe('ROLE_DIED');

      Atomics.store(new Int32Array(stop), 0, 1);
      await producers.done;
      pool.complete();
      await allEnd([lane0.done, drain1.done, replenish.join()]);
      expect(pool.stats().replenishReported).toBe('the collector of lane 1');
    },
  );

  it.skipIf(skipNative)(
    'native roles report a death mid-run: a drain and replenish on a native thread name a dead JS collector, the other lane keeps delivering',
    async () => {
      const pool = twoLanes({ waitDomain: 'os' });
      const roles = startNativeRoles(pool.spec, [
        { role: 'drain', lane: 0 },
        { role: 'collector', lane: 0 },
        { role: 'drain', lane: 1 },
        { role: 'replenish' },
      ]);
      // Native producers write the test pattern the native collector verifies; paced, so lane 1
      // has records in flight when its collector dies.
      const producers = [0, 1].map((lane) =>
        startNativeProducer(pool.spec, lane, {
          records: Number.MAX_SAFE_INTEGER,
          recordBytes: 40,
          ratePerSecond: 20_000,
        }),
      );
      const stop = new SharedArrayBuffer(8);
      const collector1 = start(pool, ['collector:1'], stop, 2);
      await collector1.started;
      await waitFor('lane 1 collecting', () => pool.stats().lanes[1]!.collected > 20, 30_000);

      await collector1.worker.terminate();
      // Reported while the native thread still runs: its drain of lane 1 and its replenish.
      await waitFor(
        'the native drain and replenish reporting',
        () => {
          const stats = pool.stats();
          return (
            stats.lanes[1]!.reported === 'the collector of lane 1' &&
            stats.replenishReported === 'the collector of lane 1'
          );
        },
        10_000,
      );
      expect(pool.stats().lanes[0]!.reported).toBeNull();
      const before = pool.stats().lanes[0]!.collected;
      await waitFor(
        'lane 0 delivering',
        () => pool.stats().lanes[0]!.collected > before + 20,
        30_000,
      );

      for (const producer of producers) producer.stop();
      await Promise.all(producers.map((producer) => producer.done));
      pool.complete();
      const [drain0, collector0, drain1, replenish] = (await allEnd([roles.join()]))[0] as Awaited<
        typeof roles.done
      >;
      expect(drain0!.deathReport).toBeUndefined();
      expect(collector0!.deathReport).toBeUndefined();
      expect(collector0).toMatchObject({ errors: 0, outOfOrder: 0 });
      for (const reporter of [drain1!, replenish!]) {
        expect(reporter.stopped).toBe(false);
        expect(reporter.deathReport?.code).toBe('ROLE_DIED');
        expect(reporter.deathReport?.message).toMatch(/^the collector of lane 1 died \(/);
      }
      const died = await rejection(pool.whenAllHome(30_000));
      expect(died.message).toMatch(/^the collector of lane 1 died/);
    },
  );

  it.skipIf(skipNative)(
    "a native producer waiting for a free buffer rejects with ROLE_DIED when its lane's JS drain dies; the native collector ends on it",
    async () => {
      const pool = createBufferPool({
        lanes: 1,
        bufferSize: 512,
        buffersPerBlock: 8,
        initialBlocks: 1,
        maxBlocks: 1,
        fullPolicy: 'block',
        blockTimeoutMs: 60_000,
        waitDomain: 'os',
      });
      const roles = startNativeRoles(pool.spec, [
        { role: 'collector', lane: 0 },
        { role: 'replenish' },
      ]);
      const stop = new SharedArrayBuffer(8);
      const drain = start(pool, ['drain:0'], stop);
      await drain.started;
      const producer = startNativeProducer(pool.spec, 0, {
        records: Number.MAX_SAFE_INTEGER,
        recordBytes: 40,
        ratePerSecond: 20_000,
      });
      await waitFor('lane 0 collecting', () => pool.stats().lanes[0]!.collected > 20, 30_000);

      await drain.worker.terminate();
      // Its free buffers run out with no drain to refill them: it waits, sees the death, ends.
      const died = await rejection(producer.done);
      expect(died.code).toBe('ROLE_DIED');
      expect(died.message).toMatch(/^the drain of lane 0 died \(.*pool\.drain\(0\)/);

      pool.complete();
      const [collector, replenish] = (await allEnd([roles.join()]))[0] as Awaited<
        typeof roles.done
      >;
      expect(collector!.stopped).toBe(false);
      expect(collector!.deathReport?.message).toMatch(/^the drain of lane 0 died/);
      expect(replenish!.deathReport?.message).toMatch(/^the drain of lane 0 died/);
    },
  );
});
