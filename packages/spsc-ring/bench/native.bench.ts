/**
 * The C++ twin on its own (two native threads), against the benchmark's plain
 * C++ SPSC queue and against the JS ring; and ping-pong round trips, JS and C++.
 * `npm run bench -w @ringkit/spsc-ring`
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { type BatchWorkload, defineSuite, latency, speedup, throughput } from '@ringkit/bench-kit';
import { RingError } from '../src/errors.js';
import { createRing, FixedConsumer, FixedProducer } from '../src/index.js';
import { nativeAddon } from '../src/native-loader.js';
import { BATCH, RECORD_BYTES, ringTransport } from './transport.js';

/** The benchmarks' own addon (native/bench/native_bench.cc), built beside the package's. */
interface NativeBench {
  /** Two native threads through the C++ twin or the bench's plain C++ queue. */
  nativeThroughput(options: {
    queue: 'twin' | 'plain';
    records: number;
    recordSize: number;
    batch: number;
  }): { seconds: number; checksum: number };
  /** Round trips between two native threads, spinning, over two twin rings or two bare atomic words. */
  nativePingPong(roundTrips: number, over?: 'twin' | 'atomics'): number;
}

const benchAddon = nativeAddon<NativeBench>({
  packageName: '@ringkit/spsc-ring',
  from: { dirname: undefined, url: import.meta.url },
  file: 'ringkit_spsc_bench.node',
  needs: 'cmake and a C++20 compiler',
  error: (sentence) => new RingError('NATIVE_UNAVAILABLE', sentence),
});
const native = () => benchAddon.require('the native benchmarks');

function nativeQueue(queue: 'twin' | 'plain', batch: number): BatchWorkload {
  return {
    batch: (records: number) =>
      void native().nativeThroughput({ queue, records, recordSize: RECORD_BYTES, batch }),
  };
}

const jsBatched = ringTransport('batched');

let pingOut: FixedProducer;
let pingBack: FixedConsumer;
let echo: Worker;
const ping = new Uint8Array(8);
/** Round trips per measure() call, each timed on its own. */
const ROUND_TRIPS_PER_MEASURE = 1000;
/** Back-to-back clock reads per measure() call that size the clock's own share of a timed interval. */
const CLOCK_READS_PER_MEASURE = 1000;

/**
 * The median time one `performance.now()` adds to an interval it closes: on a VM whose clock
 * is kvm-clock a read costs 150–300 ns, as much as the round trip being timed, so each
 * round trip is reported with it taken off (never below zero). Re-measured every call, as the
 * machine's slow phases slow the clock too.
 */
function clockReadNs(): number {
  const gaps = new Float64Array(CLOCK_READS_PER_MEASURE);
  for (let i = 0; i < gaps.length; i++) {
    const started = performance.now();
    gaps[i] = (performance.now() - started) * 1e6;
  }
  return gaps.sort()[gaps.length >> 1]!;
}

export default defineSuite({
  benches: [
    speedup({
      name: 'cpp-twin-vs-plain-queue',
      description:
        '32-byte records one per push between two native threads: the C++ twin vs the bench’s plain C++ SPSC queue',
      atLeast: 0.9,
      itemsPerIteration: 1,
      baseline: nativeQueue('plain', 1),
      candidate: nativeQueue('twin', 1),
    }),
    speedup({
      name: 'cpp-twin-vs-plain-queue-batched',
      description:
        '32-byte records in batches of 256 between two native threads: the C++ twin vs the plain C++ queue',
      atLeast: 0.9,
      itemsPerIteration: 1,
      baseline: nativeQueue('plain', BATCH),
      candidate: nativeQueue('twin', BATCH),
    }),
    speedup({
      name: 'js-batched-vs-cpp-twin-batched',
      description:
        '32-byte records in batches of 256: JS main → worker (claim/commit, drain) vs the C++ twin between two native threads',
      atLeast: 0.35,
      itemsPerIteration: 1,
      baseline: nativeQueue('twin', BATCH),
      candidate: { batch: (records: number) => jsBatched.send(records) },
      setup: () => jsBatched.start(),
      teardown: () => jsBatched.stop(),
    }),
    latency({
      name: 'js-ping-pong',
      description:
        'round trip of one 8-byte record between the main thread and a worker over two rings, both spinning (tryPush/tryPop), each timed on its own, less the median cost of a clock read',
      events: 20_000,
      atMost: 300,
      p99AtMost: 1000,
      measure: () => {
        const clockNs = clockReadNs();
        const latencies: number[] = [];
        for (let i = 0; i < ROUND_TRIPS_PER_MEASURE; i++) {
          const started = performance.now();
          while (!pingOut.tryPush(ping)) {}
          while (pingBack.tryPop(ping) === null) {}
          latencies.push(Math.max(0, (performance.now() - started) * 1e6 - clockNs));
        }
        return latencies;
      },
      setup: async () => {
        const out = createRing({ kind: 'fixed', capacity: 64, recordSize: 8 });
        const back = createRing({ kind: 'fixed', capacity: 64, recordSize: 8 });
        pingOut = FixedProducer.attach(out);
        pingBack = FixedConsumer.attach(back);
        echo = new Worker(new URL('./workers/bench-worker.mjs', import.meta.url), {
          workerData: { role: 'echo', out, back },
        });
        await once(echo, 'message');
      },
      teardown: async () => {
        pingOut.close();
        await once(echo, 'message');
        await echo.terminate();
      },
    }),
    throughput({
      name: 'cpp-ping-pong',
      description:
        'round trips of one 8-byte record between two native threads over two twin rings, spinning (1e9 / rate = ns per round trip)',
      itemsPerIteration: 1,
      workload: { batch: (roundTrips: number) => void native().nativePingPong(roundTrips, 'twin') },
    }),
    throughput({
      name: 'cpp-atomics-ping-pong',
      description:
        'the machine’s floor: round trips between two native threads over two bare atomic words, spinning (1e9 / rate = ns per round trip)',
      itemsPerIteration: 1,
      workload: {
        batch: (roundTrips: number) => void native().nativePingPong(roundTrips, 'atomics'),
      },
    }),
  ],
});
