import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  BufferPool,
  createBufferPool,
  type NativeProducer,
  type NativeProducerResult,
  type PoolStats,
  recordSpan,
  startNativeProducer,
} from '@ringkit/buffer-pool';
import { AllocationTracker, TrackingServer } from '@ringkit/buffer-pool/tracking';
import { createRing, FixedConsumer } from '@ringkit/spsc-ring';
import type {
  ConservationReport,
  LiveBooks,
  Pipeline,
  PipelineContext,
  PipelineFigures,
} from '../pipeline.js';
import { sentenceOf } from '../pipeline.js';
import { workerUrl } from '../worker-url.js';
import {
  COLLECT_SPAN_BYTES,
  HOST_DEVICE,
  type LaneReport,
  LaneWord,
  type LaneWorkerData,
} from '../workers/lane-protocol.js';

/** Records per second each simulated device thread produces: two devices at different paces. */
const LANE_RATES = [80_000, 30_000] as const;
/** Record payloads vary like a device's variable-size outputs. */
const RECORD_BYTES: [number, number] = [64, 1024];
/** 64 KiB: ~50 ms of records each at these rates. */
const BUFFER_SIZE = 64 * 1024;
/** The most records one buffer holds: all of the smallest size. */
const RECORDS_PER_BUFFER = Math.floor(BUFFER_SIZE / recordSpan(RECORD_BYTES[0]));
const SPAN_RING_CAPACITY = 1 << 13;
const SPAN_DRAIN_EVERY_MS = 100;
/** How long the server may take to read what the trackers wrote before the books are closed. */
const TRACKING_SETTLE_MS = 3000;

interface Lane {
  readonly worker: Worker;
  readonly counters: Float64Array;
  readonly report: Promise<LaneReport>;
  readonly spans: FixedConsumer | null;
  producer: NativeProducer | null;
}

/**
 * buffer-pool: one native producer thread per simulated device lane writes
 * records into pool buffers; each lane's drain and collector run in a worker
 * (lane 0's also runs replenish). Every allocation the collectors make, and the
 * pool's blocks, are reported by AllocationTrackers to a TrackingServer over
 * a Unix socket.
 */
