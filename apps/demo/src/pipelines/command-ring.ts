import { Worker } from 'node:worker_threads';
import { StatisticsView } from '@ringkit/metal-cmdring';
import type { CommandRingStatisticsLike } from '@ringkit/otel';
import { createRing, FixedConsumer } from '@ringkit/spsc-ring';
import type {
  ConservationReport,
  ControlMessage,
  LiveBooks,
  Pipeline,
  PipelineContext,
  PipelineFigures,
} from '../pipeline.js';
import { sentenceOf } from '../pipeline.js';
import { workerUrl } from '../worker-url.js';
import {
  BURST_SPAN_BYTES,
  CommandRingControl,
  type CommandRingMessage,
  type CommandRingReport,
  CommandRingWord,
  type CommandRingWorkerData,
  CommandTiming,
  CommandTimingStatus,
  type RingOpened,
} from '../workers/command-ring-protocol.js';
import { CommandTimings } from './command-timings.js';

/** Ring sizes the dashboard offers. */
export const RING_SIZES = [1, 2, 3, 4] as const;
const INITIAL_RING_SIZE = 2;
/** Encode E and execute X per command (µs): one slot gives X / (X + E) ≈ 50 %, more approach 100 %. */
const ENCODE_US = 100;
const EXECUTE_US = 100;
/** 20 commands (~2–4 ms) then ~2 ms of pause: about half a core on average, spread over two threads. */
const BURST_COMMANDS = 20;
const PAUSE_MS = 2;
/**
 * Utilisation is published per window of this much wall time: long enough to
 * ride out a scheduler slice lost to another pipeline, short enough to follow a switch.
 */
const WINDOW_MS = 500;
const SPAN_RING_CAPACITY = 1 << 10;
/** About 1.3 s of commands at ~3 000/s: the 100 ms drains keep it nearly empty. */
const TIMING_RING_CAPACITY = 1 << 12;
const DRAIN_EVERY_MS = 100;
/**
 * Trace spans for the commands of every other burst: ~1 500 a second, within the trace's budget
 * per pipeline and second (2 000), so no second's budget runs out early and leaves a hole, and the
 * burst spans keep their room.
 */
const TRACED_BURST_EVERY = 2;
/** The trace track of the commands as the device ran them (the decode worker's is 0). */
const DEVICE_TRACK = 1;
/** How long a ring-size switch may take before control() gives up. */
const SWITCH_TIMEOUT_MS = 10_000;

const noop = () => {};

/**
 * The commands' books, read in LiveBooks' order. A submitted command holds its slot until it
 * completes, so at most the ring size are in flight; one more allows for the worker storing
 * SUBMITTED just before it refreshes COMPLETED. During a switch the ring open may be the old
 * size or the requested one: the larger counts.
 */
function liveBooks(
  counters: Float64Array,
  openRingSize: number,
  controlWords: Int32Array | null,
): LiveBooks {
  const produced = counters[CommandRingWord.SUBMITTED]!;
  const requested =
    controlWords === null
      ? openRingSize
      : Atomics.load(controlWords, CommandRingControl.REQUESTED_RING_SIZE);
  const slots = Math.max(openRingSize, requested);
  const delivered = counters[CommandRingWord.COMPLETED]!;
  const dropped = counters[CommandRingWord.ABANDONED]!;
  return {
    produced,
    inFlight: slots + 1,
    delivered,
    dropped,
    producedAfter: counters[CommandRingWord.SUBMITTED]!,
    heldIn: `the ring's ${slots} slots and the command being submitted`,
  };
}

/**
 * The statistics of every ring the worker opened, added up: a ring-size switch closes one ring
 * and opens another whose counters start at 0, and an exported counter must never go down. A
 * closed ring's block stays readable and no longer changes, so the sum is exact at any instant.
 */
export function combinedStatistics(views: readonly StatisticsView[]): CommandRingStatisticsLike {
  const sum = { acquisitions: 0, releases: 0, waits: 0, waitMs: 0, timeouts: 0, submitted: 0 };
  let completedFences = 0;
  for (const view of views) {
    const stats = view.read();
    sum.acquisitions += stats.totalAcquisitions;
    sum.releases += stats.totalReleases;
    sum.waits += stats.waitEvents;
    sum.waitMs += stats.totalWaitMs;
    sum.timeouts += stats.acquireTimeouts;
    sum.submitted += stats.submittedFences;
    completedFences += stats.completedFences;
  }
  return {
    totalAcquisitions: sum.acquisitions,
    totalReleases: sum.releases,
    waitEvents: sum.waits,
    reuseRate:
      sum.acquisitions > 0 ? Math.min(1, Math.max(0, 1 - sum.waits / sum.acquisitions)) : 1,
    totalWaitMs: sum.waitMs,
    acquireTimeouts: sum.timeouts,
    submittedFences: sum.submitted,
    completedFences,
    tracked: views.at(-1)?.read().tracked ?? true,
  };
}

