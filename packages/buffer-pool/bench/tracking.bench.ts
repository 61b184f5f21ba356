/**
 * The package's overhead gate for allocation tracking: a realistic alloc/free
 * loop reporting every alloc and free to an AllocationTracker in `async` mode,
 * against the same loop with tracking `off` (budget 8%, aim ≤ 3%). Beside it,
 * `blocking` mode against `off`, reported, not gated. The tracking server runs in
 * a child process. `npx bench-kit run bench/tracking.bench.ts`
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSuite, overhead } from '@ringkit/bench-kit';
import {
  AllocationTracker,
  type TrackingMode,
  type TrackingSnapshot,
} from '../src/tracking/index.js';

const KiB = 1024;
/** Tensor-like buffers: mostly small activations and scratch, some large ones (mean ≈ 45 KiB). */
const SIZE_MIX = [
  ...Array<number>(4).fill(4 * KiB),
  ...Array<number>(3).fill(16 * KiB),
  ...Array<number>(2).fill(64 * KiB),
  256 * KiB,
];
const DEVICES = 8;
/** Buffers each device keeps alive: every step allocates one and frees the oldest. */
const LIVE_PER_DEVICE = 8;

/** A fixed pseudo-random order of sizes, the same for both sides. */
const sizeOrder = Uint32Array.from({ length: 4096 }, (_, index) => {
  const hash = Math.imul(index + 1, 0x9e3779b1) >>> 0;
  return SIZE_MIX[hash % SIZE_MIX.length]!;
});

interface LiveBuffer {
  data: Float32Array;
  id: number;
}

/** One side's app state: its live buffers (the tracker saw each one's alloc) and its id counter. */
interface App {
  readonly tracker: AllocationTracker;
  readonly live: (LiveBuffer | undefined)[];
  nextId: number;
  checksum: number;
}

function createApp(tracker: AllocationTracker): App {
  return { tracker, live: new Array(DEVICES * LIVE_PER_DEVICE), nextId: 1, checksum: 0 };
}

/**
 * One step: allocate a buffer on the next device, report it, fill it from the
 * buffer it replaces (a scale-and-shift, like a small elementwise kernel), then
 * report the old buffer's free. Both sides run this one function, so both run the
 * same optimised code (see spsc-ring's overhead.bench.ts): only the tracker differs.
 */
function allocFreeSteps(steps: number, app: App): number {
  const { tracker, live } = app;
  for (let step = 0; step < steps; step++) {
    const id = app.nextId++;
    const slot = id % (DEVICES * LIVE_PER_DEVICE);
    const device = slot % DEVICES;
    const bytes = sizeOrder[id & 4095]!;
    const data = new Float32Array(bytes >> 2);
    tracker.alloc(device, bytes, id);
    const previous = live[slot];
    if (previous !== undefined) {
      const source = previous.data;
      const length = Math.min(source.length, data.length);
      for (let index = 0; index < length; index++) data[index] = source[index]! * 0.5 + 1;
      tracker.free(device, previous.id);
    } else {
      for (let index = 0; index < data.length; index++) data[index] = index;
    }
    app.checksum = (app.checksum + data[data.length >> 1]!) % 1e9;
    live[slot] = { data, id };
  }
  return app.checksum;
}

interface TrackingSetup {
  server: ChildProcess;
  directory: string;
  off: App;
  on: App;
}
let current: TrackingSetup | undefined;

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
  current = {
    server,
    directory,
    off: createApp(new AllocationTracker({ socketPath, mode: 'off' })),
    on: createApp(tracker),
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
