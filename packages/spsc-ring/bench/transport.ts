import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import {
  ByteProducer,
  createRing,
  createShared,
  FixedConsumer,
  FixedProducer,
  type RingOptions,
  startNativeProducer,
  unlinkShared,
} from '../src/index.js';
import { FloorRing, floorRingBytes } from './floor-ring.mjs';
import { MinimalRing, minimalRingBytes } from './minimal-ring.mjs';

/**
 * The transports compared in transport.bench.ts, each behind the same small
 * interface: `send(n)` moves n records of 32 bytes from this thread to a
 * consumer and returns once the consumer has them all.
 */
export const RECORD_BYTES = 32;
export const BATCH = 256;

export interface Transport {
  start(): Promise<void>;
  send(records: number): unknown;
  stop(): Promise<void>;
}

const WORKER = new URL('./workers/bench-worker.mjs', import.meta.url);

async function startWorker(workerData: Record<string, unknown>): Promise<Worker> {
  const worker = new Worker(WORKER, { workerData });
  const [message] = await once(worker, 'message');
  if (message !== 'ready') throw new Error(`bench worker said ${String(message)} instead of ready`);
  return worker;
}

/** MessageChannel.postMessage of a 32-byte Uint8Array per record (structured clone). */
export function postMessageTransport(): Transport {
  let worker: Worker;
  const record = new Uint8Array(RECORD_BYTES);
  return {
    async start() {
      worker = await startWorker({ role: 'messages' });
    },
    async send(records) {
      for (let i = 0; i < records; i++) {
        record[0] = i;
        worker.postMessage(record);
      }
      worker.postMessage('flush');
      await once(worker, 'message');
    },
    async stop() {
      await worker.terminate();
    },
  };
}

/**
 * Pushes through our ring, one push() per record (the `block` policy's push: when the ring is
 * full it spins, then sleeps, rather than burning the core the consumer may need) or one
 * claim/commit per batch, then waits until drained.
 */
function sendThroughRing(
  producer: FixedProducer,
  mode: 'single' | 'batched',
  records: number,
  record: Uint8Array,
): void {
  if (mode === 'single') {
    for (let i = 0; i < records; i++) {
      record[0] = i;
      producer.push(record);
    }
  } else {
    for (let sent = 0; sent < records; ) {
      // claim waits (spin, then sleep) for room for the whole batch when the ring is full.
      const claim = producer.claim(Math.min(BATCH, records - sent))!;
      const data = producer.data;
      for (let i = 0; i < claim.count; i++) data[claim.offset + i * RECORD_BYTES] = sent + i;
      claim.commit();
      sent += claim.count;
    }
  }
  while (producer.stats().used > 0) {}
}

/**
 * The same through a byte ring: push() per 32-byte record, or claimRecords per batch of 256.
 * A loop of its own, not sendThroughRing made generic: each loop must see one producer class,
 * or its push/claim call sites turn polymorphic and V8 stops inlining them.
 */
function sendThroughByteRing(
  producer: ByteProducer,
  mode: 'single' | 'batched',
  records: number,
  record: Uint8Array,
): void {
  if (mode === 'single') {
    for (let i = 0; i < records; i++) {
      record[0] = i;
      producer.push(record);
    }
  } else {
    for (let sent = 0; sent < records; ) {
      const claim = producer.claimRecords(Math.min(BATCH, records - sent), RECORD_BYTES)!;
      const data = producer.data;
      for (let i = 0; i < claim.count; i++) data[claim.offset + i * claim.stride] = sent + i;
      claim.commit();
      sent += claim.count;
    }
  }
  while (producer.stats().used > 0) {}
}

/**
 * A ring of ours with a worker draining it in `role` (bench-worker.mjs): the producer attached
 * here, `send` pushing through it, and closing it ends the worker.
 */
