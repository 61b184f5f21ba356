import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import {
  ByteConsumer,
  ByteProducer,
  createRing,
  FixedConsumer,
  FixedProducer,
  readRingStats,
  startNativeConsumer,
  takeFillMark,
} from '../src/index.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { writeTestRecord } from '../src/test-records.js';

/**
 * The fill mark: a monitor sampling `used` nearly always reads the instant after a drain (the
 * demo's ring-fill bars read ~0%); the consumer's drains raise a mark of what they found
 * waiting, and one monitor takes it.
 */
describe('the fill mark', () => {
  it('is the most a fixed ring drain found waiting, until a monitor takes it', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 8 });
    const producer = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    const record = new Uint8Array(8);
    for (let i = 0; i < 40; i++) producer.tryPush(record);
    expect(readRingStats(buffer)).toMatchObject({ used: 40, fillMark: 0 }); // no drain yet
    expect(consumer.drain(() => {}, 10)).toBe(10); // a limited drain still saw 40 waiting
    consumer.drain(() => {});
    for (let i = 0; i < 3; i++) producer.tryPush(record);
    consumer.drain(() => {});
    expect(readRingStats(buffer)).toMatchObject({ used: 0, fillMark: 40 });
    expect(consumer.stats().fillMark).toBe(40);
    expect(takeFillMark(buffer)).toBe(40);
    expect(takeFillMark(buffer)).toBe(0); // taken: the next take sees only what came since
    for (let i = 0; i < 5; i++) producer.tryPush(record);
    consumer.drain(() => {});
    expect(takeFillMark(buffer)).toBe(5);
  });

  it('counts bytes in a byte ring, as `used` does', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 1024 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    for (let i = 0; i < 4; i++) producer.tryPush(new Uint8Array(12)); // 8 + 12 → 24 bytes each
    const { used } = readRingStats(buffer);
    expect(used).toBe(96);
    expect(consumer.drain(() => {})).toBe(4);
    expect(takeFillMark(buffer)).toBe(used);
  });

  const skip = requireOrSkip(
    nativeBinding() !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );
  it.skipIf(skip)('is raised by the C++ twin’s drains too', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, waitDomain: 'os' });
    const producer = FixedProducer.attach(buffer);
    const record = new Uint8Array(16);
    for (let i = 0; i < 50; i++) {
      writeTestRecord(record, 0, 16, i); // the native consumer checks every record
      producer.tryPush(record);
    }
    producer.close();
    const result = await startNativeConsumer(buffer, { records: 50 }).join();
    expect(result).toMatchObject({ records: 50, errors: 0 });
    expect(takeFillMark(buffer)).toBe(50);
  });
});
