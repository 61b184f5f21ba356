// Who waits, and for how long, while 32-byte records cross from the main thread to a worker in
// claims of 256: the fixed ring (claim/commit, drain) and the byte ring (claimRecords/commit,
// drainRuns), as transport.bench.ts moves them. Per round and ring: ns a record, the producer's
// waits for room (how many ended while it spun, how many slept, their p50 and p90) and the
// consumer's waits and sleeps. A slow round whose waits slept few times yet lasted a millisecond
// is the other vCPU taken away, not a side asleep.
//
//   node bench/wait-census.mjs [rounds=4] [records=4000000]
//
// Diagnostic, not a benchmark: it counts sleeps by wrapping Atomics.wait in each thread and
// times the producer's waits by wrapping its (protected) waitForSpaceSync.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  ByteConsumer,
  ByteProducer,
  createRing,
  FixedConsumer,
  FixedProducer,
} from '../dist/index.js';

const BATCH = 256;
const RECORD_BYTES = 32;
const GATHER = 64;
let sleeps = 0;
const atomicsWait = Atomics.wait;
Atomics.wait = (...args) => {
  sleeps++;
  return atomicsWait(...args);
};

/** Times each wait of `producer` for room that does not end at once. */
function timeWaits(producer) {
  const waits = { spun: 0, slept: 0, micros: [] };
  const wait = producer.waitForSpaceSync.bind(producer);
  producer.waitForSpaceSync = (wanted, options) => {
    if (producer.freeSpace(wanted) >= wanted) return;
    const sleepsBefore = sleeps;
    const start = performance.now();
    wait(wanted, options);
    waits.micros.push((performance.now() - start) * 1000);
    if (sleeps === sleepsBefore) waits.spun++;
    else waits.slept++;
  };
  return waits;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : Math.round(sorted[Math.floor(p * (sorted.length - 1))]);
}

function produce(kind, buffer, records) {
  const producer = (kind === 'fixed' ? FixedProducer : ByteProducer).attach(buffer);
  const waits = timeWaits(producer);
  const data = producer.data;
  const start = performance.now();
  for (let sent = 0; sent < records; ) {
    const wanted = Math.min(BATCH, records - sent);
    if (kind === 'fixed') {
      const claim = producer.claim(wanted);
      for (let i = 0; i < claim.count; i++) data[claim.offset + i * RECORD_BYTES] = sent + i;
      claim.commit();
      sent += claim.count;
    } else {
      const claim = producer.claimRecords(wanted, RECORD_BYTES);
      for (let i = 0; i < claim.count; i++) data[claim.offset + i * claim.stride] = sent + i;
      claim.commit();
      sent += claim.count;
    }
  }
  while (producer.stats().used > 0) {}
  const nsPerRecord = ((performance.now() - start) * 1e6) / records;
  producer.close();
  return { nsPerRecord, waits };
}

if (isMainThread) {
  const rounds = Number(process.argv[2] ?? 4);
  const records = Number(process.argv[3] ?? 4_000_000);
  for (let round = 1; round <= rounds; round++) {
    for (const kind of ['fixed', 'bytes']) {
      const buffer =
        kind === 'fixed'
          ? createRing({ kind, capacity: 4096, recordSize: RECORD_BYTES, fullPolicy: 'block' })
          : createRing({ kind, capacity: 4096 * RECORD_BYTES, fullPolicy: 'block' });
      const worker = new Worker(new URL(import.meta.url), { workerData: { kind, buffer } });
      await new Promise((resolve) => worker.once('message', resolve));
      const { nsPerRecord, waits } = produce(kind, buffer, records);
      const consumer = await new Promise((resolve) => worker.once('message', resolve));
      await worker.terminate();
      console.log(
        `round ${round} ${kind.padEnd(5)} ${nsPerRecord.toFixed(1).padStart(5)} ns a record; producer waits ${waits.spun + waits.slept} (${waits.spun} spun, ${waits.slept} slept; p50 ${percentile(waits.micros, 0.5)} µs, p90 ${percentile(waits.micros, 0.9)} µs); consumer waits ${consumer.waits}, slept ${consumer.sleeps}`,
      );
    }
  }
} else {
  const { kind, buffer } = workerData;
  const consumer = (kind === 'fixed' ? FixedConsumer : ByteConsumer).attach(buffer);
  // As bench-worker.mjs's 'drain' and 'byte-drain-runs' roles: gather 64 records while spinning.
  const options = { tickMs: 50, atLeast: kind === 'fixed' ? GATHER : GATHER * 40 };
  const total = { checksum: 0 };
  let waits = 0;
  parentPort.postMessage('ready');
  for (;;) {
    const got =
      kind === 'fixed'
        ? consumer.drain((data, offset, count) => {
            let checksum = total.checksum;
            for (let i = 0; i < count; i++)
              checksum = (checksum + data[offset + i * RECORD_BYTES]) | 0;
            total.checksum = checksum;
          })
        : consumer.drainRuns((data, offset, count, stride) => {
            let checksum = total.checksum;
            for (let i = 0; i < count; i++) checksum = (checksum + data[offset + i * stride]) | 0;
            total.checksum = checksum;
          });
    if (got < GATHER) {
      waits++;
      if (consumer.wait(options) === 'closed') break;
    }
  }
  parentPort.postMessage({ waits, sleeps });
}
