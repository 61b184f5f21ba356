import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { Consumer, Producer, PublishMode } from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { startNativeProducer } from '../src/native-threads.js';

/**
 * Light publishing (src/publish-mode.ts, LAYOUT.md step 5): where the process
 * registered for expedited membarrier, each side publishes with a plain store
 * and says so in the header; sleepers whose peer is light issue the barrier.
 */
const ENTRY = new URL('../dist/index.js', import.meta.url).href;
const WAKE_EACH = new URL('./workers/wake-each.mjs', import.meta.url);

function modes(buffer: SharedArrayBuffer) {
  const words = new Int32Array(buffer, 0, 128);
  return {
    producer: Atomics.load(words, Producer.PUBLISH_MODE >> 2),
    consumer: Atomics.load(words, Consumer.PUBLISH_MODE >> 2),
  };
}

/** Attaches both ends in a fresh process with `env` and prints the two mode words. */
function modesInChild(env: Record<string, string>): string {
  const script = `
    import * as ring from ${JSON.stringify(ENTRY)};
    const buffer = ring.createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    ring.FixedProducer.attach(buffer);
    ring.FixedConsumer.attach(buffer);
    const words = new Int32Array(buffer, 0, 128);
    console.log(words[${Producer.PUBLISH_MODE >> 2}], words[${Consumer.PUBLISH_MODE >> 2}]);`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(result.stderr).toBe('');
  return result.stdout.trim();
}

const native = nativeBinding();
const lightPossible = native !== null && process.arch === 'x64' && native.lightPublishEnabled();
const why =
  native === null
    ? `the native addon is not built: ${nativeUnavailableReason()}`
    : process.arch !== 'x64'
      ? `light publishing is x86-64 only in TypeScript (this is ${process.arch})`
      : 'this kernel has no expedited membarrier (MEMBARRIER_CMD_GLOBAL_EXPEDITED)';

describe('publish mode', () => {
  const skip = requireOrSkip(lightPossible, why);

  it.skipIf(skip)('both TypeScript ends publish light and say so in the header', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    expect(modes(buffer)).toEqual({ producer: PublishMode.FENCED, consumer: PublishMode.FENCED });
    FixedProducer.attach(buffer);
    FixedConsumer.attach(buffer);
    expect(modes(buffer)).toEqual({ producer: PublishMode.LIGHT, consumer: PublishMode.LIGHT });
  });

  it.skipIf(skip)('the C++ twin says so too', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, waitDomain: 'os' });
    const consumer = FixedConsumer.attach(buffer);
    new Int32Array(buffer)[Producer.PUBLISH_MODE >> 2] = 7; // not a mode: the native side overwrites it
    const producer = startNativeProducer(buffer, { records: 10, close: true });
    while (consumer.wait({ tickMs: 100 }) !== 'closed') consumer.drain(() => {});
    await producer.join();
    expect(modes(buffer).producer).toBe(PublishMode.LIGHT);
  });

  it.skipIf(skip)(
    'finds the addon from an eval worker too (its global __dirname is ".")',
    async () => {
      const worker = new Worker(
        `const { parentPort } = require('node:worker_threads');
       import(${JSON.stringify(ENTRY)}).then((ring) => {
         const buffer = ring.createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
         ring.FixedProducer.attach(buffer);
         parentPort.postMessage(new Int32Array(buffer, 0, 128)[${Producer.PUBLISH_MODE >> 2}]);
       });`,
        { eval: true },
      );
      const [mode] = (await once(worker, 'message')) as [number];
      await worker.terminate();
      expect(mode).toBe(PublishMode.LIGHT);
    },
  );

  it('stays fenced with RINGKIT_SYMMETRIC_BARRIERS=1 or without the addon', () => {
    expect(modesInChild({ RINGKIT_SYMMETRIC_BARRIERS: '1' })).toBe('0 0');
    expect(modesInChild({ RINGKIT_NO_NATIVE: '1' })).toBe('0 0');
  });

  it("an end attached with publish: 'fenced' says so, and its peer's sleeps need no barrier", () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    FixedProducer.attach(buffer, { publish: 'fenced' });
    FixedConsumer.attach(buffer, { publish: 'fenced' });
    expect(modes(buffer)).toEqual({ producer: PublishMode.FENCED, consumer: PublishMode.FENCED });
    expect(() => FixedProducer.attach(buffer, { publish: 'light' as 'auto' })).toThrow(
      /publish must be 'auto' or 'fenced'/,
    );
  });
});

/**
 * As test/lost-wakeup.test.ts, between two JS threads of one process: a 2-slot
 * ring, both sides sleeping for every record, a 5 s tick — one lost wake-up
 * would stall the stream for seconds. It catches handshake logic errors, not
 * the nanosecond-wide race the membarrier closes (see that file).
 */
const RECORDS = 20_000;
const TICK_MS = 5_000;

async function wakeEach(producerEnv: Record<string, string> | undefined) {
  const buffer = createRing({ kind: 'fixed', capacity: 2, recordSize: 16, fullPolicy: 'block' });
  const consumer = FixedConsumer.attach(buffer);
  const started = performance.now();
  const worker = new Worker(WAKE_EACH, {
    workerData: { buffer, records: RECORDS, tickMs: TICK_MS },
    ...(producerEnv === undefined ? {} : { env: { ...process.env, ...producerEnv } }),
  });
  const exited = new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
  let expected = 0;
  let outOfOrder = 0;
  for (;;) {
    consumer.drain((data, offset, count) => {
      for (let i = 0; i < count; i++) {
        const view = new DataView(data.buffer, data.byteOffset + offset + i * 16, 4);
        if (view.getUint32(0, true) !== expected) outOfOrder++;
        expected++;
      }
    });
    if ((await consumer.waitAsync({ tickMs: TICK_MS, spin: 0 })) === 'closed') break;
  }
  await exited;
  return { received: expected, outOfOrder, seconds: (performance.now() - started) / 1000, buffer };
}

describe('no lost wake-up between two JS threads publishing light', () => {
  const skip = requireOrSkip(lightPossible, why);

  it.skipIf(skip)(
    `${RECORDS} records through a 2-slot ring, each one a wake-up on both sides, with a ${TICK_MS / 1000} s tick`,
    async () => {
      const run = await wakeEach(undefined);
      expect(modes(run.buffer)).toEqual({
        producer: PublishMode.LIGHT,
        consumer: PublishMode.LIGHT,
      });
      expect(run).toMatchObject({ received: RECORDS, outOfOrder: 0 });
      // Each record costs two wake-ups of ~20–50 µs; one lost wake-up alone would cost 5 s.
      expect(run.seconds).toBeLessThan(4);
    },
    60_000,
  );

  it.skipIf(skip)(
    'a fenced producer (its thread has no addon) with a light consumer: nothing lost either',
    async () => {
      const run = await wakeEach({ RINGKIT_NO_NATIVE: '1' });
      expect(modes(run.buffer)).toEqual({
        producer: PublishMode.FENCED,
        consumer: PublishMode.LIGHT,
      });
      expect(run).toMatchObject({ received: RECORDS, outOfOrder: 0 });
      expect(run.seconds).toBeLessThan(4);
    },
    60_000,
  );
});
