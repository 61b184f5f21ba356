// examples/pipeline.mjs — two lanes: this thread produces records; one worker per lane
// drains and collects them, and lane 0's worker also runs replenish.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BufferPool, createBufferPool, forEachRecord, runRoles } from '@ringkit/buffer-pool';

if (isMainThread) {
  const pool = createBufferPool({
    lanes: 2,
    bufferSize: 64 * 1024,
    buffersPerBlock: 8,
    fullPolicy: 'block',
  });
  const lanes = [0, 1].map(
    (lane) => new Worker(new URL(import.meta.url), { workerData: { spec: pool.spec, lane } }),
  );
  const producers = [pool.producer(0), pool.producer(1)];
  const record = new Uint8Array(200);
  for (let i = 0; i < 100_000; i++) {
    new DataView(record.buffer).setUint32(0, i, true);
    producers[i & 1].write(record); // copies into the lane's current buffer; submits it when full
  }
  for (const producer of producers) producer.close(); // flushes; each drain exits once it handed everything on
  pool.complete();
  const received = await Promise.all(
    lanes.map((worker) => new Promise((resolve) => worker.once('message', resolve))),
  );
  const home = await pool.whenAllHome();
  console.log({
    received,
    home: home.free + home.recycled === home.allocated,
    blocks: pool.stats().blocks,
  });
} else {
  const pool = BufferPool.open(workerData.spec);
  let received = 0;
  const collector = pool.collector(workerData.lane, (bytes, offset, length) => {
    received += forEachRecord(bytes, offset, length, () => {}); // read records in place
  });
  const roles = [pool.drain(workerData.lane), collector];
  if (workerData.lane === 0) roles.push(pool.replenish()); // the only allocator, beside lane 0
  runRoles(roles); // one thread, several roles, every queue still single-writer
  parentPort.postMessage(received);
}
