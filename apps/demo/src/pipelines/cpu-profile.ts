import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { programs } from '@ringkit/bpf-ringbuf';
import type {
  ConservationReport,
  LiveBooks,
  Pipeline,
  PipelineContext,
  PipelineFigures,
} from '../pipeline.js';
import { sentenceOf } from '../pipeline.js';
import { workerUrl } from '../worker-url.js';
import type {
  CpuProfileMessage,
  CpuProfileStop,
  CpuProfileWorkerData,
  ProfileRead,
  ProfileReport,
} from '../workers/cpu-profile-protocol.js';

/** Off the beat of 100 Hz timers, as bcc's and perf's defaults are. */
export const PROFILE_FREQUENCY_HZ = 99;
export const PROFILE_TITLE = `CPU profile (${PROFILE_FREQUENCY_HZ} Hz)`;
/** The supervisor samples 4 times a second: a read per sample. */
const READ_EVERY_MS = 250;
/** Stacks handed to the panel (by cumulative count); the supervisor ranks them by rate. */
const STACKS_REPORTED = 48;

/**
 * bpf-ringbuf ships its profiler object beside its built-in programs' (bpf/), and names only
 * those in `programs`: the folder is found from one of them.
 */
function profileObjectPath(): string {
  return join(dirname(programs.syscalls.objectPath), 'profile.bpf.o');
}

/**
 * A CPU profiler of the demo's own process: bpf-ringbuf's profile program on a perf_event at
 * 99 Hz on every CPU, with `target_tgid` = this process, run by a worker that reads and empties
 * the `counts` map 4 times a second and counts each sample under its stack's label. Its own
 * process rather than every process: the panel then says where the demo's CPU time goes (the
 * decode worker's spinning, the lane workers, the eBPF reader's drains, the kernel work behind
 * each), which the other panels only count, and it reads the same on any machine, whatever else
 * runs there. Without BPF privileges the panel says why it is empty: a profiler showing
 * invented stacks would mislead.
 */