export function createDeviceLanesPipeline(): Pipeline {
  let context: PipelineContext | null = null;
  let server: TrackingServer | null = null;
  let hostTracker: AllocationTracker | null = null;
  let pool: BufferPool | null = null;
  const lanes: Lane[] = [];
  let spanTimer: NodeJS.Timeout | undefined;

  const drainSpans = () => {
    if (context === null) return;
    const { trace, tracePid } = context;
    lanes.forEach((lane, index) => {
      lane.spans?.drain((bytes, offset, count) => {
        const view = new DataView(
          bytes.buffer,
          bytes.byteOffset + offset,
          count * COLLECT_SPAN_BYTES,
        );
        for (let i = 0, at = 0; i < count; i++, at += COLLECT_SPAN_BYTES) {
          if (!trace.wants(tracePid)) continue;
          trace.complete(
            tracePid,
            index,
            'buffer-pool',
            'collect buffer',
            trace.fromEpochMs(view.getFloat64(at, true)),
            view.getFloat64(at + 8, true) * 1000,
            { records: view.getUint32(at + 16, true), bytes: view.getUint32(at + 20, true) },
          );
        }
      });
    });
  };

  /**
   * The records' books, as stop() keeps them (written + dropped = collected + dropped), read
   * while they move. `stats` was read first: its producer counts are `produced`. Records in
   * flight are in buffers being filled, ready, or with a collector (which counts a buffer's
   * records before it lets go of it); the pool's conservation check counts those buffers at
   * one quiet instant (every role's move windows closed), and each holds at most
   * RECORDS_PER_BUFFER records. Without a quiet instant, every buffer of the pool is the bound.
   */
  const books = (running: BufferPool, stats: PoolStats): LiveBooks => {
    const produced = stats.lanes.reduce((sum, lane) => sum + lane.records + lane.droppedRecords, 0);
    const check = running.conservationCheck();
    const buffersInFlight = check.consistent
      ? check.filling + check.ready + check.inCollector
      : check.allocated;
    const delivered = lanes.reduce((sum, lane) => sum + lane.counters[LaneWord.RECORDS]!, 0);
    const after = running.stats().lanes;
    return {
      produced,
      inFlight: buffersInFlight * RECORDS_PER_BUFFER,
      delivered,
      dropped: after.reduce((sum, lane) => sum + lane.droppedRecords, 0),
      producedAfter: after.reduce((sum, lane) => sum + lane.records + lane.droppedRecords, 0),
      heldIn: `the ${buffersInFlight} buffers in use`,
    };
  };

  return {
    id: 'device-lanes',
    title: 'buffer-pool device lanes',
    async start(started: PipelineContext) {
      context = started;
      const socketPath = join(tmpdir(), `${started.namePrefix}-tracking.sock`);
      server = await TrackingServer.listen(socketPath, {
        onReject: (reason) =>
          started.fail(new Error(`the tracking server refused a client: ${reason}`)),
      });
      hostTracker = new AllocationTracker({ socketPath });
      pool = createBufferPool({
        lanes: LANE_RATES.length,
        // ~50 ms of records per buffer at these rates, so a worker that loses its
        // core for a few scheduler slices does not run its producer dry.
        bufferSize: BUFFER_SIZE,
        buffersPerBlock: 16,
        // Start with what the lanes need when a busy machine delays their workers;
        // replenish grows the pool from there if they need more.
        initialBlocks: 4,
        maxBlocks: 16,
        fullPolicy: 'drop',
        // Native producers wake JS sleepers by futex, which Atomics.wait never sees.
        waitDomain: 'os',
        tracker: hostTracker,
        device: HOST_DEVICE,
      });
      for (let lane = 0; lane < LANE_RATES.length; lane++) {
        started.trace.nameThread(started.tracePid, lane, `lane ${lane} collector`);
        lanes.push(startLaneWorker(pool, lane, socketPath, started));
      }
      await Promise.all(lanes.map((lane) => whenStarted(lane.worker)));
      await whenSupplied(pool);
      lanes.forEach((lane, index) => {
        lane.producer = startNativeProducer(pool!.spec, index, {
          records: Number.MAX_SAFE_INTEGER,
          recordBytes: RECORD_BYTES,
          ratePerSecond: LANE_RATES[index]!,
          seed: index + 1,
        });
        lane.producer.done.catch(started.fail);
      });
      if (started.trace.enabled) spanTimer = setInterval(drainSpans, SPAN_DRAIN_EVERY_MS);
    },
    observeMetrics(metrics, attributes) {
      if (pool === null || server === null) return [];
      return [
        // A handle of its own: a BufferPool measures its hand-off rate between two stats() calls
        // on the same object, and snapshot() reads `pool` every tick.
        metrics.observePool('device-lanes', BufferPool.open(pool.spec), attributes),
        metrics.observeTrackingServer('device-lanes', server, attributes),
      ];
    },
    snapshot(): PipelineFigures {
      if (pool === null || server === null)
        return { banner: null, sources: [], rings: [], panels: [] };
      const stats = pool.stats();
      const tracking = server.snapshot();
      return {
        banner: null,
        sources: [
          ...stats.lanes.map((lane) => ({
            name: `lane ${lane.lane} (native producer → worker)`,
            delivered: lanes[lane.lane]!.counters[LaneWord.RECORDS]!,
            dropped: lane.droppedRecords,
          })),
          {
            name: 'allocation tracking events',
            delivered: tracking.events,
            dropped: tracking.clientsDropped,
          },
        ],
        rings: stats.lanes.map((lane) => ({
          name: `lane ${lane.lane} ready queue (buffers)`,
          used: lane.ready,
          capacity: stats.buffers,
          // The producer's high mark: the deepest ready queue it saw after a hand-off (every
          // 16th), since the start (only the producer writes it; the pool has no way to take it).
          peak: stats.buffers - lane.readyMargin,
          peakSince: 'start' as const,
        })),
        panels: [
          {
            kind: 'lanes',
            title: 'Buffers per lane',
            lanes: stats.lanes.map((lane) => ({
              lane: lane.lane,
              free: lane.free,
              filling: lane.filling,
              ready: lane.ready,
              inCollector: lane.inCollector,
              done: lane.done,
              recycled: lane.recycled,
              freeMargin: lane.freeMargin,
              readyMargin: lane.readyMargin,
            })),
          },
          {
            kind: 'tracking',
            title: 'Tracked live bytes per device',
            devices: Object.entries(tracking.devices).map(([device, totals]) => ({
              device: Number(device) === HOST_DEVICE ? 'host (pool blocks)' : `device ${device}`,
              liveBytes: totals.liveBytes,
              peakLiveBytes: totals.peakLiveBytes,
            })),
          },
        ],
        books: books(pool, stats),
      };
    },
    async stop(): Promise<ConservationReport> {
      if (pool === null || server === null)
        return { produced: 0, delivered: 0, dropped: 0, ok: true, detail: 'never started' };
      const problems: string[] = [];
      // Producers first: each closes its lane, so its drain can finish what is queued.
      const results: (NativeProducerResult | null)[] = await Promise.all(
        lanes.map(async (lane) => {
          lane.producer?.stop();
          return (
            lane.producer?.done.catch((error: unknown) => {
              problems.push(`lane producer failed: ${sentenceOf(error)}`);
              return null;
            }) ?? null
          );
        }),
      );
      pool.complete();
      const reports = await Promise.all(
        lanes.map((lane) =>
          lane.report.catch((error: unknown) => {
            problems.push(sentenceOf(error));
            return null;
          }),
        ),
      );
      const home = await pool.whenAllHome(10_000).catch((error: unknown) => {
        problems.push(sentenceOf(error));
        return null;
      });
      clearInterval(spanTimer);
      drainSpans();
      await hostTracker?.close();
      const trackers = [...reports.map((report) => report?.tracker), hostTracker?.stats()];
      const sent = trackers.reduce((sum, stats) => sum + (stats?.sent ?? 0), 0);
      const deadline = performance.now() + TRACKING_SETTLE_MS;
      while (server.snapshot().events < sent && performance.now() < deadline) await delay(10);
      const tracking = server.snapshot();
      await server.close();
      if (existsSync(server.socketPath))
        problems.push(`the socket ${server.socketPath} is still there`);

      let produced = 0;
      let delivered = 0;
      let dropped = 0;
      results.forEach((result, lane) => {
        const received = reports[lane]?.records ?? 0;
        produced += (result?.written ?? 0) + (result?.dropped ?? 0);
        delivered += received;
        dropped += result?.dropped ?? 0;
        if (result !== null && result.written !== received)
          problems.push(
            `lane ${lane}: the producer wrote ${result.written} records, the collector got ${received}`,
          );
      });
      if (home === null) problems.push('the buffers did not all come home');
      for (const stats of trackers) {
        if (stats === undefined) continue;
        const accounted = stats.sent + stats.dropped + stats.droppedWhileDisconnected;
        if (stats.recorded !== accounted)
          problems.push(
            `a tracker recorded ${stats.recorded} events but accounts for ${accounted}`,
          );
      }
      if (tracking.events !== sent)
        problems.push(`the trackers sent ${sent} events, the server received ${tracking.events}`);
      const ok = problems.length === 0 && produced === delivered + dropped;
      return {
        produced,
        delivered,
        dropped,
        ok,
        detail: ok
          ? `every record written was collected; all ${home!.allocated} buffers home; ${sent} tracking events sent and received; socket removed`
          : problems.join('; '),
      };
    },
  };
}

