// A producer in a worker may block its own thread while the ring is full: claim, claimRecords,
// pushAll and pushString wait there (spin, then sleep), all with a timeout. The main thread
// consumes with waitAsync, so its event loop stays free.
import { Worker } from 'node:worker_threads';
import { ByteConsumer, createRing, FixedConsumer } from '@ringkit/spsc-ring';

if (process.argv[2] !== 'producer') {
  const fixed = createRing({ kind: 'fixed', capacity: 256, recordSize: 8, fullPolicy: 'block' });
  const bytes = createRing({ kind: 'bytes', capacity: 4096, fullPolicy: 'block' });
  new Worker(new URL(import.meta.url), { argv: ['producer'], workerData: { fixed, bytes } });
  const ticks = FixedConsumer.attach(fixed);
  let sum = 0;
  do {
    ticks.drain((_data, offset, count, { u32 }) => {
      for (let i = 0; i < count; i++) sum += u32[(offset >> 2) + i * 2];
    });
  } while ((await ticks.waitAsync()) !== 'closed');
  const messages = ByteConsumer.attach(bytes);
  const kinds = new Map();
  do {
    messages.drain((_data, offset, length, type, views) => {
      const kind = type === 9 ? views.text(offset, length) : `${length}-byte record`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    });
  } while ((await messages.waitAsync()) !== 'closed');
  console.log(`ticks: sum ${sum};`, Object.fromEntries(kinds));
} else {
  const { workerData } = await import('node:worker_threads');
  const { ByteProducer, FixedProducer } = await import('@ringkit/spsc-ring');
  const ticks = FixedProducer.attach(workerData.fixed);
  for (let sent = 0; sent < 10_000; ) {
    const claim = ticks.claim(Math.min(64, 10_000 - sent), { timeoutMs: 5000 }); // waits for room
    for (let i = 0; i < claim.count; i++) ticks.views.u32[(claim.offset >> 2) + i * 2] = sent + i;
    claim.commit();
    sent += claim.count;
  }
  ticks.pushAll(new Uint8Array(8 * 1000), 1000, { timeoutMs: 5000 }); // 1000 zeros, room waited for
  ticks.close();
  const messages = ByteProducer.attach(workerData.bytes);
  for (let sent = 0; sent < 2000; ) {
    const claim = messages.claimRecords(Math.min(50, 2000 - sent), 16, { timeoutMs: 5000 });
    claim.commit(0);
    sent += claim.count;
  }
  messages.pushAll([new Uint8Array(100), new Uint8Array(200)], 0, { timeoutMs: 5000 });
  const one = messages.claim(300, { timeoutMs: 5000 }); // one record, written in place
  one.commit(0, 30); // keeps 30 of the 300 bytes claimed
  for (let i = 0; i < 500; i++) messages.pushString('heartbeat', 9, { timeoutMs: 5000 });
  messages.close();
}
