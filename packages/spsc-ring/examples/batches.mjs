// Batches from the main thread, without blocking its event loop: many byte records claimed at
// once and written in place, and whole batches pushed with pushAllAsync. A worker reads them,
// the byte ring's a run of equal records per call (drainRuns), as a fixed ring's drain does.
import { Worker } from 'node:worker_threads';
import { ByteProducer, createRing, FixedProducer } from '@ringkit/spsc-ring';

if (process.argv[2] !== 'consumer') {
  const events = createRing({ kind: 'bytes', capacity: 1 << 16, fullPolicy: 'block' });
  const samples = createRing({
    kind: 'fixed',
    capacity: 1024,
    recordSize: 16,
    fullPolicy: 'block',
  });
  const worker = new Worker(new URL(import.meta.url), {
    argv: ['consumer'],
    workerData: { events, samples },
  });

  // 10 000 events of 24 bytes: claim up to 100 at a time, write each in place, commit once.
  const producer = ByteProducer.attach(events);
  const { dataView } = producer.views;
  for (let sent = 0; sent < 10_000; ) {
    const wanted = Math.min(100, 10_000 - sent);
    // tryClaimRecords never waits (null while the ring is full); claimRecordsAsync waits for room.
    const claim =
      producer.tryClaimRecords(wanted, 24) ??
      (await producer.claimRecordsAsync(wanted, 24, { timeoutMs: 5000 }));
    for (let i = 0; i < claim.count; i++) {
      const at = claim.offset + i * claim.stride; // record i's payload
      dataView.setUint32(at, sent + i, true); // an id
      dataView.setFloat64(at + 8, (sent + i) / 2, true); // a value
    }
    claim.commit(1); // type 1 for all of them
    sent += claim.count;
  }
  // Records of other lengths, packed end to end in one buffer: one copy each, one publish.
  // pushBatch pushes what fits now and says how many; pushAllAsync waits for room for the rest.
  const packed = new TextEncoder().encode('startpausedone');
  const lengths = [5, 5, 4];
  const now = producer.pushBatch({ bytes: packed, lengths }, 2);
  const rest = {
    bytes: packed.subarray(lengths.slice(0, now).reduce((a, b) => a + b, 0)),
    lengths: lengths.slice(now),
  };
  await producer.pushAllAsync(rest, 2, { timeoutMs: 5000 });
  // One record whose size is known only now: claimAsync waits for room, then it is written in place.
  const last = await producer.claimAsync(4, { timeoutMs: 5000 });
  producer.data.set(new TextEncoder().encode('end!'), last.offset);
  last.commit(2);
  producer.close();

  // 5 000 fixed 16-byte samples in one buffer, pushed whole: pushAllAsync waits for room as the
  // worker frees it (the ring holds 1024).
  const batch = new Float64Array(5_000 * 2).map((_, i) => i);
  const sampler = FixedProducer.attach(samples);
  await sampler.pushAllAsync(new Uint8Array(batch.buffer), 5_000, { timeoutMs: 5000 });
  sampler.close();

  worker.once('message', (seen) => console.log(seen));
} else {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { ByteConsumer, FixedConsumer } = await import('@ringkit/spsc-ring');
  const events = ByteConsumer.attach(workerData.events);
  let ids = 0;
  const words = [];
  for (;;) {
    // A claimRecords batch arrives as one run: `count` records of `length` bytes, `stride` apart.
    events.drainRuns((_data, offset, count, stride, length, type, views) => {
      for (let i = 0, at = offset; i < count; i++, at += stride)
        if (type === 1)
          ids += views.u32[at >> 2]; // read in place
        else words.push(views.text(at, length));
    });
    if (events.wait() === 'closed') break;
  }
  const samples = FixedConsumer.attach(workerData.samples);
  let total = 0;
  for (;;) {
    samples.drain((_data, offset, count, { f64 }) => {
      for (let i = 0; i < count * 2; i++) total += f64[(offset >> 3) + i];
    });
    if (samples.wait() === 'closed') break;
  }
  parentPort.postMessage(
    `events: sum of ids ${ids}, then ${words.join(', ')}; samples: sum ${total}`,
  );
}
