import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createBufferPool, runRolesAsync } from '../src/index.js';
import { waitFor } from './tracking-helpers/wait-for.js';

const WORKER = new URL('./workers/dying-collector.mjs', import.meta.url);

/** Runs dying-collector.mjs to its death at `at`; resolves with the records its handler saw. */
function collectorDyingAt(spec: unknown, at: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { spec, at } });
    let handled: number | undefined;
    worker.on('message', (message) => {
      if (message.error) reject(new Error(message.error));
      else handled = message.handled;
    });
    worker.on('error', reject);
    worker.on('exit', () =>
      handled === undefined ? reject(new Error('the worker died silently')) : resolve(handled),
    );
  });
}

// A collector dies mid-move (the death is placed, not raced), another takes its role, and the
// run completes: what the retaker settled must balance exactly, whichever side of the queue's
// store the death fell. Before the move journal, 'taken' lost its batch uncounted and
// 'returned' counted it twice.
describe('a collector that dies in the middle of a move', () => {
  const cases = [
    { at: 'taking', lostBuffers: false, handled: false },
    { at: 'held', lostBuffers: false, handled: false },
    { at: 'taken', lostBuffers: true, handled: false },
    { at: 'returning', lostBuffers: true, handled: true },
    { at: 'returned', lostBuffers: false, handled: true },
  ];
  it.each(cases)(
    "dies at '$at': conservation holds and every record is collected or counted lost",
    async ({ at, lostBuffers, handled }) => {
      const pool = createBufferPool({ lanes: 1, bufferSize: 64, buffersPerBlock: 16, tickMs: 20 });
      const producer = pool.producer(0);
      const drain = pool.drain(0);
      drain.step(); // the first step fills free[0]
      // 24 records of 24 bytes, two to a buffer: 12 buffers, handed to collect[0].
      for (let i = 0; i < 24; i++) producer.write(new Uint8Array(24));
      producer.flush();
      while (drain.step() > 0);
      const inCollect = pool.stats().lanes[0]!.inCollector;
      expect(inCollect).toBe(12);

      const handledByTheDead = await collectorDyingAt(pool.spec, at);
      await waitFor('the collector seen dead', () => pool.stats().lanes[0]!.died.length > 0, 5000);
      expect(handledByTheDead > 0).toBe(handled);

      let handledByTheRetaker = 0;
      const retaker = pool.collector(0, (_bytes, _offset, length) => {
        handledByTheRetaker += length / 32; // two 24-byte records (32 with headers) a buffer
      });
      producer.close();
      pool.complete();
      await runRolesAsync([drain, retaker, pool.replenish()]);
      const home = await pool.whenAllHome(5000);
      expect(home.free + home.recycled + home.lost).toBe(home.allocated);
      expect(home.lost > 0).toBe(lostBuffers);
      const lane = pool.stats().lanes[0]!;
      expect(lane.records).toBe(24);
      expect(lane.collectedRecords + lane.lost).toBe(lane.records);
      // Handled records count as collected; a batch whose take never happened is collected again.
      expect(lane.collectedRecords).toBe(handledByTheDead + handledByTheRetaker);
    },
  );
});
