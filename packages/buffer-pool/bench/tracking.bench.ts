/**
 * The package's overhead gate for allocation tracking: workloads reporting every alloc and
 * free to an AllocationTracker in `async` mode, against the same loop with tracking `off`:
 * - tracking-async: a tensor-like alloc/free loop (~12 µs a step, two events), budget 8%, aim ≤ 3%;
 * - tracking-async-allocator: a slab allocator's tight loop (~2.25 M pairs/s), budget 10%;
 * - tracking-async-sparse: one event per ~10 µs of work, budget 0.5%;
 * and what one event costs the app thread (tracking-event-cost, ≤ 25 ns). Beside them,
 * `blocking` against `off`, reported, not gated. The tracking server runs in a child process.
 * `npx bench-kit run bench/tracking.bench.ts`
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSuite, latency, overhead } from '@ringkit/bench-kit';
import {
  AllocationTracker,
  type TrackingMode,
  type TrackingSnapshot,
} from '../src/tracking/index.js';
import { type App, allocFreeSteps, createApp } from './alloc-free-loop.js';
import { allocatorSteps, createSlabApp, type SlabApp } from './allocator-loop.js';

interface TrackingSetup {
  server: ChildProcess;
  directory: string;
  off: App;
  on: App;
  slabOff: SlabApp;
  slabOn: SlabApp;
  sparseOff: SparseApp;
  sparseOn: SparseApp;
}
let current: TrackingSetup | undefined;

/** One event per ~10 µs of the app's own work (a hash chain), alloc and free in turn. */
interface SparseApp {
  readonly tracker: AllocationTracker;
  step: number;
  hash: number;
}

/** Hash rounds per step: ~10 µs on the 2-vCPU VM. */
const SPARSE_WORK = 8400;

function sparseSteps(steps: number, app: SparseApp): number {
  const { tracker } = app;
  let hash = app.hash;
  for (let step = 0; step < steps; step++) {
    for (let round = 0; round < SPARSE_WORK; round++) hash = Math.imul(hash ^ round, 0x9e3779b1);
    const event = app.step++;
    const id = event >> 1;
    if ((event & 1) === 0) tracker.alloc(id & 7, 4096, id);
    else tracker.free(id & 7, id);
  }
  app.hash = hash;
  return hash;
}

async function startTracking(mode: TrackingMode): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'ringkit-tracking-bench-'));
  const socketPath = join(directory, 'tracking.sock');
  const server = fork(new URL('./workers/tracking-server.mjs', import.meta.url), [socketPath], {
    execArgv: ['--import', 'tsx'],
  });
  const [ready] = (await once(server, 'message')) as [{ listening: string }];
  if (!ready.listening) throw new Error('the tracking server did not start');
  const tracker = new AllocationTracker({ socketPath, mode });
  // Steady state before sampling: the sender thread started and connected (one empty alloc/free pair).
  tracker.alloc(0, 0, 0);
  tracker.free(0, 0);
  if (!(await tracker.flush(10_000))) throw new Error('the tracker could not reach the server');
  const off = new AllocationTracker({ socketPath, mode: 'off' });
  current = {
    server,
    directory,
    off: createApp(off),
    on: createApp(tracker),
    slabOff: createSlabApp(off),
    slabOn: createSlabApp(tracker),
    sparseOff: { tracker: off, step: 0, hash: 1 },
    sparseOn: { tracker, step: 0, hash: 1 },
  };
}

async function stopTracking(): Promise<void> {
  if (current === undefined) return;
  const { server, directory } = current;
  const on = current.on.tracker;
  current = undefined;
  await on.flush(10_000);
  const stats = on.stats();
  await on.close();
  server.send('snapshot');
  const [reply] = (await once(server, 'message')) as [{ snapshot: TrackingSnapshot }];
  server.send('exit');
  await once(server, 'exit');
  rmSync(directory, { recursive: true, force: true });
  const { events, devices } = reply.snapshot;
  const peak = Object.values(devices).reduce((sum, device) => sum + device.peakLiveBytes, 0);
  console.log(
    `  (${stats.mode}: ${stats.recorded} events recorded, ${stats.sent} sent, ${stats.dropped} dropped, ` +
      `${stats.droppedWhileDisconnected} dropped while disconnected; the server read ${events}, ` +
      `peak live ${(peak / 2 ** 20).toFixed(1)} MiB over ${Object.keys(devices).length} devices)`,
  );
}