function ringWithWorker<P extends FixedProducer | ByteProducer>(
  options: RingOptions,
  attach: (buffer: SharedArrayBuffer) => P,
  role: string,
  send: (producer: P, records: number) => unknown,
): Transport {
  let worker: Worker;
  let producer: P;
  return {
    async start() {
      const buffer = createRing(options);
      producer = attach(buffer);
      worker = await startWorker({ role, buffer });
    },
    send: (records) => send(producer, records),
    async stop() {
      producer.close();
      await once(worker, 'message');
      await worker.terminate();
    },
  };
}

const FIXED_RING: RingOptions = {
  kind: 'fixed',
  capacity: 4096,
  recordSize: RECORD_BYTES,
  fullPolicy: 'block',
};

/** Our fixed-slot ring, one push per record or one claim/commit per batch of 256; a worker drains. */
export function ringTransport(mode: 'single' | 'batched'): Transport {
  const record = new Uint8Array(RECORD_BYTES);
  return ringWithWorker(FIXED_RING, FixedProducer.attach, 'drain', (producer, records) =>
    sendThroughRing(producer, mode, records, record),
  );
}

/**
 * The README's first example (examples/worker.mjs), its loops as written there: `tryClaim` of
 * up to 256 slots (`await claimAsync` only when the ring is full), ids written in place through
 * `views.u32`, one commit; the worker drains through `views.u32` and waits gathering 64.
 */
export function readmeExampleTransport(): Transport {
  return ringWithWorker(FIXED_RING, FixedProducer.attach, 'readme', async (producer, records) => {
    const { u32 } = producer.views;
    for (let sent = 0; sent < records; ) {
      const wanted = Math.min(256, records - sent);
      const claim = (producer.tryClaim(wanted) ??
        (await producer.claimAsync(wanted, { timeoutMs: 5000 })))!;
      for (let i = 0; i < claim.count; i++) u32[(claim.offset >> 2) + i * 8] = sent + i;
      claim.commit();
      sent += claim.count;
    }
    while (producer.stats().used > 0) {}
  });
}

/**
 * A byte-record ring of 128 KiB (as much data as the fixed ring's 4096 slots); a worker drains,
 * record by record (drain) for single pushes, run by run (drainRuns) for claimRecords batches.
 */
export function byteRingTransport(mode: 'single' | 'batched'): Transport {
  const record = new Uint8Array(RECORD_BYTES);
  return ringWithWorker(
    { kind: 'bytes', capacity: 4096 * RECORD_BYTES, fullPolicy: 'block' },
    ByteProducer.attach,
    mode === 'single' ? 'byte-drain' : 'byte-drain-runs',
    (producer, records) => sendThroughByteRing(producer, mode, records, record),
  );
}

/**
 * The bar (bench/minimal-ring.mjs): a thirty-line ring with Atomics on every push
 * and pop, one record per push, a worker popping one at a time.
 */
export function minimalRingTransport(): Transport {
  let worker: Worker;
  let ring: MinimalRing;
  const record = new Uint8Array(RECORD_BYTES);
  return {
    async start() {
      const buffer = new SharedArrayBuffer(minimalRingBytes(4096, RECORD_BYTES));
      ring = new MinimalRing(buffer, 4096, RECORD_BYTES);
      worker = await startWorker({ role: 'minimal', buffer, capacity: 4096 });
    },
    send(records) {
      for (let i = 0; i < records; i++) {
        record[0] = i;
        ring.push(record);
      }
      while (!ring.empty()) {}
    },
    async stop() {
      await worker.terminate(); // the bar has no close()
    },
  };
}

/**
 * The floor (bench/floor-ring.mjs): batches of 256 written in place and published with one
 * store, a worker polling flat out and reading each record's first byte, as 'drain' does.
 */
