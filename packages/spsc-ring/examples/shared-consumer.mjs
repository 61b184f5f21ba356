// Terminal 1: node examples/shared-consumer.mjs — creates the ring in shared memory and drains it.
import { attachShared, createShared, FixedConsumer, unlinkShared } from '@ringkit/spsc-ring';

const NAME = process.argv[2] ?? 'ringkit-example';
createShared(NAME, { kind: 'fixed', capacity: 4096, recordSize: 32, fullPolicy: 'block' }); // mode 0600
const consumer = FixedConsumer.attach(attachShared(NAME));
console.log(`ring "${NAME}" is ready; start the producer`);

let records = 0;
let outcome;
do {
  consumer.drain((_data, _offset, count) => {
    records += count; // `count` 32-byte records at data[offset]
  });
  outcome = await consumer.waitAsync({ timeoutMs: 60_000 });
} while (outcome === 'ready');
console.log(`${records} records; the stream ended: ${outcome}`, consumer.stats()); // 'closed', or 'peer-gone' if the producer died
unlinkShared(NAME);
