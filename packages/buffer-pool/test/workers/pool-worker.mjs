// Takes the roles named in workerData.roles ('producer:0', 'drain:1', 'collector:0', 'replenish')
// and runs them; producers write sequence-numbered, checksummed records; collectors check them.
// With workerData.delays, every role pauses now and then, at random, for up to a millisecond.
import { parentPort, workerData } from 'node:worker_threads';
import { BufferPool, forEachRecord, runRoles } from '../../dist/index.js';
import { checkRecord, writeRecord } from './records.mjs';

const {
  spec,
  roles: roleNames,
  records,
  delays,
  seed,
  maxPayload,
  throwEvery,
  ratePerLane,
  minHandoffsPerLane = 0,
} = workerData;
const pool = BufferPool.open(spec);
let random = seed >>> 0 || 1;
const next = () => {
  random ^= random << 13;
  random ^= random >>> 17;
  random ^= random << 5;
  return (random >>> 0) / 2 ** 32;
};
const pause = new Int32Array(new SharedArrayBuffer(4));
const maybeDelay = () => {
  if (delays && next() < 0.002) Atomics.wait(pause, 0, 0, next());
};

// Producers with ratePerLane write at about that many records per second, sleeping when ahead.
const paceStart = performance.now();
const keepPace = (sequence) => {
  const ahead = paceStart + (sequence / ratePerLane) * 1000 - performance.now();
  if (ahead > 0.2) Atomics.wait(pause, 0, 0, ahead);
};

const report = {};
const loops = [];
for (const name of roleNames) {
  const [kind, laneText] = name.split(':');
  const lane = Number(laneText);
  if (kind === 'producer') {
    const producer = pool.producer(lane);
    const scratch = new Uint8Array(maxPayload);
    let written = 0;
    let dropped = 0;
    const blockTimeouts = [];
    // With minHandoffsPerLane, it writes on past `records`, 4096 at a time, until its lane
    // handed that many buffers to the collector (at most 4 × records in all): a volume a slow
    // phase cannot cut short by raising the drops.
    let limit = records;
    const extend = () => {
      if (limit < 4 * records && pool.stats().lanes[lane].handoffs < minHandoffsPerLane)
        limit += 4096;
    };
    let sequence = 0;
    for (; sequence < limit; sequence++) {
      if (sequence === limit - 1 && minHandoffsPerLane > 0) extend();
      const length = 8 + Math.floor(next() * (maxPayload - 7));
      writeRecord(scratch, length, lane, sequence);
      try {
        if (producer.write(scratch.subarray(0, length), lane)) written++;
        else dropped++;
      } catch (error) {
        blockTimeouts.push(String(error.message));
        break;
      }
      if ((sequence & 63) === 0) maybeDelay();
      if (ratePerLane && (sequence & 15) === 0) keepPace(sequence);
    }
    producer.close();
    report[name] = { written, dropped, blockTimeouts, produced: sequence };
  } else if (kind === 'drain') {
    const drain = pool.drain(lane);
    const step = drain.step.bind(drain);
    drain.step = () => {
      maybeDelay();
      return step();
    };
    loops.push(drain);
  } else if (kind === 'collector') {
    const state = { received: 0, gaps: 0, nextSequence: 0, bad: 0, buffers: 0, firstBad: null };
    let collected = 0;
    const collector = pool.collector(
      lane,
      (bytes, offset, length) => {
        collected++;
        if (throwEvery && collected % throwEvery === 0)
          throw new Error(`planned failure ${collected}`);
        state.buffers++;
        forEachRecord(bytes, offset, length, (data, at, payloadLength, type) => {
          const sequence = checkRecord(data, at, payloadLength);
          if (sequence < 0 || type !== lane) {
            state.bad++;
            state.firstBad ??= { sequence, type, payloadLength };
            return;
          }
          if (sequence < state.nextSequence) state.bad++;
          state.gaps += sequence - state.nextSequence;
          state.nextSequence = sequence + 1;
          state.received++;
        });
        maybeDelay();
      },
      { onError: () => {} },
    );
    report[name] = state;
    loops.push(collector);
  } else if (kind === 'replenish') {
    const replenish = pool.replenish();
    const step = replenish.step.bind(replenish);
    replenish.step = () => {
      maybeDelay();
      return step();
    };
    loops.push(replenish);
  }
}
parentPort.postMessage({ started: true });
runRoles(loops);
parentPort.postMessage({ report });
