// node peer-exit.mjs <how> <domain> <side>: the main thread waits with waitAsync (and nothing
// else keeps its event loop alive) while the peer, a worker, ends without close():
// how = 'return' (falls off its script), 'throw', 'terminate' (the main thread terminates it),
// or 'none' (no peer at all: the wait must still end, with 'timeout').
// side = 'consumer' (main consumes, worker produces 10 records) or 'producer' (main pushes into a
// full ring, worker consumed nothing). Prints one JSON line: how the wait ended.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createRing, FixedConsumer, FixedProducer } from '../../dist/index.js';
import { writeTestRecord } from '../../dist/test.js';

const RECORDS = 10;

if (isMainThread) {
  const [how, waitDomain, side] = process.argv.slice(2);
  const buffer = createRing({
    kind: 'fixed',
    capacity: 16,
    recordSize: 8,
    fullPolicy: 'block',
    waitDomain,
  });
  // From the wait's start, not the process's: on a loaded machine a worker's start-up alone
  // took seconds, and the test's bound is on how soon the wait notices the peer's exit.
  let started = performance.now();
  const report = (fields) =>
    console.log(JSON.stringify({ ...fields, ms: Math.round(performance.now() - started) }));
  const end = side === 'consumer' ? FixedConsumer.attach(buffer) : FixedProducer.attach(buffer);
  if (how !== 'none') {
    const worker = new Worker(new URL(import.meta.url), { workerData: { buffer, how, side } });
    worker.on('error', () => {}); // the 'throw' case: the worker's error is expected
    worker.on('message', () => {
      if (how === 'terminate') worker.terminate();
    });
    await new Promise((resolve) => worker.once('online', resolve));
    worker.unref(); // the worker's handle must not be what keeps this process alive
  }
  started = performance.now();
  if (side === 'consumer') {
    let received = 0;
    let outcome;
    do {
      received += end.drain((_data, _offset, count) => count);
      outcome = await end.waitAsync({ timeoutMs: 3_000, tickMs: 50 });
    } while (outcome === 'ready');
    report({ outcome, received });
  } else {
    const record = new Uint8Array(8);
    while (end.tryPush(record)) {}
    try {
      await end.pushAsync(record, { timeoutMs: 3_000, tickMs: 50 });
      report({ outcome: 'pushed' });
    } catch (error) {
      report({ outcome: error.code });
    }
  }
} else {
  const { buffer, how, side } = workerData;
  if (side === 'consumer') {
    const producer = FixedProducer.attach(buffer);
    // Self-checking records (src/test-records.ts), so a native consumer can check them too.
    const record = new Uint8Array(8);
    for (let i = 0; i < RECORDS; i++) {
      writeTestRecord(record, 0, 8, i);
      producer.tryPush(record);
    }
  } else {
    FixedConsumer.attach(buffer);
  }
  if (how === 'throw') throw new Error('the peer failed before close()');
  if (how === 'terminate') {
    parentPort.postMessage('attached');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until terminated
  }
}
