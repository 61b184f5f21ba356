// One side of a ring in a worker thread, for the stress and wait tests.
// workerData: { role, buffer, records, seed, ... } — see each role below.
import { parentPort, workerData } from 'node:worker_threads';
import { ByteConsumer, ByteProducer, FixedConsumer, FixedProducer } from '../../dist/index.js';
import { checkTestRecord, MIN_TEST_RECORD, writeTestRecord } from '../../dist/test.js';

function createRandom(seed) {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

const { role, buffer, records = 0, seed = 1 } = workerData;
const random = createRandom(seed);

/** Pushes `records` test records with random batch sizes and every write path; waits when full (block). */
function fixedProducer() {
  const producer = FixedProducer.attach(buffer);
  const size = producer.descriptor.recordSize;
  const blocking = producer.descriptor.fullPolicy === 'block';
  const batch = new Uint8Array(256 * size);
  let sequence = 0;
  while (sequence < records) {
    const want = Math.min(1 + random(256), records - sequence);
    const path = random(4);
    if (path === 0) {
      writeTestRecord(batch, 0, size, sequence);
      const record = batch.subarray(0, size);
      if (blocking) producer.push(record, { timeoutMs: 30_000 });
      else producer.tryPush(record);
      sequence += 1;
    } else if (path === 1) {
      for (let i = 0; i < want; i++) writeTestRecord(batch, i * size, size, sequence + i);
      let sent = producer.pushBatch(batch, want);
      while (blocking && sent < want) {
        producer.push(batch.subarray(sent * size, (sent + 1) * size), { timeoutMs: 30_000 });
        sent += 1;
        sent += producer.pushBatch(batch.subarray(sent * size), want - sent);
      }
      sequence += want;
    } else {
      const claim = producer.tryClaim(want);
      if (claim === null) {
        if (blocking) producer.push(writeAndView(batch, size, sequence++), { timeoutMs: 30_000 });
        else sequence += want;
        continue;
      }
      for (let i = 0; i < claim.count; i++)
        writeTestRecord(producer.data, claim.offset + i * size, size, sequence + i);
      if (random(8) === 0) {
        claim.abort();
        continue;
      }
      const keep = random(4) === 0 ? 1 + random(claim.count) : claim.count;
      claim.commit(keep);
      sequence += keep;
    }
  }
  producer.close();
  return { attempted: sequence };
}

function writeAndView(batch, size, sequence) {
  writeTestRecord(batch, 0, size, sequence);
  return batch.subarray(0, size);
}

/** Pushes `records` byte records of random sizes up to max record; claims, aborts, batches. */
function byteProducer() {
  const producer = ByteProducer.attach(buffer);
  const max = producer.descriptor.maxRecord;
  const blocking = producer.descriptor.fullPolicy === 'block';
  const scratch = new Uint8Array(max);
  let sequence = 0;
  while (sequence < records) {
    const length = MIN_TEST_RECORD + random(max - MIN_TEST_RECORD + 1);
    const type = sequence % 1000;
    const path = random(3);
    if (path === 0) {
      writeTestRecord(scratch, 0, length, sequence);
      const payload = scratch.subarray(0, length);
      if (blocking) producer.push(payload, type, { timeoutMs: 30_000 });
      else producer.tryPush(payload, type);
      sequence += 1;
    } else if (path === 1) {
      const count = Math.min(1 + random(8), records - sequence);
      const payloads = [];
      const types = [];
      for (let i = 0; i < count; i++) {
        const part = new Uint8Array(MIN_TEST_RECORD + random(max - MIN_TEST_RECORD + 1));
        writeTestRecord(part, 0, part.length, sequence + i);
        payloads.push(part);
        types.push((sequence + i) % 1000);
      }
      let sent = producer.pushBatch(payloads, types);
      while (blocking && sent < count) {
        producer.push(payloads[sent], types[sent], { timeoutMs: 30_000 });
        sent += 1;
        sent += producer.pushBatch(payloads.slice(sent), types.slice(sent));
      }
      sequence += count;
    } else {
      const claim = producer.tryClaim(length);
      if (claim === null) {
        if (!blocking) sequence += 1;
        else producer.push(writeAndView(scratch, length, sequence++), type, { timeoutMs: 30_000 });
        continue;
      }
      if (random(8) === 0) {
        claim.abort();
        continue;
      }
      const keep = Math.max(MIN_TEST_RECORD, length - random(8));
      writeTestRecord(producer.data, claim.offset, keep, sequence);
      claim.commit(type, keep);
      sequence += 1;
    }
  }
  producer.close();
  return { attempted: sequence };
}

/**
 * Drains until end-of-stream, checking every record. With `gapsAllowed` (drop
 * policy) sequence numbers may skip — the skipped ones must add up to the drops.
 */
function consume(kind) {
  const consumer = kind === 'fixed' ? FixedConsumer.attach(buffer) : ByteConsumer.attach(buffer);
  const size = consumer.descriptor.recordSize;
  const gapsAllowed = workerData.gapsAllowed === true;
  let expected = 0;
  let received = 0;
  let skipped = 0;
  let errors = 0;
  let firstError = '';
  const check = (data, offset, length, sequence) => {
    const problem = checkTestRecord(data, offset, length, sequence);
    if (problem !== '' && errors++ === 0) firstError = problem;
  };
  const next = (data, offset) => {
    if (!gapsAllowed) return expected;
    const sequence = new DataView(data.buffer, data.byteOffset + offset, 4).getUint32(0, true);
    if (sequence < expected) return expected; // reordered or duplicated: check() reports it
    skipped += sequence - expected;
    return sequence;
  };
  const handler =
    kind === 'fixed'
      ? (data, offset, count) => {
          for (let i = 0; i < count; i++) {
            const sequence = next(data, offset + i * size);
            check(data, offset + i * size, size, sequence);
            expected = sequence + 1;
            received++;
          }
        }
      : (data, offset, length, type) => {
          const sequence = next(data, offset);
          if (type !== sequence % 1000 && errors++ === 0)
            firstError = `record ${sequence} has type ${type}`;
          check(data, offset, length, sequence);
          expected = sequence + 1;
          received++;
        };
  for (;;) {
    const got = consumer.drain(handler, 1 + random(512));
    if (got === 0 && consumer.wait({ timeoutMs: 60_000 }) !== 'ready') break;
  }
  return {
    received,
    skipped,
    nextExpected: expected,
    errors,
    firstError,
    ended: consumer.isEnded(),
  };
}

/** Reports once it is about to wait, then waits as told and reports the outcome. */
function waiter() {
  const consumer = FixedConsumer.attach(buffer);
  const stop = new Int32Array(workerData.stopFlag);
  parentPort.postMessage({ waiting: true });
  const outcome = consumer.wait({
    timeoutMs: workerData.timeoutMs,
    tickMs: workerData.tickMs ?? 100,
    until: () => Atomics.load(stop, 0) === 1,
    ...(workerData.wakeOn ? { wakeOn: workerData.wakeOn } : {}),
    ...(workerData.atLeast
      ? { atLeast: workerData.atLeast, spin: workerData.spin, spinMicros: workerData.spinMicros }
      : {}),
  });
  if (workerData.atLeast) return { outcome, available: consumer.drain(() => {}) };
  return { outcome, popped: consumer.tryPop() !== null };
}

/** Pushes one record per message from the parent (for main-thread waitAsync tests). */
function pusher() {
  const producer = FixedProducer.attach(buffer);
  parentPort.on('message', (message) => {
    if (message === 'close') {
      producer.close();
      parentPort.postMessage({ closed: true });
      parentPort.close();
      return;
    }
    producer.tryPush(new Uint8Array(producer.descriptor.recordSize).fill(message));
    parentPort.postMessage({ pushed: message });
  });
}

const roles = {
  'fixed-producer': fixedProducer,
  'byte-producer': byteProducer,
  'fixed-consumer': () => consume('fixed'),
  'byte-consumer': () => consume('bytes'),
  waiter,
};

if (role === 'pusher') pusher();
else parentPort.postMessage({ done: roles[role]() });
