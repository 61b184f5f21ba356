import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetrics } from '../src/index.js';
import {
  booksLines,
  buildDemo,
  DEMO_COUNTERS,
  type DemoPipeline,
  reportedAround,
  startDemo,
  summaryRows,
} from './demos.js';
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

describe('close()', () => {
  it('sends a last export read at close, not the previous reading under a new time', async () => {
    const receiver = await startOtlpReceiver();
    try {
      // An interval far beyond the test: only forceFlush and close export.
      const telemetry = await startMetrics({ otlp: { url: receiver.url, intervalMs: 600_000 } });
      const stats = {
        capacity: 8,
        used: 0,
        pushed: 5,
        popped: 5,
        dropped: 0,
        closed: false,
        fillMark: 0,
      };
      telemetry.metrics.observeRing('frames', { stats: () => ({ ...stats }) });
      await telemetry.forceFlush();
      stats.pushed = 9;
      stats.popped = 9;
      await telemetry.close();
      const popped = receiver.exports.map(
        (exported) =>
          exported.points.find((point) => point.metric === 'ringkit.ring.records.popped')?.value,
      );
      expect(popped).toEqual([5, 9]);
    } finally {
      await receiver.close();
    }
  });
});

describe('the demo run with --otlp, pushing to a protobuf receiver every second', () => {
  it("each export's counters are what the demo's own tables said when they were read", async () => {
    buildDemo();
    const receiver = await startOtlpReceiver();
    const run = startDemo(['--headless', '--synthetic', '--otlp', receiver.url]);
    try {
      while (receiver.exports.length < 3 && run.child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 100));
      run.child.kill('SIGINT');
      expect(await run.exited, run.stderr()).toBe(0);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      await receiver.close();
    }
    expect(receiver.refusals).toEqual([]);
    const books = booksLines(run);
    const summary = summaryRows(run.stdout());
    const exports = [...receiver.exports].sort((a, b) => a.collectedAtMs - b.collectedAtMs);
    // Three while it ran, and the last one close() sends.
    expect(exports.length).toBeGreaterThanOrEqual(4);
    for (const pipeline of Object.keys(DEMO_COUNTERS) as DemoPipeline[]) {
      const metric = DEMO_COUNTERS[pipeline].delivered;
      const final = summary.find((row) => row.pipeline === pipeline)!.delivered;
      let previous = 0;
      for (const exported of exports) {
        expect(exported.resource['service.name']).toBe('ringkit-demo');
        const points = exported.points.filter(
          (point) => point.metric === metric && point.attributes.pipeline === pipeline,
        );
        expect(points.length, `${metric} for ${pipeline}`).toBeGreaterThan(0);
        for (const point of points)
          expect(point.temporality).toBe('AGGREGATION_TEMPORALITY_CUMULATIVE');
        const value = points.reduce((sum, point) => sum + point.value, 0);
        const { atLeast, atMost } = reportedAround(
          books,
          pipeline,
          'delivered',
          exported.collectedAtMs,
          final,
          1000,
        );
        expect(value, `${pipeline} at ${exported.collectedAtMs}`).toBeGreaterThanOrEqual(atLeast);
        expect(value, `${pipeline} at ${exported.collectedAtMs}`).toBeLessThanOrEqual(atMost);
        expect(value, `${pipeline}: cumulative`).toBeGreaterThanOrEqual(previous);
        previous = value;
      }
      expect(previous, pipeline).toBeGreaterThan(0);
    }
  });
});
