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
import { type App, allocFreeSteps, createApp } from './alloc-free-loop.js';

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
