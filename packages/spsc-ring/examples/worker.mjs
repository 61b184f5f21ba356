// Main thread produces 32-byte records; a worker drains them in batches.
import { Worker } from 'node:worker_threads';
import { createRing, FixedConsumer, FixedProducer } from '@ringkit/spsc-ring';

const RECORDS = 1_000_000;

if (process.argv[2] !== 'consumer') {
  const buffer = createRing({ kind: 'fixed', capacity: 4096, recordSize: 32, fullPolicy: 'block' });
  const worker = new Worker(new URL(import.meta.url), { argv: ['consumer'], workerData: buffer });
  const producer = FixedProducer.attach(buffer);
  const record = new Uint8Array(32);
  const view = new DataView(record.buffer);
  for (let i = 0; i < RECORDS; i++) {
    view.setUint32(0, i, true);
    await producer.pushAsync(record, { timeoutMs: 5000 }); // waits (off the event loop) only when full
  }
  producer.close();
  worker.once('message', (sum) =>
    console.log(`worker read ${RECORDS} records, sum of ids ${sum}`, producer.stats()),
  );
} else {
  const { workerData: buffer, parentPort } = await import('node:worker_threads');
  const consumer = FixedConsumer.attach(buffer);
  let sum = 0;
  for (;;) {
    const drained = consumer.drain((data, offset, count) => {
      const view = new DataView(data.buffer, data.byteOffset);
      for (let i = 0; i < count; i++) sum += view.getUint32(offset + i * 32, true);
    });
    if (drained === 0 && consumer.wait() === 'closed') break; // sleeps until records arrive or the ring closes
  }
  parentPort.postMessage(sum);
}
