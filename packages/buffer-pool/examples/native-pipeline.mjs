// examples/native-pipeline.mjs — every role of a two-lane pool on native threads: producers
// (simulated devices), drains, collectors that verify each record, and replenish, which asks
// this thread to allocate each new block. This thread only waits (its event loop must turn).
import {
  createBufferPool,
  startNativeCollector,
  startNativeDrain,
  startNativeProducer,
  startNativeReplenish,
} from '@ringkit/buffer-pool';

const pool = createBufferPool({
  lanes: 2,
  bufferSize: 64 * 1024,
  buffersPerBlock: 4,
  fullPolicy: 'block',
  waitDomain: 'os',
});
const replenish = startNativeReplenish(pool.spec);
const lanes = [0, 1].map((lane) => ({
  drain: startNativeDrain(pool.spec, lane),
  collector: startNativeCollector(pool.spec, lane),
}));
const produced = await Promise.all(
  [0, 1].map(
    (lane) => startNativeProducer(pool.spec, lane, { records: 500_000, recordBytes: 64 }).done,
  ),
);
pool.complete(); // drains exit once ready is empty, then collectors, then replenish
const collected = await Promise.all(lanes.map(({ collector }) => collector.join()));
const grown = await replenish.join();
const home = await pool.whenAllHome();
console.log({
  written: produced.map((lane) => lane.written),
  verified: collected.map((lane) => lane.records),
  errors: collected.map((lane) => lane.errors),
  home: home.free + home.recycled === home.allocated,
  blocksAllocated: grown.blocksAllocated,
});