/**
 * The sender writes a batch every 100 ms (sendIntervalMs): a 20 ms sample would
 * hold a batch's cost in one sample of five, and the median of the pairs would
 * miss it. A sample of 250 ms always carries its share of two or three batches.
 */
const SPANS_SEVERAL_BATCHES = { sampleTargetMs: 250 };

const description = (mode: TrackingMode) =>
  `alloc/free loop over 8 devices (Float32Array buffers of 4–256 KiB, mean ≈ 45 KiB, 8 live per device; each new buffer filled from the one it replaces), every alloc and free reported: tracking ${mode} (server in a child process) vs off`;

/** Events per timed burst of tracking-event-cost: a tenth of the ring, so none is dropped. */
const BURST = 4096;
const BURSTS_PER_MEASURE = 16;

/**
 * ns per event on the app thread: bursts of alloc/free pairs timed whole (two clock reads per
 * 4096 events), each followed, untimed, by a flush, so every burst finds the ring empty
 * while the sender writes the last one beside it.
 */
async function measureEventCost(): Promise<number[]> {
  const tracker = current!.on.tracker;
  const costs: number[] = [];
  for (let burst = 0; burst < BURSTS_PER_MEASURE; burst++) {
    const started = performance.now();
    for (let id = 0; id < BURST; id += 2) {
      tracker.alloc(id & 7, 4096, id);
      tracker.free(id & 7, id);
    }
    costs.push(((performance.now() - started) * 1e6) / BURST);
    if (!(await tracker.flush(10_000)))
      throw new Error('the sender did not deliver a burst in 10 s');
  }
  return costs;
}

export default defineSuite({
  benches: [
    overhead({
      name: 'tracking-async',
      description: description('async'),
      budget: 8,
      sampling: SPANS_SEVERAL_BATCHES,
      baseline: { batch: (steps: number) => void allocFreeSteps(steps, current!.off) },
      candidate: { batch: (steps: number) => void allocFreeSteps(steps, current!.on) },
      setup: () => startTracking('async'),
      teardown: stopTracking,
    }),
    overhead({
      name: 'tracking-async-allocator',
      description:
        'a slab allocator’s loop (~2.25 M alloc/free pairs per second untracked: a slot from a free list, 2.5 KiB initialised, the oldest of 1024 live slots given back), every alloc and free reported: tracking async (server in a child process) vs off',
      budget: 10,
      gate: false, // a target of issue 19, not CI's 8% gate (see bench-kit's README)
      sampling: SPANS_SEVERAL_BATCHES,
      baseline: { batch: (steps: number) => void allocatorSteps(steps, current!.slabOff) },
      candidate: { batch: (steps: number) => void allocatorSteps(steps, current!.slabOn) },
      setup: () => startTracking('async'),
      teardown: stopTracking,
    }),
    overhead({
      name: 'tracking-async-sparse',
      description:
        'one event per ~10 µs of the app’s own work (a hash chain), allocs and frees in turn: tracking async (server in a child process) vs off',
      budget: 0.5,
      gate: false, // a target of issue 19, not CI's 8% gate (see bench-kit's README)
      sampling: SPANS_SEVERAL_BATCHES,
      baseline: { batch: (steps: number) => void sparseSteps(steps, current!.sparseOff) },
      candidate: { batch: (steps: number) => void sparseSteps(steps, current!.sparseOn) },
      setup: () => startTracking('async'),
      teardown: stopTracking,
    }),
    latency({
      name: 'tracking-event-cost',
      description: `what one reported event costs the app thread in async mode: bursts of ${BURST} events (alloc/free pairs) timed whole, the ring emptied by a flush between bursts while the sender writes to the server`,
      events: 400,
      atMost: 25,
      measure: measureEventCost,
      setup: () => startTracking('async'),
      teardown: stopTracking,
    }),
    overhead({
      name: 'tracking-blocking',
      description: `${description('blocking')}; reported, not a gate`,
      // Not a gate: each blocking call waits for a socket write (~60 µs on the 2-core VM),
      // so this only catches a pathological regression.
      budget: 5000,
      sampling: SPANS_SEVERAL_BATCHES,
      baseline: { batch: (steps: number) => void allocFreeSteps(steps, current!.off) },
      candidate: { batch: (steps: number) => void allocFreeSteps(steps, current!.on) },
      setup: () => startTracking('blocking'),
      teardown: stopTracking,
    }),
  ],
});
