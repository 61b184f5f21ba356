// examples/native-pipeline.mjs — every role of a two-lane pool on native threads: producers
// (simulated devices) on a thread each, and every lane's drain and collector (which verifies
// each record) with replenish on ONE more thread, which asks this thread to allocate each new
// block. This thread only waits (its event loop must turn).
import { createBufferPool, startNativeProducer, startNativeRoles } from '@ringkit/buffer-pool';

const pool = createBufferPool({
  lanes: 2,
  bufferSize: 64 * 1024,
  buffersPerBlock: 4,
  fullPolicy: 'block',
  waitDomain: 'os',
});
const roles = startNativeRoles(pool.spec, [
  { role: 'drain', lane: 0 },
  { role: 'collector', lane: 0 },
  { role: 'drain', lane: 1 },
  { role: 'collector', lane: 1 },
  { role: 'replenish' },
]);
const produced = await Promise.all(
  [0, 1].map(
    (lane) => startNativeProducer(pool.spec, lane, { records: 500_000, recordBytes: 64 }).done,
  ),
);
pool.complete(); // drains exit once ready is empty, then collectors, then replenish
const results = await roles.join(); // in the order listed
const collected = results.filter((result) => result.role === 'collector');
const grown = results.find((result) => result.role === 'replenish');
const home = await pool.whenAllHome();
console.log({
  written: produced.map((lane) => lane.written),
  verified: collected.map((lane) => lane.records),
  errors: collected.map((lane) => lane.errors),
  home: home.free + home.recycled === home.allocated,
  blocksAllocated: grown.blocksAllocated,
});
