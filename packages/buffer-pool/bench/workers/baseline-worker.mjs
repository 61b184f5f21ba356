// One thread of a deployed-layout baseline (bench/deployed.ts): what a Node user would build
// instead of the pool. Roles (workerData.role), one lane each:
// - 'ids-producer' / 'ids-consumer': buffers in one SharedArrayBuffer block per lane, buffer
//   ids posted over a MessageChannel, each id posted back once its buffer was checked (one
//   consumer may serve several lanes: workerData.ports, one per lane in workerData.served);
// - 'transfer-producer' / 'transfer-consumer': ArrayBuffers transferred over postMessage, and
//   back once checked;
// - 'ceiling': one thread fills a buffer and checks it, through the lane's buffers in turn:
//   no hand-off at all.
// The main thread raises goal[lane] (buffers to fill) and posts 'go'; consumers count into
// received[lane], notify once it reaches the goal, and keep their error count in errors[lane].
import { parentPort, workerData } from 'node:worker_threads';
import { RECORD_SPAN, RecordChecker, writeRecord } from './checked-records.mjs';

const { role, lane, lanes, bufferSize, buffers } = workerData;
const words = new Int32Array(workerData.coordination);
const GOAL = lane;
const RECEIVED = lanes + lane;
const recordsPerBuffer = Math.floor(bufferSize / RECORD_SPAN);
const used = recordsPerBuffer * RECORD_SPAN;

/** Counts a checked buffer of `checker`'s lane, waking the main thread once it reached its goal. */
function received(checker) {
  const count = Atomics.add(words, lanes + checker.lane, 1) + 1;
  if (checker.errors > 0) Atomics.store(words, 2 * lanes + 1 + checker.lane, checker.errors);
  if (count >= Atomics.load(words, checker.lane)) Atomics.notify(words, lanes + checker.lane);
}

/** A producer: fills free buffers while the goal allows, sends each one; `give` returns one. */
function producer(send, take) {
  let filled = 0;
  let sequence = 0;
  const fill = () => {
    for (;;) {
      if (filled >= Atomics.load(words, GOAL)) return;
      const buffer = take();
      if (buffer === undefined) return;
      for (let record = 0, at = buffer.start; record < recordsPerBuffer; record++) {
        writeRecord(buffer.words, at, lane, sequence++);
        at += RECORD_SPAN;
      }
      send(buffer);
      filled++;
    }
  };
  parentPort.on('message', (message) => {
    if (message === 'go') fill();
  });
  return fill;
}

if (role === 'ids-producer') {
  const { port } = workerData;
  const block = new SharedArrayBuffer(bufferSize * buffers);
  const blockWords = new Int32Array(block);
  const free = Array.from({ length: buffers }, (_, id) => id);
  port.postMessage(block); // the consumer's one registration of the block
  const fill = producer(
    (buffer) => port.postMessage(buffer.id),
    () => {
      const id = free.pop();
      return id === undefined ? undefined : { id, start: id * bufferSize, words: blockWords };
    },
  );
  port.on('message', (id) => {
    free.push(id);
    fill();
  });
} else if (role === 'ids-consumer') {
  workerData.ports.forEach((port, index) => {
    const checker = new RecordChecker(workerData.served[index]);
    let blockWords;
    port.on('message', (message) => {
      if (blockWords === undefined) {
        blockWords = new Int32Array(message);
        return;
      }
      checker.check(blockWords, message * bufferSize, used);
      port.postMessage(message);
      received(checker);
    });
  });
} else if (role === 'transfer-producer') {
  const { port } = workerData;
  const free = Array.from({ length: buffers }, () => new ArrayBuffer(bufferSize));
  const fill = producer(
    (buffer) => port.postMessage(buffer.memory, [buffer.memory]),
    () => {
      const memory = free.pop();
      return memory === undefined ? undefined : { memory, start: 0, words: new Int32Array(memory) };
    },
  );
  port.on('message', (memory) => {
    free.push(memory);
    fill();
  });
} else if (role === 'transfer-consumer') {
  const { port } = workerData;
  const checker = new RecordChecker(lane);
  port.on('message', (memory) => {
    checker.check(new Int32Array(memory), 0, used);
    port.postMessage(memory, [memory]);
    received(checker);
  });
} else if (role === 'ceiling') {
  // The lane's 16 buffers, each filled and checked in turn: the memory a pipeline lane cycles
  // through, with no hand-off (one buffer reused would stay in L1/L2 and measure the cache),
  // and shared memory as the pool's blocks are (V8 fills a shared typed array with relaxed
  // atomic stores, not memset: half the speed of a private one).
  const memory = new Int32Array(new SharedArrayBuffer(bufferSize * buffers));
  const checker = new RecordChecker(lane);
  let sequence = 0;
  let next = 0;
  parentPort.on('message', (message) => {
    if (message !== 'go') return;
    while (Atomics.load(words, RECEIVED) < Atomics.load(words, GOAL)) {
      const start = next * bufferSize;
      next = (next + 1) % buffers;
      for (let record = 0, at = start; record < recordsPerBuffer; record++, at += RECORD_SPAN)
        writeRecord(memory, at, lane, sequence++);
      checker.check(memory, start, used);
      received(checker);
    }
  });
} else {
  throw new Error(`baseline-worker: unknown role ${role}`);
}
parentPort.postMessage('ready');
