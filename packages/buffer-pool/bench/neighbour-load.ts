/**
 * How much work on another core slows the tracking benches' alloc/free loop
 * (tracking off), with no tracker involved: a worker thread is busy 2 ms at a
 * time for `dutyPercent` of the time, in alternate ~250 ms periods, and the loop's
 * time in busy periods is compared with its time in the quiet periods beside them.
 * Tracking's sender and server are such neighbours, so this bounds what their CPU
 * time can cost the app on this machine.
 *
 *   npx tsx bench/neighbour-load.ts [dutyPercent] [seconds]
 */
import { Worker } from 'node:worker_threads';
import { AllocationTracker } from '../src/tracking/index.js';
import { allocFreeSteps, createApp } from './alloc-free-loop.js';

const dutyPercent = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 40);
if (!(dutyPercent > 0 && dutyPercent < 100)) throw new Error('dutyPercent must be in (0, 100)');

// Word 0: 1 while the neighbour should be busy.
const control = new Int32Array(new SharedArrayBuffer(4));
const neighbour = new Worker(
  `const { workerData } = require('node:worker_threads');
const { control, dutyPercent } = workerData;
let sink = 0;
function busyFor(ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) sink = (sink * 1.0000001 + 1) % 1e9;
}
(async () => {
  for (;;) {
    if (Atomics.load(control, 0) === 1) busyFor(2);
    await new Promise((resolve) => setTimeout(resolve, (2 * (100 - dutyPercent)) / dutyPercent));
  }
})();`,
  { eval: true, workerData: { control, dutyPercent } },
);
neighbour.unref();

const app = createApp(new AllocationTracker({ socketPath: '/nonexistent', mode: 'off' }));
const STEPS = 1000;
allocFreeSteps(STEPS * 20, app);
const quiet: number[] = [];
const busy: number[] = [];
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  for (const state of Math.random() < 0.5 ? [0, 1] : [1, 0]) {
    Atomics.store(control, 0, state);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const start = performance.now();
    for (let chunk = 0; chunk < 20; chunk++) allocFreeSteps(STEPS, app);
    (state === 1 ? busy : quiet).push(performance.now() - start);
  }
}
const logRatios = busy.map((ms, pair) => Math.log(ms / quiet[pair]!)).sort((a, b) => a - b);
const median = logRatios[logRatios.length >> 1]!;
console.log(
  `neighbour-load: a neighbour busy ${dutyPercent}% of the time slows the loop by ${((Math.exp(median) - 1) * 100).toFixed(2)}% (median of ${logRatios.length} pairs)`,
);
process.exit(0);
