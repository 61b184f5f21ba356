// The decode loop in a worker, with the blocking variants (acquireSync, submit,
// waitSync): no event loop between the executor and the next acquire.
// workerData: { ringSize, encodeUs, executeUs, cycles, runs }; posts { runs: [{ executorBusy, opsPerSecond }] }.
import { parentPort, workerData } from 'node:worker_threads';
import { openRing } from '../dist/index.js';

const { ringSize, encodeUs, executeUs, cycles, runs } = workerData;

function encodeFor(microseconds) {
  const end = performance.now() + microseconds / 1000;
  while (microseconds > 0 && performance.now() < end) {
    // spinning: encoding keeps this thread busy
  }
}

function loop(ring, count) {
  let last = 0;
  for (let i = 0; i < count; i++) {
    const slot = ring.acquireSync();
    encodeFor(encodeUs);
    slot.busyFor(executeUs);
    last = ring.submit(slot);
  }
  ring.waitSync(last);
}

const ring = openRing({ backend: 'cpu', ringSize });
loop(ring, 200); // warm-up
const results = [];
for (let run = 0; run < runs; run++) {
  const busyBefore = ring.executorBusyNs();
  const started = process.hrtime.bigint();
  loop(ring, cycles);
  const wallNs = Number(process.hrtime.bigint() - started);
  results.push({
    executorBusy: (ring.executorBusyNs() - busyBefore) / wallNs,
    opsPerSecond: cycles / (wallNs / 1e9),
  });
}
ring.closeSync();
parentPort.postMessage({ runs: results });
