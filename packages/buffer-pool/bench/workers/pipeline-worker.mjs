// One thread of a benchmark pipeline. workerData.roles lists what it runs:
// 'producer:q', 'drain:q', 'collector:q', 'replenish'. All of them are looping
// roles here (the producer too), so one thread can run a whole lane without
// ever blocking on itself. The main thread raises goal[q] (buffers to fill on
// lane q); collectors count into received[q] and notify when it reaches the goal.
import { parentPort, workerData } from 'node:worker_threads';
import { BufferPool, runRoles } from '../../dist/index.js';

const { spec, roles, recordBytes, recordsPerBuffer, checksum } = workerData;
const words = new Int32Array(workerData.coordination);
const lanes = spec.options.lanes;
const STOP = 2 * lanes;
const pool = BufferPool.open(spec);
const stopped = () => Atomics.load(words, STOP) !== 0;

function producerRole(lane) {
  const producer = pool.producer(lane);
  const record = new Uint8Array(recordBytes).fill(lane + 1);
  let filled = 0;
  return {
    finished: false,
    step() {
      let moved = 0;
      while (moved < 64 && filled < Atomics.load(words, lane) && producer.canWrite(recordBytes)) {
        for (let i = 0; i < recordsPerBuffer; i++) producer.write(record);
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
    hasWork: () =>
      (filled < Atomics.load(words, lane) && producer.canWrite(recordBytes)) || stopped(),
    input: producer.input,
    sleepsOn: (queue) => producer.sleepsOn(queue),
    sleep: (until) =>
      producer.sleep(() => filled < Atomics.load(words, lane) || stopped() || until()),
  };
}

function collectorRole(lane) {
  let received = 0;
  let sink = 0;
  return pool.collector(lane, (bytes, offset, length) => {
    if (checksum) {
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
