// The plain SharedArrayBuffer queue's executor (bench/sab-queue.ts): what a user writes in a
// few lines without ringkit. Poll 50 µs for the next command, then Atomics.wait; run it (busy
// for its µs, like the cpu backend's busyFor); publish the count done and Atomics.notify.
// workerData: { buffer: SharedArrayBuffer, depth, spinUs }.
import { workerData } from 'node:worker_threads';
import { busyFor, Index } from './sab-layout.mjs';

const { buffer, depth, spinUs } = workerData;
const words = new Int32Array(buffer);
const busyNs = new Float64Array(buffer, Index.BUSY_NS_BYTE, 1);

let taken = 0;
for (;;) {
  const pollEnd = performance.now() + spinUs / 1000;
  while (Atomics.load(words, Index.POSTED) === taken && performance.now() < pollEnd) {
    // polling: a command posted now starts without a wake-up
  }
  if (Atomics.load(words, Index.POSTED) === taken) Atomics.wait(words, Index.POSTED, taken);
  if (Atomics.load(words, Index.STOP) === 1) break;
  const posted = Atomics.load(words, Index.POSTED);
  while (taken < posted) {
    busyNs[0] += busyFor(words[Index.OPS + (taken % depth)]);
    taken++;
    Atomics.store(words, Index.DONE, taken);
    Atomics.notify(words, Index.DONE);
  }
}