/**
 * @ringkit/metal-cmdring: a synthetic decode loop in a worker (acquireSync,
 * encode by spinning, X µs of device work, submit) on the cpu backend, or on
 * cuda where a GPU is available. The dashboard switches the ring size live
 * (1–4); utilisation (device busy time / wall time during bursts), reuse rate
 * and average wait show what the extra slots buy.
 */
export function createCommandRingPipeline(): Pipeline {
  let context: PipelineContext | null = null;
  let worker: Worker | null = null;
  let counters: Float64Array | null = null;
  let controlWords: Int32Array | null = null;
  let spans: FixedConsumer | null = null;
  let timingRecords: FixedConsumer | null = null;
  const timings = new CommandTimings();
  let drainTimer: NodeJS.Timeout | undefined;
  let opened: RingOpened | null = null;
  let statistics: StatisticsView | null = null;
  /** Every ring opened so far, the current one last, for the exported (cumulative) counters. */
  const openedStatistics: StatisticsView[] = [];
  let report: Promise<CommandRingReport> | null = null;
  let exited: Promise<number> | null = null;
  const openedListeners = new Set<(ring: RingOpened) => void>();

  const utilisation = () => counters?.[CommandRingWord.UTILISATION_PERCENT] ?? 0;

  /** The commands' completion records: into the panel's timings, and the trace as one span each. */
  const drainTimings = () => {
    if (context === null || timingRecords === null) return;
    const { trace, tracePid } = context;
    timingRecords.drain((bytes, offset, count) => {
      const view = new DataView(
        bytes.buffer,
        bytes.byteOffset + offset,
        count * CommandTiming.BYTES,
      );
      for (let i = 0, at = 0; i < count; i++, at += CommandTiming.BYTES) {
        const startNs = view.getFloat64(at + CommandTiming.START_NS, true);
        const endNs = view.getFloat64(at + CommandTiming.END_NS, true);
        timings.add(endNs - startNs, view.getFloat64(at + CommandTiming.GAP_NS, true));
        if (view.getUint32(at + CommandTiming.BURST, true) % TRACED_BURST_EVERY !== 0) continue;
        if (!trace.wants(tracePid)) continue;
        const fence = view.getFloat64(at + CommandTiming.FENCE, true);
        trace.complete(
          tracePid,
          DEVICE_TRACK,
          'metal-cmdring',
          `command ${fence}`,
          trace.fromMonotonicNs(startNs),
          (endNs - startNs) / 1000,
          {
            fence,
            slot: view.getUint32(at + CommandTiming.SLOT, true),
            opCount: view.getUint32(at + CommandTiming.OP_COUNT, true),
            status:
              view.getUint32(at + CommandTiming.STATUS, true) === CommandTimingStatus.FAILED
                ? 'failed'
                : 'completed',
          },
        );
      }
    });
  };

  /** What the worker handed over since the last drain: command timings, then burst spans. */
  const drainRecords = () => {
    drainTimings();
    if (context === null || spans === null) return;
    const { trace, tracePid } = context;
    spans.drain((bytes, offset, count) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * BURST_SPAN_BYTES);
      for (let i = 0, at = 0; i < count; i++, at += BURST_SPAN_BYTES) {
        if (!trace.wants(tracePid)) continue;
        const commands = view.getUint32(at + 24, true);
        trace.complete(
          tracePid,
          0,
          'metal-cmdring',
          `burst of ${commands} commands`,
          trace.fromEpochMs(view.getFloat64(at, true)),
          view.getFloat64(at + 8, true) * 1000,
          {
            commands,
            ringSize: view.getUint32(at + 28, true),
            utilisationPercent: Math.round(view.getFloat64(at + 16, true) * 10) / 10,
          },
        );
      }
    });
    trace.counter(tracePid, 'command ring', trace.nowUs(), {
      utilisationPercent: utilisation(),
      ringSize: opened?.ringSize ?? 0,
      reuseRatePercent: 100 * (statistics?.read().reuseRate ?? 1),
    });
  };

  const takeTimings = () => {
    drainTimings();
    return timings.take(
      counters?.[CommandRingWord.TIMED] ?? 0,
      counters?.[CommandRingWord.TIMINGS_DROPPED] ?? 0,
    );
  };

  const onOpened = (ring: RingOpened) => {
    opened = ring;
    statistics = new StatisticsView(ring.statistics);
    openedStatistics.push(statistics);
    if (context !== null)
      context.trace.instant(
        context.tracePid,
        0,
        'metal-cmdring',
        `ring size ${ring.ringSize}`,
        context.trace.nowUs(),
        { ringSize: ring.ringSize, backend: ring.backend },
      );
    for (const listener of openedListeners) listener(ring);
  };

  /** Resolves when the worker has opened a ring of `ringSize`. */
  const whenOpened = (ringSize: number) =>
    new Promise<void>((resolve, reject) => {
      const listener = (ring: RingOpened) => {
        // Done when this size is open, or when a later request replaced it before it was.
        const requested =
          controlWords === null
            ? ringSize
            : Atomics.load(controlWords, CommandRingControl.REQUESTED_RING_SIZE);
        if (ring.ringSize !== ringSize && requested === ringSize) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `the decode worker did not open a ring of ${ringSize} slots within ${SWITCH_TIMEOUT_MS / 1000} s.`,
          ),
        );
      }, SWITCH_TIMEOUT_MS);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        openedListeners.delete(listener);
      };
      openedListeners.add(listener);
    });

  return {
    id: 'command-ring',
    title: 'metal-cmdring command ring',
    async start(started: PipelineContext) {
      context = started;
      const countersBuffer = new SharedArrayBuffer(
        CommandRingWord.COUNT * Float64Array.BYTES_PER_ELEMENT,
      );
      const controlBuffer = new SharedArrayBuffer(
        CommandRingControl.COUNT * Int32Array.BYTES_PER_ELEMENT,
      );
      counters = new Float64Array(countersBuffer);
      controlWords = new Int32Array(controlBuffer);
      Atomics.store(controlWords, CommandRingControl.REQUESTED_RING_SIZE, INITIAL_RING_SIZE);
      const traceRing = started.trace.enabled
        ? createRing({
            kind: 'fixed',
            capacity: SPAN_RING_CAPACITY,
            recordSize: BURST_SPAN_BYTES,
            fullPolicy: 'drop',
          })
        : null;
      spans = traceRing === null ? null : FixedConsumer.attach(traceRing);
      const timingRing = createRing({
        kind: 'fixed',
        capacity: TIMING_RING_CAPACITY,
        recordSize: CommandTiming.BYTES,
        fullPolicy: 'drop',
      });
      timingRecords = FixedConsumer.attach(timingRing);
      started.trace.nameThread(started.tracePid, 0, 'decode worker');
      started.trace.nameThread(started.tracePid, DEVICE_TRACK, 'device (commands as run)');
      const data: CommandRingWorkerData = {
        counters: countersBuffer,
        control: controlBuffer,
        ringSize: INITIAL_RING_SIZE,
        encodeUs: ENCODE_US,
        executeUs: EXECUTE_US,
        burstCommands: BURST_COMMANDS,
        pauseMs: PAUSE_MS,
        windowMs: WINDOW_MS,
        traceRing,
        timingRing,
      };
      const running = new Worker(workerUrl('command-ring-worker'), { workerData: data });
      worker = running;
      exited = new Promise<number>((resolve) => running.once('exit', resolve));
      const first = whenOpened(INITIAL_RING_SIZE);
      first.catch(() => {}); // awaited below, unless the worker reports first
      report = new Promise<CommandRingReport>((resolve, reject) => {
        running.on('message', (message: CommandRingMessage) => {
          if ('opened' in message) onOpened(message.opened);
          else if ('report' in message) resolve(message.report);
          else started.fail(new Error(`the decode loop stopped: ${message.error}`));
        });
        running.once('error', (error) => {
          reject(error);
          started.fail(error);
        });
        running.once('exit', (code) =>
          reject(new Error(`the decode worker exited with code ${code} before reporting`)),
        );
      });
      report.catch(() => {}); // read in stop(); a failure is reported there and through context.fail
      // The first ring is open (or the worker failed before it was).
      await Promise.race([first, report.then(noop, noop)]);
      if (opened === null) {
        const final: unknown = await report.catch((error: unknown) => error);
        const why =
          typeof final === 'object' && final !== null && 'error' in final
            ? (final as CommandRingReport).error
            : final;
        throw new Error(`the command ring did not start: ${sentenceOf(why)}`);
      }
      // Always: the panel's timings come through here too, not only the trace's spans.
      drainTimer = setInterval(drainRecords, DRAIN_EVERY_MS);
    },
    observeMetrics(metrics, attributes) {
      // The ring lives in the worker: its statistics blocks are read here, every ring's added up.
      return [
        metrics.observeCommandRing(
          'command-ring',
          { stats: () => combinedStatistics(openedStatistics) },
          attributes,
        ),
      ];
    },
    snapshot(): PipelineFigures {
      if (counters === null || opened === null || statistics === null)
        return { banner: null, sources: [], rings: [], panels: [] };
      // Books first (their read order matters: see LiveBooks), then the figures.
      const books = liveBooks(counters, opened.ringSize, controlWords);
      const stats = statistics.read();
      const inFlight = Math.min(
        opened.ringSize,
        Math.max(0, stats.submittedFences - stats.completedFences),
      );
      // The most in flight right after any submit since the previous sample (the worker raises
      // the word; this, the one monitor, takes it once per sample).
      const peak =
        controlWords === null
          ? inFlight
          : Math.min(
              opened.ringSize,
              Atomics.exchange(controlWords, CommandRingControl.PEAK_IN_FLIGHT, 0),
            );
      const device = opened.device === null ? '' : `, ${opened.device}`;
      return {
        banner: null,
        sources: [
          {
            name: 'commands',
            delivered: counters[CommandRingWord.COMPLETED]!,
            dropped: counters[CommandRingWord.ABANDONED]!,
          },
        ],
        rings: [{ name: 'command ring slots', used: inFlight, capacity: opened.ringSize, peak }],
        panels: [
          {
            kind: 'command-ring',
            title: `Command ring (${opened.backend} backend${device}; encode ${ENCODE_US} µs, execute ${EXECUTE_US} µs)`,
            utilisationPercent: utilisation(),
            reuseRate: stats.reuseRate,
            averageWaitMs: stats.avgWaitMs,
            ringSize: opened.ringSize,
            ringSizes: RING_SIZES,
            timings: takeTimings(),
          },
        ],
        books,
      };
    },
    async control(message: ControlMessage) {
      if (message.type !== 'set-ring-size')
        throw new Error(
          `the command-ring pipeline takes only set-ring-size messages, not ${JSON.stringify(message.type)}.`,
        );
      const { ringSize } = message;
      if (
        typeof ringSize !== 'number' ||
        !Number.isInteger(ringSize) ||
        !(RING_SIZES as readonly number[]).includes(ringSize)
      )
        throw new Error(
          `the ring size must be a whole number from ${RING_SIZES[0]} to ${RING_SIZES.at(-1)}, got ${JSON.stringify(ringSize) ?? String(ringSize)}.`,
        );
      if (controlWords === null || opened === null)
        throw new Error('the command ring is not running.');
      if (opened.ringSize === ringSize) return;
      const switched = whenOpened(ringSize);
      Atomics.store(controlWords, CommandRingControl.REQUESTED_RING_SIZE, ringSize);
      await switched;
    },
    async stop(): Promise<ConservationReport> {
      if (worker === null || report === null || controlWords === null)
        return { produced: 0, delivered: 0, dropped: 0, ok: true, detail: 'never started' };
      Atomics.store(controlWords, CommandRingControl.STOP, 1);
      Atomics.notify(controlWords, CommandRingControl.STOP);
      let final: CommandRingReport;
      try {
        final = await report;
      } catch (error) {
        await exited;
        clearInterval(drainTimer);
        drainRecords();
        return {
          produced: counters?.[CommandRingWord.SUBMITTED] ?? 0,
          delivered: counters?.[CommandRingWord.COMPLETED] ?? 0,
          dropped: counters?.[CommandRingWord.ABANDONED] ?? 0,
          ok: false,
          detail: `the decode worker gave no report: ${sentenceOf(error)}`,
        };
      }
      await exited;
      clearInterval(drainTimer);
      drainRecords();
      const problems: string[] = [];
      if (final.error !== null) problems.push(`a command failed: ${sentenceOf(final.error)}`);
      if (final.submitted !== final.ringSubmitted)
        problems.push(
          `the loop submitted ${final.submitted} commands, the rings' statistics counted ${final.ringSubmitted}`,
        );
      const ok = problems.length === 0 && final.submitted === final.completed + final.abandoned;
      if (ok === false && problems.length === 0)
        problems.push(
          `${final.submitted} commands submitted, but ${final.completed} completed and ${final.abandoned} abandoned`,
        );
      return {
        produced: final.submitted,
        delivered: final.completed,
        dropped: final.abandoned,
        ok,
        detail: ok
          ? `${final.submitted} commands submitted over ${final.rings} ring${final.rings === 1 ? '' : 's'} (the loop's count = the rings' statistics), ${final.completed} fences completed, ${final.abandoned} abandoned on close; ${counters?.[CommandRingWord.TIMED] ?? 0} completion records read, ${counters?.[CommandRingWord.TIMINGS_DROPPED] ?? 0} lost; worker joined`
          : problems.join('; '),
      };
    },
  };
}