function startLaneWorker(
  pool: BufferPool,
  lane: number,
  socketPath: string,
  context: PipelineContext,
): Lane {
  const counters = new SharedArrayBuffer(LaneWord.COUNT * Float64Array.BYTES_PER_ELEMENT);
  const traceRing = context.trace.enabled
    ? createRing({
        kind: 'fixed',
        capacity: SPAN_RING_CAPACITY,
        recordSize: COLLECT_SPAN_BYTES,
        fullPolicy: 'drop',
      })
    : null;
  const data: LaneWorkerData = {
    spec: pool.spec,
    lane,
    replenish: lane === 0,
    trackingSocket: socketPath,
    counters,
    traceRing,
  };
  const worker = new Worker(workerUrl('device-lane-worker'), { workerData: data });
  const report = new Promise<LaneReport>((resolve, reject) => {
    worker.on('message', (message: { report?: LaneReport }) => {
      if (message.report !== undefined) resolve(message.report);
    });
    worker.once('error', (error) => {
      reject(error);
      context.fail(error);
    });
    worker.once('exit', (code) =>
      reject(new Error(`lane ${lane}'s worker exited with code ${code} before reporting`)),
    );
  });
  report.catch(() => {}); // read in stop(); a failure is reported there and through context.fail
  return {
    worker,
    counters: new Float64Array(counters),
    report,
    spans: traceRing === null ? null : FixedConsumer.attach(traceRing),
    producer: null,
  };
}

function whenStarted(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.on('message', (message: { started?: boolean }) => message.started && resolve());
    worker.once('error', reject);
  });
}

/**
 * Waits until every lane's drain has moved its seeded buffers to the free
 * queue: a producer started earlier finds none and drops its first records.
 */
async function whenSupplied(pool: BufferPool): Promise<void> {
  const deadline = performance.now() + 2000;
  while (performance.now() < deadline && pool.stats().lanes.some((lane) => lane.free === 0))
    await delay(5);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
