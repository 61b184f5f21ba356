import { startMetrics } from '@ringkit/otel';
import { describe, expect, it, vi } from 'vitest';
import type { LiveBooks, Pipeline, PipelineFigures, RingFill } from '../src/pipeline.js';
import { ringView, Supervisor } from '../src/supervisor.js';
import { TraceRecorder } from '../src/trace.js';

/** A pipeline whose every snapshot reports `rings` and `books`. */
function standIn(rings: readonly RingFill[], books?: LiveBooks): Pipeline {
  return {
    id: 'stand-in',
    title: 'stand-in pipeline',
    start: async () => {},
    snapshot: (): PipelineFigures => ({
      banner: null,
      sources: [{ name: 'records', delivered: 1, dropped: 0 }],
      rings,
      panels: [],
      ...(books && { books }),
    }),
    stop: async () => ({ produced: 1, delivered: 1, dropped: 0, ok: true, detail: '' }),
  };
}

/** Starts a supervisor over `pipeline` (one sample, at the start), stops it, returns the sample and the trace. */
async function oneSample(pipeline: Pipeline) {
  const trace = new TraceRecorder(true);
  const counters = vi.spyOn(trace, 'counter');
  const supervisor = new Supervisor([{ id: pipeline.id, create: () => pipeline }], trace, {
    forceSynthetic: true,
    namePrefix: `ringkit-demo-test-${process.pid}`,
  });
  await supervisor.start(60_000);
  const sample = supervisor.latest!;
  await supervisor.stop();
  return { view: sample.pipelines[0]!, counters: counters.mock.calls };
}

describe("the supervisor's ring view", () => {
  it('carries the peak from the pipeline figures beside the instant fill, and traces it on its own track', async () => {
    const { view, counters } = await oneSample(
      standIn([
        { name: 'events ring', used: 0, capacity: 1000, peak: 250 },
        { name: 'ready queue', used: 2, capacity: 64, peak: 16, peakSince: 'start' },
        { name: 'unmarked queue', used: 3, capacity: 10 },
      ]),
    );
    expect(view.rings).toEqual([
      {
        name: 'events ring',
        used: 0,
        capacity: 1000,
        fillPercent: 0,
        peak: 250,
        peakPercent: 25,
        peakSince: 'sample',
      },
      {
        name: 'ready queue',
        used: 2,
        capacity: 64,
        fillPercent: 3.125,
        peak: 16,
        peakPercent: 25,
        peakSince: 'start',
      },
      {
        name: 'unmarked queue',
        used: 3,
        capacity: 10,
        fillPercent: 30,
        peak: null,
        peakPercent: null,
        peakSince: 'sample',
      },
    ]);
    // The fill track as before, and the peak as its own counter track (none where there is none).
    const tracks = counters.map(([, name, , values]) => [name, values]);
    expect(tracks).toContainEqual(['events ring fill', { used: 0, capacity: 1000 }]);
    expect(tracks).toContainEqual(['events ring peak', { peakSinceLastSample: 250 }]);
    expect(tracks).toContainEqual(['ready queue peak', { peakSinceStart: 16 }]);
    expect(tracks.some(([name]) => name === 'unmarked queue peak')).toBe(false);
  });

  it('never shows a peak below the instant fill: the sampling instant is part of the span', () => {
    // A drain-raised mark misses what arrived after the last drain.
    expect(ringView({ name: 'ring', used: 40, capacity: 100, peak: 25 })).toMatchObject({
      peak: 40,
      peakPercent: 40,
    });
    expect(ringView({ name: 'ring', used: 0, capacity: 0, peak: 0 })).toMatchObject({
      fillPercent: 0,
      peakPercent: 0,
    });
  });

  it("carries each pipeline's live conservation check, and none for a pipeline without books", async () => {
    const withBooks = await oneSample(
      standIn([], {
        produced: 120,
        inFlight: 32,
        delivered: 100,
        dropped: 5,
        producedAfter: 121,
        heldIn: 'the ring',
      }),
    );
    expect(withBooks.view.conservation).toMatchObject({
      ok: true,
      line: 'nothing lost so far: 120 produced = 100 delivered + 5 dropped + 15 in flight',
    });
    const without = await oneSample(standIn([]));
    expect(without.view.conservation).toBeNull();
  });
});

describe("the supervisor's metrics", () => {
  /** A ring whose stats say it delivered `popped` records, and count how often they were read. */
  const ringOf = (popped: number) => ({
    reads: 0,
    stats() {
      this.reads++;
      return {
        capacity: 8,
        used: 0,
        pushed: popped,
        popped,
        dropped: 0,
        closed: false,
        fillMark: 0,
      };
    },
  });

  it('registers each running pipeline with its id, leaves out one that failed to start, and removes them on stop', async () => {
    const telemetry = await startMetrics({ prometheus: { port: 0 } });
    const registered: string[] = [];
    const ring = ringOf(7);
    const pipeline = (id: string, source: ReturnType<typeof ringOf>, fails = false): Pipeline => ({
      ...standIn([]),
      id,
      start: async () => {
        if (fails) throw new Error('no device here');
      },
      observeMetrics: (metrics, attributes) => {
        registered.push(`${id} ${JSON.stringify(attributes)}`);
        return [metrics.observeRing(`${id}-ring`, source, attributes)];
      },
    });
    const supervisor = new Supervisor(
      [
        { id: 'capture', create: () => pipeline('capture', ring) },
        { id: 'broken', create: () => pipeline('broken', ringOf(1), true) },
      ],
      new TraceRecorder(false),
      { forceSynthetic: true, namePrefix: `ringkit-demo-test-${process.pid}` },
    );
    try {
      await supervisor.start(60_000);
      supervisor.observeMetrics(telemetry.metrics);
      const scraped = await (await fetch(telemetry.prometheusUrl!)).text();
      expect(registered).toEqual(['capture {"pipeline":"capture"}']);
      expect(scraped).toMatch(
        /^ringkit_ring_records_popped_total\{pipeline="capture",ringkit_ring="capture-ring",[^}]*\} 7$/m,
      );
      expect(scraped).not.toContain('pipeline="broken"');
      expect(ring.reads).toBe(1);
      // A stopped pipeline's sources are not read again (what they last said stays exported).
      await supervisor.stop();
      await fetch(telemetry.prometheusUrl!);
      expect(ring.reads).toBe(1);
    } finally {
      await telemetry.close();
    }
  });
});
