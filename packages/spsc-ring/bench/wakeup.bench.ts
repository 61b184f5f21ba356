/**
 * Wake-up latency: the consumer is asleep (no spinning) → the producer pushes one
 * record → how long until the consumer runs again. A worker thread (Atomics.wait)
 * against another process (futex on shared memory). `npm run bench -w @ringkit/spsc-ring`
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { defineSuite, latency } from '@ringkit/bench-kit';
import {
  createRing,
  createShared,
  FixedConsumer,
  FixedProducer,
  unlinkShared,
} from '../src/index.js';

const ECHO = new URL('./workers/wakeup-echo.mjs', import.meta.url);
const EVENTS_PER_MEASURE = 50;

interface Pair {
  producer: FixedProducer;
  replies: FixedConsumer;
  stop: () => Promise<void>;
}

/** Pushes one stamped record at a time, after the sleeper has surely gone to sleep, and collects its latencies. */
async function measure(pair: Pair): Promise<number[]> {
  const stamp = new Float64Array(2);
  const stampBytes = new Uint8Array(stamp.buffer);
  const reply = new Float64Array(1);
  const replyBytes = new Uint8Array(reply.buffer);
  const latencies: number[] = [];
  for (let i = 0; i < EVENTS_PER_MEASURE; i++) {
    await sleep(1);
    stamp[0] = Number(process.hrtime.bigint());
    pair.producer.tryPush(stampBytes);
    while (pair.replies.tryPop(replyBytes) === null)
      await pair.replies.waitAsync({ timeoutMs: 1000 });
    latencies.push(reply[0]!);
  }
  return latencies;
}

function wakeup(name: string, description: string, start: () => Promise<Pair>) {
  let pair: Pair;
  return latency({
    name,
    description,
    events: 2000,
    measure: () => measure(pair),
    setup: async () => {
      pair = await start();
    },
    teardown: () => pair.stop(),
  });
}

async function workerPair(): Promise<Pair> {
  const out = createRing({ kind: 'fixed', capacity: 16, recordSize: 16 });
  const back = createRing({ kind: 'fixed', capacity: 16, recordSize: 8 });
  const worker = new Worker(ECHO, { workerData: { out, back } });
  await once(worker, 'message');
  const producer = FixedProducer.attach(out);
  return {
    producer,
    replies: FixedConsumer.attach(back),
    stop: async () => {
      producer.close();
      await once(worker, 'exit');
    },
  };
}

async function processPair(): Promise<Pair> {
  const names = [
    `ringkit-wakeup-out-${process.pid}`,
    `ringkit-wakeup-back-${process.pid}`,
  ] as const;
  for (const name of names) unlinkShared(name);
  const producer = FixedProducer.attach(
    createShared(names[0], { kind: 'fixed', capacity: 16, recordSize: 16 }),
  );
  const replies = FixedConsumer.attach(
    createShared(names[1], { kind: 'fixed', capacity: 16, recordSize: 8 }),
  );
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(ECHO), ...names], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout!, 'data');
  return {
    producer,
    replies,
    stop: async () => {
      producer.close();
      await once(child, 'exit');
      for (const name of names) unlinkShared(name);
    },
  };
}

export default defineSuite({
  benches: [
    wakeup(
      'wakeup-worker',
      'consumer asleep in a worker thread (Atomics.wait) → one record pushed → consumer running',
      workerPair,
    ),
    wakeup(
      'wakeup-process',
      'consumer asleep in another process (futex on shared memory) → one record pushed → consumer running',
      processPair,
    ),
  ],
});
