import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { ByteConsumer } from '../src/byte-ring.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { Consumer, HEADER_BYTES, Producer } from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { startNativeConsumer, startNativeProducer } from '../src/native-threads.js';
import { readRingStats } from '../src/ring-end.js';
import { checkTestRecord, writeTestRecord } from '../src/test-records.js';
import { drainChecked } from './drain-checked.js';
import { startWorker } from './workers.js';

interface Consumed {
  received: number;
  /** Sequence numbers skipped between delivered records. */
  skipped: number;
  /** One past the last delivered sequence number: drops after it are not gaps. */
  nextExpected: number;
  errors: number;
  firstError: string;
  ended: boolean;
}

async function stressBetweenWorkers(
  kind: 'fixed' | 'bytes',
  buffer: SharedArrayBuffer,
  records: number,
  gapsAllowed: boolean,
) {
  const producer = startWorker<{ attempted: number }>({
    role: `${kind === 'fixed' ? 'fixed' : 'byte'}-producer`,
    buffer,
    records,
    seed: 11,
  });
  const consumer = startWorker<Consumed>({
    role: `${kind === 'fixed' ? 'fixed' : 'byte'}-consumer`,
    buffer,
    seed: 12,
    gapsAllowed,
  });
  const [produced, consumed] = await Promise.all([producer.done, consumer.done]);
  const stats = (kind === 'fixed' ? FixedConsumer : ByteConsumer).attach(buffer).stats();
  return { produced, consumed, stats };
}

/**
 * Under drop, every attempted record is either delivered or counted, and the
 * gaps the consumer saw in the sequence (plus the tail it never saw) are exactly the drops.
 */
function expectExactDropAccounting({
  produced,
  consumed,
  stats,
}: Awaited<ReturnType<typeof stressBetweenWorkers>>) {
  expect(consumed.errors).toBe(0);
  expect(stats.dropped).toBeGreaterThan(0);
  expect(stats.pushed).toBe(stats.popped);
  expect(consumed.received).toBe(stats.popped);
  expect(produced.attempted).toBe(stats.popped + stats.dropped);
  expect(consumed.skipped + (produced.attempted - consumed.nextExpected)).toBe(stats.dropped);
}

describe('stress between two worker threads', () => {
  it('moves 10⁷ fixed records through every write path: none lost, duplicated, reordered or torn', async () => {
    const buffer = createRing({
      kind: 'fixed',
      capacity: 1024,
      recordSize: 32,
      fullPolicy: 'block',
    });
    const { produced, consumed, stats } = await stressBetweenWorkers(
      'fixed',
      buffer,
      10_000_000,
      false,
    );
    expect(produced.attempted).toBe(10_000_000);
    expect(consumed).toEqual({
      received: 10_000_000,
      skipped: 0,
      nextExpected: 10_000_000,
      errors: 0,
      firstError: '',
      ended: true,
    });
    expect(stats).toMatchObject({
      pushed: 10_000_000,
      popped: 10_000_000,
      dropped: 0,
      used: 0,
      closed: true,
    });
  });

  it('moves 10⁷ byte records of every size up to max record, with claims, aborts and padding', async () => {
    const buffer = createRing({ kind: 'bytes', capacity: 4096, fullPolicy: 'block' });
    const { consumed, stats } = await stressBetweenWorkers('bytes', buffer, 10_000_000, false);
    expect(consumed).toEqual({
      received: 10_000_000,
      skipped: 0,
      nextExpected: 10_000_000,
      errors: 0,
      firstError: '',
      ended: true,
    });
    expect(stats).toMatchObject({ pushed: 10_000_000, popped: 10_000_000, dropped: 0 });
  });

  it('under drop, a small ring accounts exactly: pushed = popped, attempted = popped + dropped', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 16, recordSize: 16 });
    const { produced, consumed, stats } = await stressBetweenWorkers(
      'fixed',
      buffer,
      2_000_000,
      true,
    );
    expectExactDropAccounting({ produced, consumed, stats });
  });

  it('under drop, byte records account exactly too', async () => {
    const buffer = createRing({ kind: 'bytes', capacity: 512 });
    const { produced, consumed, stats } = await stressBetweenWorkers(
      'bytes',
      buffer,
      300_000,
      true,
    );
    expectExactDropAccounting({ produced, consumed, stats });
  });
});

