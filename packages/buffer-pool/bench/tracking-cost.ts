/**
 * What allocation tracking costs *off* the app thread: CPU time of the sender
 * thread and of the tracking server process, and the server's page faults, per
 * event, while an app records events at a steady rate (default 170 000/s, the
 * rate of bench/tracking.bench.ts's loop). On a 2-vCPU machine that work runs
 * beside the app, so it is part of tracking's overhead. An idle phase first gives
 * the cost of merely being connected, which is subtracted. Linux only (/proc).
 *
 *   npx tsx bench/tracking-cost.ts [eventsPerSecond] [seconds] [idleSeconds]
 *
 * The idle phase's length matters to the server's page faults: after ~10 s idle
 * its heap is trimmed, and the buffers Node allocates per socket read fault again.
 */
import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllocationTracker, type TrackingSnapshot } from '../src/tracking/index.js';

if (process.platform !== 'linux') {
  console.log('tracking-cost reads /proc and runs on Linux only.');
  process.exit(0);
}
const rate = Number(process.argv[2] ?? 170_000);
const seconds = Number(process.argv[3] ?? 10);
const idleSeconds = Number(process.argv[4] ?? 3);
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

interface TaskTimes {
  readonly userMs: number;
  readonly systemMs: number;
  readonly minorFaults: number;
}

/** utime, stime and minflt of a process or thread, from its stat file. */
function taskTimes(statPath: string): TaskTimes {
  // Fields after the command name: state is field 3, so minflt (10) is [7], utime (14) [11], stime (15) [12].
  const fields = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ');
  const ms = (ticks: string) => (Number(ticks) * 1000) / ticksPerSecond;
  return { userMs: ms(fields[11]!), systemMs: ms(fields[12]!), minorFaults: Number(fields[7]) };
}

const directory = mkdtempSync(join(tmpdir(), 'ringkit-tracking-cost-'));
const socketPath = join(directory, 'tracking.sock');
const server = fork(new URL('./workers/tracking-server.mjs', import.meta.url), [socketPath], {
  execArgv: ['--import', 'tsx'],
});
await once(server, 'message');

const threadsBefore = new Set(readdirSync('/proc/self/task'));
const tracker = new AllocationTracker({ socketPath });
tracker.alloc(0, 0, 0);
tracker.free(0, 0);
if (!(await tracker.flush(10_000))) throw new Error('the tracker could not reach the server');
const senderThreads = readdirSync('/proc/self/task').filter((tid) => !threadsBefore.has(tid));
if (senderThreads.length !== 1)
  throw new Error(`expected one new thread (the sender), found ${senderThreads.length}`);
const senderStat = `/proc/self/task/${senderThreads[0]}/stat`;
const serverStat = `/proc/${server.pid}/stat`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records `eventsPerSecond` (alloc/free pairs) for `durationMs`, in 20 ms slices between event-loop turns. */
async function record(eventsPerSecond: number, durationMs: number): Promise<number> {
  const start = performance.now();
  let events = 0;
  while (performance.now() - start < durationMs) {
    const sliceEnd = performance.now() + 20;
    while (performance.now() < sliceEnd) {
      const due = ((performance.now() - start) / 1000) * eventsPerSecond;
      for (; events < due; events += 2) {
        tracker.alloc(events & 7, 4096, events);
        tracker.free(events & 7, events);
      }
    }
    await sleep(0);
  }
  return events;
}

async function snapshot(): Promise<TrackingSnapshot> {
  server.send('snapshot');
  const [reply] = (await once(server, 'message')) as [{ snapshot: TrackingSnapshot }];
  return reply.snapshot;
}

async function phase(eventsPerSecond: number, phaseSeconds = seconds) {
  const sender0 = taskTimes(senderStat);
  const server0 = taskTimes(serverStat);
  const frames0 = (await snapshot()).frames;
  const events = await record(eventsPerSecond, phaseSeconds * 1000);
  await tracker.flush(10_000);
  const sender1 = taskTimes(senderStat);
  const server1 = taskTimes(serverStat);
  const frames = (await snapshot()).frames - frames0;
  const cpu = (a: TaskTimes, b: TaskTimes) => b.userMs + b.systemMs - a.userMs - a.systemMs;
  return {
    events,
    frames,
    senderMs: cpu(sender0, sender1),
    serverMs: cpu(server0, server1),
    serverSystemMs: server1.systemMs - server0.systemMs,
    serverFaults: server1.minorFaults - server0.minorFaults,
  };
}

const idle = await phase(0, idleSeconds);
const load = await phase(rate);
const stats = tracker.stats();
await tracker.close();
server.send('exit');
await once(server, 'exit');
rmSync(directory, { recursive: true, force: true });

/** CPU per event beyond idling, the idle phase scaled to the loaded phase's length. */
const perEvent = (loadMs: number, idleMs: number) =>
  `${(((loadMs - (idleMs * seconds) / idleSeconds) * 1e6) / load.events).toFixed(0)} ns/event`;
console.log(
  `tracking-cost: ${load.events} events in ${seconds} s (${rate}/s, after ${idleSeconds} s idle), ${load.frames} frames, ${stats.dropped} dropped`,
);
console.log(
  `  sender thread: ${load.senderMs.toFixed(0)} ms CPU (idle ${idle.senderMs.toFixed(0)} ms in ${idleSeconds} s) → ${perEvent(load.senderMs, idle.senderMs)}`,
);
console.log(
  `  server process: ${load.serverMs.toFixed(0)} ms CPU, ${load.serverSystemMs.toFixed(0)} ms of it in the kernel (idle ${idle.serverMs.toFixed(0)} ms in ${idleSeconds} s) → ${perEvent(load.serverMs, idle.serverMs)}; ` +
    `${load.serverFaults} page faults (idle ${idle.serverFaults}) for ${((load.events * 32) / 2 ** 20).toFixed(0)} MiB received`,
);
