import { describe, expect, it } from 'vitest';
import { MetricsError, startMetrics } from '../src/index.js';
import { pointValue, testMetrics } from './collect.js';

const ring = {
  stats: () => ({
    capacity: 8,
    used: 0,
    pushed: 1,
    popped: 1,
    dropped: 0,
    closed: false,
    fillMark: 0,
  }),
};

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricsError);
    expect((error as Error).message).toMatch(/^[^\n]+\.$/); // one sentence
    return (error as MetricsError).code;
  }
  return undefined;
}

describe('bad input is a MetricsError with a code and one sentence', () => {
  it('a source without the stats it needs is INVALID_SOURCE', () => {
    const { metrics } = testMetrics();
    expect(codeOf(() => metrics.observeRing('frames', {} as never))).toBe('INVALID_SOURCE');
    expect(codeOf(() => metrics.observePool('pool', ring as never))).toBe('INVALID_SOURCE');
    expect(codeOf(() => metrics.observeBpfReader('bpf', { reader: {} } as never))).toBe(
      'INVALID_SOURCE',
    );
    expect(codeOf(() => metrics.observeTrackingServer('server', null as never))).toBe(
      'INVALID_SOURCE',
    );
  });

  it('an empty name or a bad attribute value is INVALID_OPTIONS', () => {
    const { metrics } = testMetrics();
    expect(codeOf(() => metrics.observeRing('', ring))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => metrics.observeRing('frames', ring, { pipeline: {} as never }))).toBe(
      'INVALID_OPTIONS',
    );
    expect(codeOf(() => testMetrics('capture' as never))).toBe('INVALID_OPTIONS');
  });

  it('two sources of one kind with the same name are DUPLICATE_SOURCE, until the first is removed', () => {
    const { metrics } = testMetrics();
    const first = metrics.observeRing('frames', ring);
    expect(codeOf(() => metrics.observeRing('frames', ring))).toBe('DUPLICATE_SOURCE');
    first.remove();
    expect(codeOf(() => metrics.observeRing('frames', ring))).toBeUndefined();
  });

  it('observing after close is CLOSED', () => {
    const { metrics } = testMetrics();
    metrics.close();
    expect(codeOf(() => metrics.observeRing('frames', ring))).toBe('CLOSED');
  });

  it('startMetrics without an exporter, or with a bad port or url, is INVALID_OPTIONS', async () => {
    for (const options of [
      {},
      { prometheus: { port: -1 } },
      { otlp: { url: 'not a url' } },
      { otlp: { url: 'ftp://collector/v1/metrics' } },
      { otlp: { url: 'http://collector:4318/v1/metrics', intervalMs: 5 } },
    ])
      await expect(startMetrics(options), JSON.stringify(options)).rejects.toMatchObject({
        name: 'MetricsError',
        code: 'INVALID_OPTIONS',
      });
  });
});

describe('startMetrics on a busy port', () => {
  it('rejects with INVALID_OPTIONS naming the port, and leaves the first endpoint serving', async () => {
    const first = await startMetrics({ prometheus: { port: 0 } });
    try {
      const port = Number(new URL(first.prometheusUrl!).port);
      await expect(startMetrics({ prometheus: { port } })).rejects.toMatchObject({
        code: 'INVALID_OPTIONS',
        message: `port ${port} on 127.0.0.1 is in use: pick another prometheus.port (0 picks a free one).`,
      });
      expect((await fetch(first.prometheusUrl!)).status).toBe(200);
    } finally {
      await first.close();
      await first.close();
    }
  });
});

describe('a source whose stats throw', () => {
  it('is counted in ringkit.metrics.read_errors and hides none of the others', async () => {
    const { metrics, collect, close } = testMetrics();
    const broken = new Error('the ring is corrupted');
    metrics.observeRing('broken', {
      stats: () => {
        throw broken;
      },
    });
    metrics.observeRing('fine', ring);
    await collect();
    const points = await collect();
    expect(pointValue(points, 'ringkit.ring.records.pushed', { 'ringkit.ring': 'fine' })).toBe(1);
    expect(pointValue(points, 'ringkit.ring.records.pushed', { 'ringkit.ring': 'broken' })).toBe(
      undefined,
    );
    expect(
      pointValue(points, 'ringkit.metrics.read_errors', {
        'ringkit.source.kind': 'ring',
        'ringkit.source': 'broken',
      }),
    ).toBe(2);
    expect(metrics.lastError).toBe(broken);
    await close();
  });
});