describe('stress across the language boundary', () => {
  const skip = requireOrSkip(
    nativeBinding() !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)(
    'the C++ twin carries pushed and popped across the 2³² wrap of the positions',
    async () => {
      const buffer = createRing({
        kind: 'fixed',
        capacity: 64,
        recordSize: 16,
        waitDomain: 'os',
        fullPolicy: 'block',
      });
      const words = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
      // As after 2³² − 100 records pushed and popped (fixed rings count by position).
      words[Producer.WRITE_POSITION >> 2] = -100;
      words[Consumer.READ_POSITION >> 2] = -100;
      const consumer = startNativeConsumer(buffer, { records: 1000 });
      const producer = startNativeProducer(buffer, { records: 1000, batch: 7, close: true });
      // A native producer reports the ring's pushed count: the 2³² − 100 before it and its 1000.
      expect(await producer.join()).toMatchObject({ records: 2 ** 32 + 900, errors: 0 });
      expect(await consumer.join()).toMatchObject({ records: 1000, errors: 0 });
      expect(readRingStats(buffer)).toMatchObject({
        pushed: 2 ** 32 + 900,
        popped: 2 ** 32 + 900,
        used: 0,
      });
      // And a JS end attaching afterwards reads the same counts.
      expect(FixedProducer.attach(buffer).stats()).toMatchObject({ pushed: 2 ** 32 + 900 });
    },
  );

  it.skipIf(skip)('a native producer thread → a JS consumer: 10⁷ records, all intact', async () => {
    const buffer = createRing({
      kind: 'fixed',
      capacity: 4096,
      recordSize: 32,
      waitDomain: 'os',
      fullPolicy: 'block',
    });
    const native = startNativeProducer(buffer, { records: 10_000_000, batch: 64, close: true });
    const consumer = FixedConsumer.attach(buffer);
    const { next: expected, errors } = await drainChecked(consumer);
    expect(await native.join()).toMatchObject({ records: 10_000_000, errors: 0 });
    expect({ expected, errors }).toEqual({ expected: 10_000_000, errors: 0 });
  });

  it.skipIf(skip)('a native producer under drop: every record delivered or counted', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, waitDomain: 'os' });
    const native = startNativeProducer(buffer, { records: 2_000_000, batch: 16, close: true });
    const consumer = FixedConsumer.attach(buffer);
    let received = 0;
    for (;;) {
      const got = consumer.drain((_data, _offset, count) => {
        received += count;
      });
      if (got === 0 && (await consumer.waitAsync({ timeoutMs: 30_000 })) !== 'ready') break;
    }
    const result = await native.join();
    const stats = consumer.stats();
    expect(stats.pushed).toBe(received);
    expect(received + stats.dropped).toBe(2_000_000);
    expect(result.dropped).toBe(stats.dropped);
  });

  it.skipIf(skip)('native byte records of varying size → a JS consumer', async () => {
    const buffer = createRing({
      kind: 'bytes',
      capacity: 1 << 16,
      waitDomain: 'os',
      fullPolicy: 'block',
    });
    const native = startNativeProducer(buffer, {
      records: 1_000_000,
      batch: 32,
      minPayload: 8,
      maxPayload: 500,
      close: true,
    });
    const consumer = ByteConsumer.attach(buffer);
    let expected = 0;
    let errors = 0;
    for (;;) {
      const got = consumer.drain((data, offset, length, type) => {
        if (type !== expected % 1000 || checkTestRecord(data, offset, length, expected) !== '')
          errors++;
        expected++;
      });
      if (got === 0 && (await consumer.waitAsync({ timeoutMs: 30_000 })) !== 'ready') break;
    }
    await native.join();
    expect({ expected, errors }).toEqual({ expected: 1_000_000, errors: 0 });
  });

  it.skipIf(skip)('a JS producer → a native consumer thread: 10⁶ records, all intact', async () => {
    const buffer = createRing({
      kind: 'fixed',
      capacity: 1024,
      recordSize: 24,
      waitDomain: 'os',
      fullPolicy: 'block',
    });
    const native = startNativeConsumer(buffer, { records: 1_000_000, batch: 128 });
    const producer = FixedProducer.attach(buffer);
    const batch = new Uint8Array(100 * 24);
    for (let sequence = 0; sequence < 1_000_000; sequence += 100) {
      for (let i = 0; i < 100; i++) writeTestRecord(batch, i * 24, 24, sequence + i);
      let sent = producer.pushBatch(batch);
      while (sent < 100) {
        await producer.pushAsync(batch.subarray(sent * 24, (sent + 1) * 24), { timeoutMs: 30_000 });
        sent += 1 + producer.pushBatch(batch.subarray((sent + 1) * 24));
      }
    }
    producer.close();
    expect(await native.join()).toMatchObject({ records: 1_000_000, errors: 0, firstError: '' });
  });
});
