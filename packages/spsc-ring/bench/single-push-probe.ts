/**
 * Where a one-record push's time goes, in one process so that the VM's placement
 * is the same for every figure: the ring's JS push (main → worker) straight after
 * a postMessage sample, after a ringbuf.js sample and after nothing (does the
 * other side of a speedup leave work behind?), and a native producer pushing one
 * record at a time into a JS consumer on this thread (the same consumer work
 * with a native push). Prints medians of 12 rounds, in ns per record.
 * `node --expose-gc --import tsx bench/single-push-probe.ts`
 */
import { createRing, FixedConsumer, startNativeProducer } from '../src/index.js';
import {
  postMessageTransport,
  RECORD_BYTES,
  ringbufjsTransport,
  ringTransport,
} from './transport.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('single-push-probe: run it with node --expose-gc --import tsx');
  process.exit(2);
}
const RECORDS = 120_000;
const ROUNDS = 12;

const postMessage = postMessageTransport();
const ringbufjs = ringbufjsTransport('single');
const ring = ringTransport('single');
await Promise.all([postMessage.start(), ringbufjs.start(), ring.start()]);

async function nativeIntoJs(): Promise<number> {
  const buffer = createRing({
    kind: 'fixed',
    capacity: 4096,
    recordSize: RECORD_BYTES,
    waitDomain: 'os',
    fullPolicy: 'block',
  });
  const consumer = FixedConsumer.attach(buffer);
  const start = process.hrtime.bigint();
  const producer = startNativeProducer(buffer, { records: RECORDS, batch: 1 });
  let received = 0;
  const count = (_data: Uint8Array, _offset: number, n: number) => {
    received += n;
  };
  // The transport bench's consumer loop: drain, and gather 64 while spinning.
  while (received < RECORDS) {
    if (consumer.drain(count) < 64 && received < RECORDS)
      consumer.wait({ atLeast: 64, tickMs: 50 });
  }
  const ns = Number(process.hrtime.bigint() - start) / RECORDS;
  await producer.join();
  return ns;
}

const before = {
  'after postMessage': () => postMessage.send(14_000),
  'after ringbuf.js': () => ringbufjs.send(RECORDS),
  'after nothing': () => undefined,
};
const figures: Record<string, number[]> = {
  ...Object.fromEntries(Object.keys(before).map((name) => [`JS push ${name}`, []])),
  'native push → JS consumer': [],
};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(before)) {
    await run();
    gc();
    const start = process.hrtime.bigint();
    ring.send(RECORDS);
    figures[`JS push ${name}`]!.push(Number(process.hrtime.bigint() - start) / RECORDS);
  }
  figures['native push → JS consumer']!.push(await nativeIntoJs());
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
for (const [name, values] of Object.entries(figures))
  console.log(`${name}: ${median(values).toFixed(1)} ns per record`);
await Promise.all([ring.stop(), ringbufjs.stop(), postMessage.stop()]);
