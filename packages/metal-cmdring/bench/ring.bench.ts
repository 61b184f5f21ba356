/**
 * The command ring on the cpu backend.
 * - ring-vs-direct (the package's overhead gate, 8%): a stream of 50 µs ops
 *   through a 3-slot ring (acquireSync, record, submit) vs handed straight to an
 *   executor thread one at a time with nothing of the ring (DirectExecutor: the
 *   same busy work and the same poll-then-sleep waits, so only the ring's
 *   bookkeeping and pipelining differ). With 10 µs of recording per op as well.
 * - the same stream driven from the event loop (await acquire, commit): ops/s.
 * - acquire / commit latency from JavaScript on the fast path (a free slot).
 * - decode loop throughput for ring sizes 1–4 (encode 25 µs here, execute 50 µs there).
 * `npm run bench -w @ringkit/metal-cmdring`; the utilisation table is bench/decode-table.ts.
 */
import { defineSuite, latency, overhead, throughput } from '@ringkit/bench-kit';
import { type CommandRing, openRing } from '../src/index.js';
import { requireNative } from '../src/native.js';
import type { NativeDirectExecutor } from '../src/native-binding.js';
import { decodeLoop, encodeFor } from './decode-loop.js';

const OP_US = 50;
let direct: NativeDirectExecutor;
let streamRing: CommandRing;

function throughRing(ops: number, encodeUs = 0): number {
  let last = 0;
  for (let i = 0; i < ops; i++) {
    const slot = streamRing.acquireSync();
    encodeFor(encodeUs);
    slot.busyFor(OP_US);
    last = streamRing.submit(slot);
  }
  streamRing.waitSync(last);
  return ops;
}

async function throughRingFromEventLoop(ops: number): Promise<number> {
  let last: Promise<number> | undefined;
  for (let i = 0; i < ops; i++) {
    const slot = await streamRing.acquire();
    slot.busyFor(OP_US);
    last = streamRing.commit(slot);
  }
  await last;
  return ops;
}

function straightToExecutor(ops: number, encodeUs = 0): number {
  for (let i = 0; i < ops; i++) {
    encodeFor(encodeUs);
    direct.run(OP_US);
  }
  return ops;
}

const startStream = () => {
  direct = new (requireNative('the benchmark').DirectExecutor)(50);
  streamRing = openRing({ backend: 'cpu', ringSize: 3 });
};
const stopStream = async () => {
  direct.close();
  await streamRing.close();
};

/** Latencies of `events` acquires (or commits) of free slots, in ns. */
async function fastPath(events: number, which: 'acquire' | 'commit'): Promise<number[]> {
  const ring = openRing({ backend: 'cpu', ringSize: 64 });
  const latencies: number[] = [];
  let last: Promise<number> | undefined;
  for (let i = 0; i < events; i++) {
    // Every 32nd event waits for the executor, so the next 32 slots are free.
    if (i % 32 === 0) await last;
    const before = process.hrtime.bigint();
    const slot = await ring.acquire();
    const acquired = process.hrtime.bigint();
    last = ring.commit(slot);
    const committed = process.hrtime.bigint();
    latencies.push(Number(which === 'acquire' ? acquired - before : committed - acquired));
  }
  await last;
  await ring.close();
  return latencies;
}

const decodeRings = new Map<number, CommandRing>();

export default defineSuite({
  benches: [
    overhead({
      name: 'ring-vs-direct',
      description: `a stream of ${OP_US} µs executor ops: through a 3-slot ring (acquireSync, record, submit) vs straight to an executor thread one at a time without the ring, both waiting the same way (poll 50 µs, then sleep)`,
      budget: 8,
      itemsPerIteration: 1,
      baseline: { batch: (ops: number) => straightToExecutor(ops) },
      candidate: { batch: (ops: number) => throughRing(ops) },
      sampling: { sampleTargetMs: 50 },
      setup: startStream,
      teardown: stopStream,
    }),
    overhead({
      name: 'ring-vs-direct-encode-10us',
      description: `the same stream with 10 µs of recording work on the JS thread per op: the ring overlaps it with execution, one at a time cannot`,
      budget: 8,
      itemsPerIteration: 1,
      baseline: { batch: (ops: number) => straightToExecutor(ops, 10) },
      candidate: { batch: (ops: number) => throughRing(ops, 10) },
      sampling: { sampleTargetMs: 50 },
      setup: startStream,
      teardown: stopStream,
    }),
    throughput({
      name: 'stream-event-loop',
      description: `the same ${OP_US} µs stream through the 3-slot ring from the event loop (await acquire, commit → promise); ops per second (executor-bound at ${1e6 / OP_US}/s)`,
      itemsPerIteration: 1,
      sampling: { sampleTargetMs: 50 },
      workload: { batch: throughRingFromEventLoop },
      setup: startStream,
      teardown: stopStream,
    }),
    latency({
      name: 'acquire-free-slot',
      description:
        'await ring.acquire() when the slot is free (64-slot ring, cpu backend), from JS',
      measure: () => fastPath(2_000, 'acquire'),
    }),
    latency({
      name: 'commit',
      description: 'ring.commit(slot) of an empty slot (returns its completion promise), from JS',
      measure: () => fastPath(2_000, 'commit'),
    }),
    ...[1, 2, 3, 4].map((ringSize) =>
      throughput({
        name: `decode-ring-${ringSize}`,
        description: `decode loop, ring size ${ringSize}: encode 25 µs on the JS thread, execute 50 µs on the executor; ops per second`,
        itemsPerIteration: 1,
        sampling: { sampleTargetMs: 50 },
        workload: {
          batch: (cycles: number) =>
            decodeLoop(decodeRings.get(ringSize) as CommandRing, cycles, 25, 50),
        },
        setup: () => {
          decodeRings.set(ringSize, openRing({ backend: 'cpu', ringSize }));
        },
        teardown: async () => {
          await decodeRings.get(ringSize)?.close();
        },
      }),
    ),
  ],
});
