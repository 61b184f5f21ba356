import { nativeUnavailableReason } from '@ringkit/spsc-ring';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { type PipelineRun, runPipeline } from './pipeline.js';

const futexUnavailable = requireOrSkip(
  nativeUnavailableReason() === '',
  `waitDomain 'os' needs spsc-ring's addon: ${nativeUnavailableReason()}`,
);

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Everything every pipeline run must show, whatever its policy. */
function expectIntact(run: PipelineRun, recordsPerLane: number): void {
  // Conservation held at every check that saw one instant (a snapshot taken while buffers moved is retried, never judged).
  expect(run.checks.failures).toEqual([]);
  expect(run.checks.consistent).toBeGreaterThan(10);
  run.collectors.forEach((collector, lane) => {
    const producer = run.producers[lane]!;
    // Every record the producer wrote arrived once, in order, byte for byte.
    expect(collector.bad).toBe(0);
    expect(collector.received).toBe(producer.written);
    // Drops are exactly the missing sequence numbers (gaps, plus any after the last record that arrived).
    expect(collector.gaps + (producer.produced - collector.nextSequence)).toBe(producer.dropped);
    expect(producer.written + producer.dropped).toBe(producer.produced);
    expect(producer.produced).toBeGreaterThanOrEqual(recordsPerLane);
    expect(run.pool.stats().lanes[lane]!.droppedRecords).toBe(producer.dropped);
  });
  // And every buffer came home.
  expect(run.home.free + run.home.recycled).toBe(run.home.allocated);
}

describe('the pipeline under stress (2 lanes, random delays in every role)', () => {
  it('block policy: ≥ 10⁶ buffers, conservation at every check, every record once, none dropped', async () => {
    const recordsPerLane = 650_000;
    const run = await runPipeline({
      pool: {
        lanes: 2,
        bufferSize: 64,
        buffersPerBlock: 32,
        initialBlocks: 2,
        maxBlocks: 16,
        fullPolicy: 'block',
      },
      recordsPerLane,
      maxPayload: 48,
      delays: true,
    });
    expectIntact(run, recordsPerLane);
    expect(sum(run.producers.map((producer) => producer.dropped))).toBe(0);
    const stats = run.pool.stats();
    expect(sum(stats.lanes.map((lane) => lane.handoffs))).toBeGreaterThanOrEqual(1_000_000);
    expect(stats.lanes.map((lane) => lane.collected)).toEqual(
      run.collectors.map((collector) => collector.buffers),
    );
  });

  it('drop policy: ≥ 10⁶ buffers, drops counted exactly', async () => {
    const recordsPerLane = 900_000;
    const run = await runPipeline({
      // 32-byte buffers: one or two records each, so a million buffers take few records.
      pool: {
        lanes: 2,
        bufferSize: 32,
        buffersPerBlock: 32,
        initialBlocks: 2,
        maxBlocks: 16,
        fullPolicy: 'drop',
      },
      recordsPerLane,
      maxPayload: 24,
      delays: true,
      ratePerLane: 120_000,
      // The drops grow in a slow phase of the machine (793 k buffers once under two busy loops):
      // the producers write on until each lane handed its half of the million on.
      minHandoffsPerLane: 500_000,
    });
    expectIntact(run, recordsPerLane);
    expect(sum(run.pool.stats().lanes.map((lane) => lane.handoffs))).toBeGreaterThanOrEqual(
      1_000_000,
    );
  });

  it('a flat-out producer into a small pool drops, and every drop is counted', async () => {
    const recordsPerLane = 100_000;
    const run = await runPipeline({
      pool: { lanes: 2, bufferSize: 128, buffersPerBlock: 8, initialBlocks: 1, maxBlocks: 2 },
      recordsPerLane,
      maxPayload: 48,
    });
    expectIntact(run, recordsPerLane);
    expect(sum(run.producers.map((producer) => producer.dropped))).toBeGreaterThan(0);
  });
});

describe('thread mapping', () => {
  it('drains of both lanes in one worker and collectors of both in another keep every queue single-writer', async () => {
    const recordsPerLane = 50_000;
    const run = await runPipeline({
      pool: { lanes: 2, bufferSize: 256, fullPolicy: 'block', tickMs: 5 },
      recordsPerLane,
      maxPayload: 64,
      mapping: [
        ['producer:0'],
        ['producer:1'],
        ['drain:0', 'drain:1'],
        ['collector:0', 'collector:1', 'replenish'],
      ],
    });
    expectIntact(run, recordsPerLane);
  });

  it.skipIf(futexUnavailable)(
    'JS roles whose queues sleep on the OS futex, placed as deployed, keep every record and every buffer',
    async () => {
      const recordsPerLane = 50_000;
      const run = await runPipeline({
        // 16 buffers per lane and no growth, as bench/deployed.ts runs it: producers wait often.
        pool: {
          lanes: 2,
          bufferSize: 256,
          buffersPerBlock: 16,
          initialBlocks: 2,
          maxBlocks: 2,
          fullPolicy: 'block',
          waitDomain: 'os',
        },
        recordsPerLane,
        maxPayload: 64,
        delays: true,
        mapping: [
          ['producer:0'],
          ['producer:1'],
          ['drain:0', 'collector:0', 'drain:1', 'collector:1', 'replenish'],
        ],
      });
      expectIntact(run, recordsPerLane);
    },
  );

  it.each(['lock', 'mutex'] as const)(
    'the %s-guarded comparison queues run the same pipeline',
    async (queueKind) => {
      const recordsPerLane = 50_000;
      const run = await runPipeline({
        pool: { lanes: 2, bufferSize: 256, fullPolicy: 'block', queueKind },
        recordsPerLane,
        maxPayload: 64,
      });
      expectIntact(run, recordsPerLane);
    },
  );
});

describe('failures in a role', () => {
  it('a collector that throws is reported, its buffer returned, and the other lane keeps running', async () => {
    const recordsPerLane = 20_000;
    const run = await runPipeline({
      pool: { lanes: 2, bufferSize: 256, fullPolicy: 'block' },
      recordsPerLane,
      maxPayload: 64,
      throwEvery: 10,
    });
    const stats = run.pool.stats();
    for (const lane of stats.lanes) {
      // Every tenth handler call threw: counted, and the buffer still came home.
      const calls = lane.collected + lane.collectorErrors;
      expect(lane.collectorErrors).toBe(Math.floor(calls / 10));
      // The rest of the hand-offs are the empty buffers a closing producer sends home (at most its stash of 8 and its current one).
      expect(lane.handoffs - calls).toBeGreaterThanOrEqual(0);
      expect(lane.handoffs - calls).toBeLessThanOrEqual(9);
    }
    expect(run.home.free + run.home.recycled).toBe(run.home.allocated);
    expect(run.producers.map((producer) => producer.written)).toEqual([
      recordsPerLane,
      recordsPerLane,
    ]);
  });
});
