import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from './otlp-receiver.js';
import { type PipelineProcess, startPipeline } from './processes.js';

const CAPACITY = 1024; // test/workers/exporting-pipeline.mjs's rings

interface RingStats {
  pushed: number;
  popped: number;
  dropped: number;
}

describe('a process exporting over OTLP/HTTP to a protobuf receiver', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let host: PipelineProcess;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    host = await startPipeline({
      RINGKIT_OTLP_URL: receiver.url,
      RINGKIT_OTLP_INTERVAL_MS: '200',
      RINGKIT_PIPELINES: 'capture,export',
      RINGKIT_HOST: 'host-a',
    });
  });

  afterAll(async () => {
    await host?.stop();
    await receiver?.close();
  });

  it('the decoded counters are what the process reports: deliveries, no drops, an overload counted', async () => {
    await host.ask({ run: { pipeline: 'capture', records: 10_000, drain: true } }, 'ran');
    await host.ask({ run: { pipeline: 'export', records: 5_000, drain: false } }, 'ran');
    // forceFlush resolves once its export was answered, so the receiver holds a reading taken
    // after the runs; exports may arrive out of order, so the latest reading is the one checked.
    const reported = await host.ask<Record<string, RingStats>>({ flush: true }, 'flushed');
    expect(receiver.refusals).toEqual([]);
    const last = receiver.exports.reduce((latest, exported) =>
      exported.collectedAtMs > latest.collectedAtMs ? exported : latest,
    );
    expect(last.resource['service.name']).toBe('ringkit-test-pipeline');

    for (const [metric, field] of [
      ['ringkit.ring.records.pushed', 'pushed'],
      ['ringkit.ring.records.popped', 'popped'],
      ['ringkit.ring.records.dropped', 'dropped'],
    ] as const) {
      const points = last.points.filter((point) => point.metric === metric);
      for (const point of points)
        expect(point).toMatchObject({
          unit: '{record}',
          type: 'sum',
          isMonotonic: true,
          temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
        });
      const seen = Object.fromEntries(
        points.map(({ attributes, value }) => [
          `${attributes.pipeline}/${attributes['ringkit.ring']}`,
          value,
        ]),
      );
      expect(seen, metric).toEqual({
        'capture/capture-frames': reported.capture![field],
        'export/export-frames': reported.export![field],
      });
    }
    expect(reported.capture).toMatchObject({ pushed: 10_000, popped: 10_000, dropped: 0 });
    expect(reported.export).toMatchObject({
      pushed: CAPACITY,
      popped: CAPACITY,
      dropped: 5_000 - CAPACITY,
    });
  });

  it('exports arrive every interval, each a whole cumulative reading', async () => {
    const before = receiver.exports.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // 200 ms apart: about five in a second; at least two leaves room for a loaded machine.
    expect(receiver.exports.length - before).toBeGreaterThanOrEqual(2);
    const popped = receiver.exports
      .slice(before)
      .map(
        (exported) =>
          exported.points.find(
            (point) =>
              point.metric === 'ringkit.ring.records.popped' &&
              point.attributes.pipeline === 'capture',
          )?.value,
      );
    expect(new Set(popped)).toEqual(new Set([10_000]));
  });
});
