// Main thread produces 32-byte records; a worker reads them in place, in batches.
import { Worker } from 'node:worker_threads';
import { createRing, FixedConsumer, FixedProducer } from '@ringkit/spsc-ring';

const RECORDS = 1_000_000;

if (process.argv[2] !== 'consumer') {
  const buffer = createRing({ kind: 'fixed', capacity: 4096, recordSize: 32, fullPolicy: 'block' });
  const worker = new Worker(new URL(import.meta.url), { argv: ['consumer'], workerData: buffer });
  const producer = FixedProducer.attach(buffer);
  const { u32 } = producer.views; // the ring's memory as u32 words: records are written in place
  for (let sent = 0; sent < RECORDS; ) {
    // Up to 256 slots. tryClaim never waits; only a full ring pays for an await (off the event
    // loop) — an await per batch would cost more than writing its 256 records.
    const wanted = Math.min(256, RECORDS - sent);
    const claim =
      producer.tryClaim(wanted) ?? (await producer.claimAsync(wanted, { timeoutMs: 5000 }));
    for (let i = 0; i < claim.count; i++) u32[(claim.offset >> 2) + i * 8] = sent + i; // the id
    claim.commit(); // one publish for the whole batch
    sent += claim.count;
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
    const drained = consumer.drain((_data, offset, count, { u32 }) => {
      let ids = 0; // a local: a captured variable holding a double costs an allocation per update
      for (let i = 0; i < count; i++) ids += u32[(offset >> 2) + i * 8]; // read in place
      sum += ids;
    });
    // Sleeps until records arrive or the ring closes; while it spins first it gathers up to 64
    // (atLeast), so this side does not re-read the producer's position every few records.
    if (drained < 64 && consumer.wait({ atLeast: 64 }) === 'closed') break;
  }
  parentPort.postMessage(sum);
}
