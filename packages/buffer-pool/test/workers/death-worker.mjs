// For test/role-death.test.ts: takes the roles named in workerData.roles ('producer:0',
// 'drain:1', 'collector:0', 'replenish') and runs them. Producers write paced records until
// workerData.stop (a shared flag: word 0 stops, word 1 pauses) is raised, then close; collectors count the records they read,
// pausing workerData.collectDelayMs per buffer. Each ROLE_DIED report is posted as it comes.
import { parentPort, workerData } from 'node:worker_threads';
import { BufferPool, forEachRecord, runRoles } from '../../dist/index.js';

const { spec, roles: roleNames, stop, collectDelayMs = 0 } = workerData;
const pool = BufferPool.open(spec);
const stopFlag = new Int32Array(stop);
const pause = new Int32Array(new SharedArrayBuffer(4));
const received = {};
const loops = [];
const producers = [];
for (const name of roleNames) {
  const [kind, laneText] = name.split(':');
  const lane = Number(laneText);
  if (kind === 'producer') producers.push([name, pool.producer(lane)]);
  else if (kind === 'drain') loops.push(pool.drain(lane));
  else if (kind === 'replenish') loops.push(pool.replenish());
  else if (kind === 'collector') {
    received[name] = 0;
    loops.push(
      pool.collector(lane, (bytes, offset, length) => {
        received[name] += forEachRecord(bytes, offset, length, () => {});
        if (collectDelayMs > 0) Atomics.wait(pause, 0, 0, collectDelayMs);
      }),
    );
  }
}
parentPort.postMessage({ started: true });
const written = {};
if (producers.length > 0) {
  const record = new Uint8Array(40);
  for (const [name] of producers) written[name] = 0;
  for (let sequence = 0; Atomics.load(stopFlag, 0) === 0; sequence++) {
    // workerData.stop's second word pauses the producers (flushed, so nothing waits in their hands).
    if (Atomics.load(stopFlag, 1) !== 0) {
      for (const [, producer] of producers) producer.flush();
      while (Atomics.load(stopFlag, 1) !== 0 && Atomics.load(stopFlag, 0) === 0)
        Atomics.wait(pause, 0, 0, 1);
    }
    for (const [name, producer] of producers) if (producer.write(record)) written[name]++;
    if ((sequence & 15) === 0) Atomics.wait(pause, 0, 0, 1);
  }
  for (const [, producer] of producers) producer.close();
}
const reports = runRoles(loops, {
  onReport: (error) =>
    parentPort.postMessage({ report: { code: error.code, message: error.message } }),
});
parentPort.postMessage({
  done: true,
  written,
  received,
  reports: reports.map((error) => ({ code: error.code, message: error.message })),
});