export function createCpuProfilePipeline(): Pipeline {
  let context: PipelineContext | null = null;
  let worker: Worker | null = null;
  let unavailable: string | null = null;
  /** The latest read: cumulative, consistent counts (one message). */
  let latest: ProfileRead | null = null;
  let report: Promise<ProfileReport> | null = null;
  let exited: Promise<number> | null = null;

  /** One read of the map as a span on the worker's track. */
  const traceRead = (read: ProfileRead) => {
    if (context === null || !context.trace.wants(context.tracePid)) return;
    const { trace, tracePid } = context;
    trace.complete(
      tracePid,
      0,
      'profile',
      'read counts',
      trace.fromEpochMs(read.startedAtEpochMs),
      read.durationMs * 1000,
      { samples: read.samples, stacks: read.entries },
    );
  };

  const books = (): LiveBooks => ({
    produced: latest?.read ?? 0,
    // The worker reads and counts in one step and sends the three counts in one message.
    inFlight: 0,
    delivered: latest?.shown ?? 0,
    dropped: latest?.lost ?? 0,
    producedAfter: latest?.read ?? 0,
    heldIn: 'the profiler (read and counted at once)',
  });

  return {
    id: 'cpu-profile',
    title: 'eBPF CPU profile',
    async start(starting: PipelineContext) {
      context = starting;
      const { trace, tracePid } = starting;
      trace.nameThread(tracePid, 0, 'profiler worker');
      const data: CpuProfileWorkerData = {
        objectPath: profileObjectPath(),
        frequencyHz: PROFILE_FREQUENCY_HZ,
        targetTgid: process.pid,
        readEveryMs: READ_EVERY_MS,
        stacksReported: STACKS_REPORTED,
      };
      const running = new Worker(workerUrl('cpu-profile-worker'), { workerData: data });
      worker = running;
      exited = new Promise<number>((resolve) => running.once('exit', resolve));
      const started = new Promise<void>((resolve, reject) => {
        report = new Promise<ProfileReport>((resolveReport, rejectReport) => {
          running.on('message', (message: CpuProfileMessage) => {
            if ('started' in message) {
              trace.instant(tracePid, 0, 'profile', 'perf_event attached', trace.nowUs(), {
                frequencyHz: PROFILE_FREQUENCY_HZ,
                targetTgid: process.pid,
              });
              resolve();
            } else if ('unavailable' in message) {
              unavailable = message.unavailable;
              trace.instant(tracePid, 0, 'profile', 'profiler unavailable', trace.nowUs(), {
                reason: unavailable,
              });
              resolve();
            } else if ('read' in message) {
              latest = message.read;
              traceRead(message.read);
            } else if ('report' in message) {
              traceRead(message.report.last);
              resolveReport(message.report);
            } else starting.fail(new Error(`the profiler stopped: ${message.error}`));
          });
          running.once('error', (error) => {
            reject(error);
            rejectReport(error);
            starting.fail(error);
          });
          running.once('exit', (code) => {
            const why = new Error(`the profiler worker exited with code ${code} before reporting`);
            reject(why);
            rejectReport(why);
          });
        });
        report.catch(() => {}); // read in stop(); a failure is reported there and through fail
      });
      await started;
    },
    snapshot(): PipelineFigures {
      // A track of its own in the trace, available or not: what the profiler has read so far.
      context?.trace.counter(context.tracePid, 'profile samples', context.trace.nowUs(), {
        read: latest?.read ?? 0,
        lost: latest?.lost ?? 0,
      });
      if (unavailable !== null)
        return {
          banner: `CPU profile unavailable: ${unavailable}`,
          sources: [],
          rings: [],
          panels: [
            {
              kind: 'top-list',
              title: `${PROFILE_TITLE}: unavailable: ${unavailable}`,
              itemName: 'stack',
              counts: [],
            },
          ],
          books: books(),
        };
      return {
        banner: null,
        // From the first read on: before it the worker has counted nothing yet.
        sources:
          latest === null
            ? []
            : [
                {
                  name: `CPU samples (perf_event, ${PROFILE_FREQUENCY_HZ} Hz, this process)`,
                  delivered: latest.shown,
                  dropped: latest.lost,
                },
              ],
        rings: [],
        panels: [
          {
            kind: 'top-list',
            title: PROFILE_TITLE,
            itemName: 'stack',
            counts: latest?.stacks ?? [],
          },
        ],
        books: books(),
      };
    },
    async stop(): Promise<ConservationReport> {
      if (worker === null || report === null)
        return { produced: 0, delivered: 0, dropped: 0, ok: true, detail: 'never started' };
      if (unavailable !== null) {
        await exited;
        return {
          produced: 0,
          delivered: 0,
          dropped: 0,
          ok: true,
          detail: `no profile taken: ${unavailable}`,
        };
      }
      const stop: CpuProfileStop = { stop: true };
      worker.postMessage(stop);
      let final: ProfileReport;
      try {
        final = await report;
      } catch (error) {
        await exited;
        return {
          produced: latest?.read ?? 0,
          delivered: latest?.shown ?? 0,
          dropped: latest?.lost ?? 0,
          ok: false,
          detail: `the profiler worker gave no report: ${sentenceOf(error)}`,
        };
      }
      await exited;
      latest = final.last;
      const { read, shown, lost, labels } = final.last;
      const ok = read === shown + lost && final.detached;
      return {
        produced: read,
        delivered: shown,
        dropped: lost,
        ok,
        detail: ok
          ? `${read} samples read from the counts map: ${shown} counted under ${labels} stacks, ${lost} with a lost stack; perf_event detached; worker joined`
          : `${read} samples read, but ${shown} counted and ${lost} lost; perf_event ${final.detached ? 'detached' : 'still attached'}`,
      };
    },
  };
}
