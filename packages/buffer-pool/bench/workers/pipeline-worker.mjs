// One thread of a benchmark pipeline. workerData.roles lists what it runs:
// 'producer:q', 'drain:q', 'collector:q', 'replenish'. All of them are looping
// roles here (the producer too), so one thread can run a whole lane without
// ever blocking on itself. The main thread raises goal[q] (buffers to fill on
// lane q); collectors count into received[q] and notify when it reaches the goal.
// With `checked`, producers write checked-records.mjs's 1 KiB records (as many as a buffer
// holds) and collectors check every word of them, counting bad ones in errors[q].
import { parentPort, workerData } from 'node:worker_threads';
import { BufferPool, runRoles } from '../../dist/index.js';
import { RECORD_PAYLOAD, RECORD_SPAN, RecordChecker, writePayload } from './checked-records.mjs';

const { spec, roles, recordBytes, recordsPerBuffer, checksum, checked } = workerData;
const words = new Int32Array(workerData.coordination);
const lanes = spec.options.lanes;
const STOP = 2 * lanes;
const pool = BufferPool.open(spec);
const stopped = () => Atomics.load(words, STOP) !== 0;
/** One Int32Array per block, made once. */
const blockWords = new Map();
const wordsOf = (bytes) => {
  let view = blockWords.get(bytes.buffer);
  if (view === undefined) {
    view = new Int32Array(bytes.buffer);
    blockWords.set(bytes.buffer, view);
  }
  return view;
};

/** Fills one buffer with checked records (checked mode). */
function fillChecked(producer, lane, state) {
  const records = Math.floor(spec.options.bufferSize / RECORD_SPAN);
  // The first reserve takes the buffer; the rest land in it (typed-array .buffer is a slow call).
  const first = producer.reserve(RECORD_PAYLOAD, lane);
  const words = wordsOf(producer.bytes);
  writePayload(words, first, lane, state.sequence++);
  for (let i = 1; i < records; i++)
    writePayload(words, producer.reserve(RECORD_PAYLOAD, lane), lane, state.sequence++);
}

/**
 * Buffers a producer role fills per step: up to 64, but no more than 256 KiB of them. Where it
 * shares a thread with its lane's collector, that keeps each buffer in cache until it is
 * checked (64 buffers of 64 KiB before handing any on made the lane layout ~25% slower), while
 * small buffers still go in long steps (4 per step made 64-byte hand-offs ~1.5× slower).
 */
const BUFFERS_PER_STEP = Math.max(
  1,
  Math.min(64, Math.floor((256 * 1024) / spec.options.bufferSize)),
);

function producerRole(lane) {
  const producer = pool.producer(lane);
  const record = new Uint8Array(recordBytes ?? 0).fill(lane + 1);
  const state = { sequence: 0 };
  const writeLength = checked ? RECORD_PAYLOAD : recordBytes;
  let filled = 0;
  const hasWork = () =>
    (filled < Atomics.load(words, lane) && producer.canWrite(writeLength)) || stopped();
  return {
    finished: false,
    step() {
      let moved = 0;
      while (
        moved < BUFFERS_PER_STEP &&
        filled < Atomics.load(words, lane) &&
        producer.canWrite(writeLength)
      ) {
        if (checked) fillChecked(producer, lane, state);
        else for (let i = 0; i < recordsPerBuffer; i++) producer.write(record);
        producer.flush();
        filled++;
        moved++;
      }
      if (moved === 0 && stopped()) {
        producer.close();
        this.finished = true;
      }
      return moved;
    },
    hasWork,
    input: producer.input,
    sleepsOn: (queue) => producer.sleepsOn(queue),
    // Leading a thread of its own, the producer sleeps on what it lacks. With its goal met it
    // sleeps on the goal word (run() and stop() notify it): a wait on its free queue, where
    // every buffer sits when the lane is idle, returned at once, and an idle producer spun at
    // 100% of a vCPU — the other pipeline's, in a two-pipeline bench, ran ~6× slower. With
    // goal left but no free buffer, it sleeps on the free queue until work it can do arrives.
    sleep: (until) => {
      const goal = Atomics.load(words, lane);
      if (filled >= goal && !stopped()) {
        if (!until()) Atomics.wait(words, lane, goal, spec.options.tickMs);
        return 'until';
      }
      return producer.sleep(() => hasWork() || until());
    },
  };
}

function collectorRole(lane) {
  let received = 0;
  let sink = 0;
  const checker = new RecordChecker(lane);
  return pool.collector(lane, (bytes, offset, length) => {
    if (checked) {
      checker.check(wordsOf(bytes), offset, length);
      if (checker.errors > 0) Atomics.store(words, STOP + 1 + lane, checker.errors);
    } else if (checksum) {
      // The collector's real work: read every byte it was handed.
      const data = new Int32Array(bytes.buffer, bytes.byteOffset + offset, length >> 2);
      let sum = 0;
      for (let i = 0; i < data.length; i++) sum = (sum + data[i]) | 0;
      sink ^= sum;
      if (sink === 0.5) console.log(sink);
    }
    received++;
    Atomics.store(words, lanes + lane, received);
    if (received >= Atomics.load(words, lane)) Atomics.notify(words, lanes + lane);
  });
}

const loops = roles.map((name) => {
  const [kind, laneText] = name.split(':');
  const lane = Number(laneText);
  if (kind === 'producer') return producerRole(lane);
  if (kind === 'drain') return pool.drain(lane);
  if (kind === 'collector') return collectorRole(lane);
  return pool.replenish();
});
parentPort.postMessage('ready');
runRoles(loops);
parentPort.postMessage('exited');