export function floorTransport(): Transport {
  let worker: Worker;
  let ring: FloorRing;
  return {
    async start() {
      const buffer = new SharedArrayBuffer(floorRingBytes(4096, RECORD_BYTES));
      ring = new FloorRing(buffer, 4096, RECORD_BYTES);
      worker = await startWorker({ role: 'floor', buffer, capacity: 4096 });
    },
    send(records) {
      const data = ring.data;
      ring.beginSend();
      for (let sent = 0; sent < records; ) {
        const count = ring.claim(Math.min(BATCH, records - sent));
        const offset = ring.offset;
        for (let i = 0; i < count; i++) data[offset + i * RECORD_BYTES] = sent + i;
        ring.publish(count);
        sent += count;
      }
      while (!ring.empty()) {}
      ring.endSend();
    },
    async stop() {
      await worker.terminate(); // the floor has no close()
    },
  };
}

/** The same ring in named shared memory, drained by another Node process (bench/workers/process-drain.mjs). */
export function processTransport(mode: 'single' | 'batched'): Transport {
  const name = `ringkit-bench-${process.pid}-${mode}`;
  let child: ChildProcess;
  let producer: FixedProducer;
  const record = new Uint8Array(RECORD_BYTES);
  return {
    async start() {
      unlinkShared(name);
      const buffer = createShared(name, FIXED_RING);
      producer = FixedProducer.attach(buffer);
      child = spawn(
        process.execPath,
        [fileURLToPath(new URL('./workers/process-drain.mjs', import.meta.url)), name],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await once(child.stdout!, 'data');
    },
    send(records) {
      sendThroughRing(producer, mode, records, record);
    },
    async stop() {
      producer.close();
      await once(child, 'exit');
      unlinkShared(name);
    },
  };
}

/** ringbuf.js@0.4.0 as its README uses it: a byte ring, push and pop of whole records. */
export function ringbufjsTransport(mode: 'single' | 'batched'): Transport {
  let worker: Worker;
  let ring: RingBuffer;
  let turn: Int32Array;
  const chunk = mode === 'single' ? RECORD_BYTES : RECORD_BYTES * BATCH;
  const records = new Uint8Array(chunk);
  return {
    async start() {
      const buffer = RingBuffer.getStorageForCapacity(4096 * RECORD_BYTES, Uint8Array);
      ring = new RingBuffer(buffer, Uint8Array);
      turn = new Int32Array(new SharedArrayBuffer(4));
      worker = await startWorker({ role: 'ringbufjs', buffer, turn: turn.buffer, popBytes: chunk });
    },
    send(count) {
      Atomics.store(turn, 0, 1);
      Atomics.notify(turn, 0);
      const perPush = chunk / RECORD_BYTES;
      for (let sent = 0; sent < count; sent += perPush) {
        records[0] = sent;
        // A partial push would tear a record: wait for room for the whole chunk.
        while (ring.availableWrite() < chunk) {}
        ring.push(records);
      }
      while (!ring.empty()) {}
      Atomics.store(turn, 0, 0);
    },
    async stop() {
      Atomics.store(turn, 0, 2);
      Atomics.notify(turn, 0);
      await once(worker, 'exit');
    },
  };
}

/** A native producer thread (batches of 256) → this thread draining; returns records/s figures. */
export function nativeToJsTransport(): Transport {
  let buffer: SharedArrayBuffer;
  let consumer: FixedConsumer;
  return {
    async start() {
      buffer = createRing({
        kind: 'fixed',
        capacity: 4096,
        recordSize: RECORD_BYTES,
        waitDomain: 'os',
        fullPolicy: 'block',
      });
      consumer = FixedConsumer.attach(buffer);
    },
    async send(records) {
      const native = startNativeProducer(buffer, { records, batch: BATCH });
      const total = { checksum: 0 }; // a field, not a captured let (see bench-worker.mjs)
      let received = 0;
      while (received < records) {
        const got = consumer.drain((data, offset, count) => {
          let checksum = total.checksum;
          for (let i = 0; i < count; i++)
            checksum = (checksum + data[offset + i * RECORD_BYTES]!) | 0;
          total.checksum = checksum;
        });
        received += got;
        // Gather a batch while spinning, as the worker drains do.
        if (got < BATCH && received < records) consumer.wait({ atLeast: BATCH });
      }
      await native.join();
      return total.checksum;
    },
    async stop() {},
  };
}
