// A log pipe: the main thread pushes log lines as UTF-8 straight into the ring (no encode into a
// scratch buffer, no second copy); a worker reads each line in place as a string.
import { Worker } from 'node:worker_threads';
import { ByteProducer, createRing } from '@ringkit/spsc-ring';

const LEVELS = ['debug', 'info', 'warn'];

if (process.argv[2] !== 'consumer') {
  const buffer = createRing({ kind: 'bytes', capacity: 1 << 16, fullPolicy: 'block' });
  const worker = new Worker(new URL(import.meta.url), { argv: ['consumer'], workerData: buffer });
  const log = ByteProducer.attach(buffer);
  for (let i = 0; i < 20_000; i++) {
    const line = `request ${i} served in ${(i % 97) / 10} ms — ünïcødé ok`;
    // tryPushString never waits; when the ring is full, pushStringAsync waits off the event loop.
    if (!log.tryPushString(line, i % 3))
      await log.pushStringAsync(line, i % 3, { timeoutMs: 5000 });
  }
  log.close();
  worker.once('message', (counts) => console.log(counts));
} else {
  const { ByteConsumer } = await import('@ringkit/spsc-ring');
  const { parentPort, workerData: buffer } = await import('node:worker_threads');
  const log = ByteConsumer.attach(buffer);
  const counts = { debug: 0, info: 0, warn: 0, last: '' };
  for (;;) {
    log.drain((_data, offset, length, type, views) => {
      counts[LEVELS[type]]++;
      counts.last = views.text(offset, length); // decoded from the ring's memory
    });
    if (log.wait() === 'closed') break;
  }
  parentPort.postMessage(counts);
}
