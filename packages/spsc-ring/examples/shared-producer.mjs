// Terminal 2: node examples/shared-producer.mjs — attaches by name and pushes a million records.
import { attachShared, FixedProducer } from '@ringkit/spsc-ring';

const NAME = process.argv[2] ?? 'ringkit-example';
const producer = FixedProducer.attach(attachShared(NAME)); // refuses anything that is not this ring
const record = new Uint8Array(32);
for (let i = 0; i < 1_000_000; i++) {
  new DataView(record.buffer).setUint32(0, i, true);
  producer.push(record, { timeoutMs: 5_000 }); // block policy: waits while the consumer catches up
}
producer.close();
console.log('pushed 1000000 records');
