// The consuming side of the transport benchmarks, in a worker thread.
// Roles: 'drain' (our ring), 'byte-drain' (our byte ring, a call per record), 'byte-drain-runs' (our
// byte ring, a call per run of equal records), 'readme' (the README's first example's
// consumer), 'minimal' (bench/minimal-ring.mjs, the bar), 'ringbufjs' (ringbuf.js, polled only while its turn
// flag is set, so an idle side never steals the CPU from the side being measured),
// 'floor' (bench/floor-ring.mjs, the batched floor: polls flat out, until terminated),
// 'messages' (MessageChannel: counts, answers each 'flush' once everything before it arrived),
// 'echo' (ping-pong: sends every record straight back on a second ring).
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { ByteConsumer, FixedConsumer, FixedProducer } from '../../dist/index.js';
import { FloorRing } from '../floor-ring.mjs';
import { MinimalRing } from '../minimal-ring.mjs';

const { role } = workerData;
/** Records a transport drain waits to gather while it spins (see WaitOptions.atLeast). */
const GATHER = 64;
/**
 * Every consumer sums each record's first byte into a field of this object (or a local): a
 * captured `let` holding a number beyond 2³⁰ costs V8 an allocation per update, which would
 * measure the accumulator, not the transport.
 */
const total = { checksum: 0 };

if (role === 'drain') {
  const consumer = FixedConsumer.attach(workerData.buffer);
  // A telemetry drain ('tick') never makes the producer pay for a wake-up; a transport ('publish')
  // wakes at once, and while it spins it gathers a batch (atLeast) rather than re-reading the
  // producer's position after every record.
  const telemetry = workerData.wakeOn === 'tick';
  const waitOptions = telemetry
    ? { wakeOn: 'tick', tickMs: 1, spin: 0 }
    : { tickMs: 50, atLeast: GATHER };
  parentPort.postMessage('ready');
  for (;;) {
    // Touch each record's first word, as a real consumer would read it.
    const got = consumer.drain((data, offset, count) => {
      let checksum = total.checksum;
      for (let i = 0; i < count; i++) checksum = (checksum + data[offset + i * 32]) | 0;
      total.checksum = checksum;
    });
    if ((telemetry ? got === 0 : got < GATHER) && consumer.wait(waitOptions) === 'closed') break;
  }
  parentPort.postMessage(total);
} else if (role === 'readme') {
  // The README's first example's consumer (examples/worker.mjs), as written there.
  const consumer = FixedConsumer.attach(workerData.buffer);
  let sum = 0;
  parentPort.postMessage('ready');
  for (;;) {
    const drained = consumer.drain((_data, offset, count, { u32 }) => {
      let ids = 0;
      for (let i = 0; i < count; i++) ids += u32[(offset >> 2) + i * 8];
      sum += ids;
    });
    if (drained < 64 && consumer.wait({ atLeast: 64 }) === 'closed') break;
  }
  parentPort.postMessage({ sum });
} else if (role === 'byte-drain') {
  // The byte ring's drain, as the fixed ring's: gather while spinning, read each record's first byte.
  const consumer = ByteConsumer.attach(workerData.buffer);
  const waitOptions = { tickMs: 50, atLeast: GATHER * 40 };
  parentPort.postMessage('ready');
  for (;;) {
    const got = consumer.drain((data, offset) => {
      total.checksum = (total.checksum + data[offset]) | 0;
    });
    if (got < GATHER && consumer.wait(waitOptions) === 'closed') break;
  }
  parentPort.postMessage(total);
} else if (role === 'byte-drain-runs') {
  // The byte ring read as a fixed ring is: a run of equal records per call, each record's first byte.
  const consumer = ByteConsumer.attach(workerData.buffer);
  const waitOptions = { tickMs: 50, atLeast: GATHER * 40 };
  parentPort.postMessage('ready');
  for (;;) {
    const got = consumer.drainRuns((data, offset, count, stride) => {
      let checksum = total.checksum;
      for (let i = 0; i < count; i++) checksum = (checksum + data[offset + i * stride]) | 0;
      total.checksum = checksum;
    });
    if (got < GATHER && consumer.wait(waitOptions) === 'closed') break;
  }
  parentPort.postMessage(total);
} else if (role === 'minimal') {
  // The bar's consumer: one pop per record, reading its first byte in place, until terminated.
  const ring = new MinimalRing(workerData.buffer, workerData.capacity, 32);
  const firstByte = (data, offset) => data[offset];
  parentPort.postMessage('ready');
  for (;;) total.checksum = (total.checksum + ring.pop(firstByte)) | 0;
} else if (role === 'floor') {
  // The floor's consumer: each run's records read as the 'drain' role reads them, polling flat out.
  parentPort.postMessage('ready');
  FloorRing.consume(workerData.buffer, workerData.capacity, 32, (data, offset, count) => {
    let checksum = total.checksum;
    for (let i = 0; i < count; i++) checksum = (checksum + data[offset + i * 32]) | 0;
    total.checksum = checksum;
  });
} else if (role === 'ringbufjs') {
  const ring = new RingBuffer(workerData.buffer, Uint8Array);
  const turn = new Int32Array(workerData.turn);
  const scratch = new Uint8Array(workerData.popBytes);
  parentPort.postMessage('ready');
  for (;;) {
    const state = Atomics.load(turn, 0);
    if (state === 2) break;
    if (state === 0) {
      Atomics.wait(turn, 0, 0, 50);
      continue;
    }
    ring.pop(scratch);
  }
} else if (role === 'echo') {
  // Ping-pong: pop from `out`, push the same record to `back`, spinning (no sleeps), until `out` closes.
  const consumer = FixedConsumer.attach(workerData.out);
  const producer = FixedProducer.attach(workerData.back);
  const record = new Uint8Array(consumer.descriptor.recordSize);
  parentPort.postMessage('ready');
  for (;;) {
    if (consumer.tryPop(record) !== null) {
      while (!producer.tryPush(record)) {}
    } else if (consumer.isEnded()) break;
  }
  parentPort.postMessage('done');
} else if (role === 'messages') {
  let received = 0;
  parentPort.on('message', (message) => {
    if (message === 'flush') parentPort.postMessage(received);
    else if (message === 'exit') parentPort.close();
    else received++;
  });
  parentPort.postMessage('ready');
}
