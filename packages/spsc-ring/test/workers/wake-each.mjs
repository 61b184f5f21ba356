// The producing side of test/publish-mode.test.ts: pushes `records` records one at a
// time into a 2-slot `block` ring, sleeping (no spin) whenever it is full, so that
// every record costs the consumer a wake-up and the producer one too.
// workerData: { buffer, records, tickMs }. Reports { done: { mode } }: how it published.
import { parentPort, workerData } from 'node:worker_threads';
import { FixedProducer } from '../../dist/index.js';

const { buffer, records, tickMs } = workerData;
const producer = FixedProducer.attach(buffer);
const record = new Uint8Array(producer.descriptor.recordSize);
const view = new DataView(record.buffer);
for (let sequence = 0; sequence < records; sequence++) {
  view.setUint32(0, sequence, true);
  producer.push(record, { spin: 0, tickMs, timeoutMs: 60_000 });
}
producer.close();
parentPort.postMessage({ done: { records } });
