import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { storeCounter } from '../src/counter.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { Consumer, Producer } from '../src/layout.js';
import { monotonicMs } from '../src/liveness.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { startNativeConsumer, startNativeProducer } from '../src/native-threads.js';
import { readRingStats } from '../src/ring-end.js';

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], {
    encoding: 'utf8',
  });
  return Number(child.stdout.trim());
}

describe('the C++ twin takes part in liveness', () => {
  const skip = requireOrSkip(
    nativeBinding() !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)('a native producer writes its pid and beats', async () => {
    const buffer = createRing({
      kind: 'fixed',
      capacity: 64,
      recordSize: 16,
      waitDomain: 'os',
      fullPolicy: 'block',
    });
    const words = new Int32Array(buffer, 0, 128);
    const consumer = FixedConsumer.attach(buffer);
    const native = startNativeProducer(buffer, { records: 5000, batch: 1, close: true });
    while (
      consumer.drain(() => {}) > 0 ||
      (await consumer.waitAsync({ timeoutMs: 10_000 })) === 'ready'
    ) {}
    await native.join();
    expect(Atomics.load(words, Producer.PID >> 2)).toBe(process.pid);
    const silence = (monotonicMs() - (Atomics.load(words, Producer.HEARTBEAT >> 2) >>> 0)) >>> 0;
    expect(silence).toBeLessThan(5_000);
    expect(consumer.peerAlive({ withinMs: 5_000 })).toBe(true);
  });

  it.skipIf(skip)(
    'a native consumer waiting on a ring whose producer process is gone stops with that reason instead of hanging',
    async () => {
      const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, waitDomain: 'os' });
      Atomics.store(new Int32Array(buffer, 0, 128), Producer.PID >> 2, deadPid());
      const started = performance.now();
      const result = await startNativeConsumer(buffer, { records: 10 }).join();
      expect(result).toMatchObject({ records: 0, errors: 1 });
      expect(result.firstError).toMatch(/producer \(its process or thread\) is gone/);
      expect(performance.now() - started).toBeLessThan(1_000);
    },
  );

  it.skipIf(skip)(
    'a native consumer whose producer was a worker that returned stops with that reason instead of hanging',
    async () => {
      const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 8, waitDomain: 'os' });
      // peer-exit.mjs's worker half: attaches the producer, pushes 10 records, returns.
      const worker = new Worker(new URL('./workers/peer-exit.mjs', import.meta.url), {
        workerData: { buffer, how: 'return', side: 'consumer' },
      });
      await once(worker, 'exit');
      const result = await startNativeConsumer(buffer, { records: 1000 }).join();
      expect(result).toMatchObject({ records: 10, errors: 1 });
      expect(result.firstError).toMatch(/producer \(its process or thread\) is gone/);
    },
    10_000,
  );

  it.skipIf(skip)(
    'a native producer replacing a killed one counts on from the position, whatever the counter word holds',
    async () => {
      const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, waitDomain: 'os' });
      const first = FixedProducer.attach(buffer);
      first.pushBatch(new Uint8Array(5 * 16));
      storeCounter(new Int32Array(buffer, 0, 128), Producer.PUSHED, 2); // unused by fixed rings
      const result = await startNativeProducer(buffer, { records: 10 }).join();
      expect(result.records).toBe(15); // the replacement's count: 5 repaired + 10 of its own
      expect(readRingStats(buffer).pushed).toBe(15);
    },
  );

  it.skipIf(skip)(
    'a native consumer announces itself, so a JS producer sees it alive',
    async () => {
      const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, waitDomain: 'os' });
      const words = new Int32Array(buffer, 0, 128);
      const native = startNativeConsumer(buffer, { records: 0 });
      await native.join();
      expect(Atomics.load(words, Consumer.PID >> 2)).toBe(process.pid);
    },
  );
});
