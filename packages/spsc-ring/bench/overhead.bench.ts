/**
 * The package's entry in the overhead budget gate: a decode-like step (~100 µs
 * of real arithmetic) that records 10 events into the ring, drained by a worker,
 * against the same step recording nothing. `npm run bench -w @ringkit/spsc-ring`
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { defineSuite, overhead } from '@ringkit/bench-kit';
import { createRing, FixedProducer } from '../src/index.js';

const EVENTS_PER_STEP = 10;
const EVENT_BYTES = 32;

/** A matrix-vector product, the shape of a small decode step: enough real work that the JIT cannot skip it. */
function createDecodeStep(size = 224) {
  const weights = Float32Array.from({ length: size * size }, (_, index) => Math.sin(index) * 0.01);
  const input = Float32Array.from({ length: size }, (_, index) => Math.cos(index));
  const output = new Float32Array(size);
  return () => {
    for (let row = 0; row < size; row++) {
      let sum = 0;
      const base = row * size;
      for (let column = 0; column < size; column++) sum += weights[base + column]! * input[column]!;
      output[row] = Math.tanh(sum);
    }
    // Feed the output back so every step depends on the last one.
    input.set(output);
    return output[0]!;
  };
}

let producer: FixedProducer;
let worker: Worker;
const event = new Uint8Array(EVENT_BYTES);
const eventWords = new Uint32Array(event.buffer);
const eventTimes = new Float64Array(event.buffer);
const decodeStep = createDecodeStep();
let step = 0;

/**
 * Both sides run this one function, so both run the same optimised code: two
 * closures of the same source can be compiled differently by V8 and differ by
 * tens of percent on their own, which would measure the JIT, not the recording.
 */
function decode(steps: number, record: boolean): number {
  let value = 0;
  for (let i = 0; i < steps; i++) {
    value = decodeStep();
    if (!record) continue;
    step++;
    for (let event = 0; event < EVENTS_PER_STEP; event++) recordEvent(event, value);
  }
  return value;
}

function recordEvent(index: number, value: number): void {
  eventWords[0] = step;
  eventWords[1] = index;
  eventTimes[1] = performance.now();
  eventTimes[2] = value;
  producer.tryPush(event);
}

export default defineSuite({
  benches: [
    overhead({
      name: 'record-10-events-per-step',
      description:
        'decode-like step (~100 µs) recording 10 × 32-byte events into a drop ring drained by a worker every 1 ms tick, vs recording nothing',
      budget: 8,
      baseline: { batch: (steps: number) => void decode(steps, false) },
      candidate: { batch: (steps: number) => void decode(steps, true) },
      setup: async () => {
        const buffer = createRing({ kind: 'fixed', capacity: 1 << 16, recordSize: EVENT_BYTES });
        producer = FixedProducer.attach(buffer);
        worker = new Worker(new URL('./workers/bench-worker.mjs', import.meta.url), {
          workerData: { role: 'drain', buffer, wakeOn: 'tick' },
        });
        await once(worker, 'message');
      },
      teardown: async () => {
        producer.close();
        await once(worker, 'message');
        await worker.terminate();
        const { dropped, pushed } = producer.stats();
        console.log(`  (${pushed} events recorded, ${dropped} dropped)`);
      },
    }),
  ],
});
