import {
  createRing,
  FixedConsumer,
  FixedProducer,
  readRingStats,
  takeFillMark,
} from '@ringkit/spsc-ring';
import { afterEach, describe, expect, it } from 'vitest';
import { pointValue, testMetrics } from './collect.js';

const CAPACITY = 8;

describe('a ring observed through its stats', () => {
  const opened: ReturnType<typeof testMetrics>[] = [];
  afterEach(async () => {
    for (const test of opened.splice(0)) await test.close();
  });
  const setUp = () => {
    const buffer = createRing({ kind: 'fixed', capacity: CAPACITY, recordSize: 8 });
    const test = testMetrics({ pipeline: 'capture' });
    opened.push(test);
    return {
      buffer,
      producer: FixedProducer.attach(buffer),
      consumer: FixedConsumer.attach(buffer),
      ...test,
    };
  };

  it('reports pushed, popped and dropped records as counters in {record}, read at collection', async () => {
    const { producer, consumer, metrics, collect } = setUp();
    metrics.observeRing('frames', consumer);
    const record = new Uint8Array(8);
    for (let i = 0; i < 12; i++) producer.tryPush(record); // 8 fit, 4 dropped
    consumer.drain(() => {});
    for (let i = 0; i < 3; i++) producer.tryPush(record);
    const points = await collect();
    const where = { 'ringkit.ring': 'frames', pipeline: 'capture' };
    expect(pointValue(points, 'ringkit.ring.records.pushed', where)).toBe(11);
    expect(pointValue(points, 'ringkit.ring.records.popped', where)).toBe(8);
    expect(pointValue(points, 'ringkit.ring.records.dropped', where)).toBe(4);
    expect(points.get('ringkit.ring.records.dropped')![0]!.unit).toBe('{record}');
    expect(pointValue(points, 'ringkit.ring.utilization', where)).toBe(3 / CAPACITY);
    expect(pointValue(points, 'ringkit.ring.peak_utilization', where)).toBe(1);
    expect(pointValue(points, 'ringkit.ring.closed', where)).toBe(0);
  });

  it('reads a ring by its buffer alone (readRingStats), without attaching an end', async () => {
    const { buffer, producer, metrics, collect } = setUp();
    metrics.observeRing('by-buffer', { stats: () => readRingStats(buffer) });
    producer.tryPush(new Uint8Array(8));
    producer.close();
    const points = await collect();
    expect(pointValue(points, 'ringkit.ring.records.pushed', { 'ringkit.ring': 'by-buffer' })).toBe(
      1,
    );
    expect(pointValue(points, 'ringkit.ring.closed', { 'ringkit.ring': 'by-buffer' })).toBe(1);
  });

  it('given takeFillMark, the peak is the fullest since the previous collection', async () => {
    const { buffer, producer, consumer, metrics, collect } = setUp();
    metrics.observeRing('frames', {
      stats: () => readRingStats(buffer),
      takeFillMark: () => takeFillMark(buffer),
    });
    for (let i = 0; i < 6; i++) producer.tryPush(new Uint8Array(8));
    consumer.drain(() => {}); // found 6 waiting
    const where = { 'ringkit.ring': 'frames' };
    expect(pointValue(await collect(), 'ringkit.ring.peak_utilization', where)).toBe(6 / CAPACITY);
    producer.tryPush(new Uint8Array(8));
    consumer.drain(() => {}); // found 1 waiting
    expect(pointValue(await collect(), 'ringkit.ring.peak_utilization', where)).toBe(1 / CAPACITY);
  });

  it('a ring removed before its first collection is never reported', async () => {
    const { consumer, metrics, collect } = setUp();
    const observed = metrics.observeRing('frames', consumer);
    observed.remove();
    observed.remove();
    expect((await collect()).get('ringkit.ring.records.pushed') ?? []).toEqual([]);
  });

  it('a ring observed again under its name continues the series from its own count', async () => {
    const { metrics, collect } = setUp();
    const ring = (pushed: number) => ({
      stats: () => ({
        ...readRingStats(createRing({ kind: 'fixed', capacity: 8, recordSize: 8 })),
        pushed,
      }),
    });
    const where = { 'ringkit.ring': 'frames' };
    const first = metrics.observeRing('frames', ring(5));
    expect(pointValue(await collect(), 'ringkit.ring.records.pushed', where)).toBe(5);
    first.remove();
    // OpenTelemetry JS repeats a series its callback stopped observing (README: remove()).
    expect(pointValue(await collect(), 'ringkit.ring.records.pushed', where)).toBe(5);
    // A restarted pipeline's ring: the same name, counting from 0 again.
    metrics.observeRing('frames', ring(2));
    expect(pointValue(await collect(), 'ringkit.ring.records.pushed', where)).toBe(2);
  });
});
