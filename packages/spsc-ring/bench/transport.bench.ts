/**
 * Moving 32-byte records from the main thread to a worker: our rings against the
 * minimal ring a user writes in thirty lines (bench/minimal-ring.mjs), the batched floor
 * (bench/floor-ring.mjs),
 * MessageChannel.postMessage and ringbuf.js@0.4.0, one record per push and in
 * batches of 256; the README's first example against the fastest way the bench
 * knows; and a native producer thread into JS. Targets hold only across fresh
 * runs: `npm run bench -w @ringkit/spsc-ring -- --runs 5`.
 */
import { type BatchWorkload, defineSuite, speedup, throughput } from '@ringkit/bench-kit';
import {
  byteRingTransport,
  floorTransport,
  minimalRingTransport,
  nativeToJsTransport,
  postMessageTransport,
  readmeExampleTransport,
  ringbufjsTransport,
  ringTransport,
  type Transport,
} from './transport.js';

/** A bench-kit workload that sends `iterations` records through the transport. */
function sending(transport: Transport): BatchWorkload {
  return {
    batch: async (iterations: number) => {
      await transport.send(iterations);
    },
  };
}

function compared(
  name: string,
  description: string,
  atLeast: number,
  baseline: Transport,
  candidate: Transport,
) {
  return speedup({
    name,
    description,
    atLeast,
    itemsPerIteration: 1,
    baseline: sending(baseline),
    candidate: sending(candidate),
    setup: async () => {
      await baseline.start();
      await candidate.start();
    },
    teardown: async () => {
      await candidate.stop();
      await baseline.stop();
    },
  });
}

const native = nativeToJsTransport();

export default defineSuite({
  benches: [
    compared(
      'single-vs-minimal',
      '32-byte records, main → worker, one per push: fixed ring push vs the thirty-line minimal ring (Atomics on every push and pop)',
      1,
      minimalRingTransport(),
      ringTransport('single'),
    ),
    compared(
      'byte-single-vs-minimal',
      '32-byte records, main → worker, one per push: byte ring push vs the thirty-line minimal ring',
      0.8,
      minimalRingTransport(),
      byteRingTransport('single'),
    ),
    compared(
      'single-vs-postmessage',
      '32-byte records, main → worker, one per push: ring push vs MessageChannel.postMessage',
      40,
      postMessageTransport(),
      ringTransport('single'),
    ),
    compared(
      'single-vs-ringbufjs',
      '32-byte records, main → worker, one per push: ring push vs ringbuf.js push',
      3,
      ringbufjsTransport('single'),
      ringTransport('single'),
    ),
    compared(
      'batched-vs-ringbufjs',
      '32-byte records in batches of 256: fixed ring claim/commit + drain vs ringbuf.js push/pop of 8 KiB',
      5,
      ringbufjsTransport('batched'),
      ringTransport('batched'),
    ),
    compared(
      'batched-floor-vs-ringbufjs',
      '32-byte records in batches of 256: the floor (bench/floor-ring.mjs: one store per batch, a consumer polling flat out, nothing else) vs ringbuf.js push/pop of 8 KiB — the batched target applied to what the hardware allows',
      5,
      ringbufjsTransport('batched'),
      floorTransport(),
    ),
    compared(
      'batched-vs-floor',
      '32-byte records in batches of 256: fixed ring claim/commit + drain vs the floor (bench/floor-ring.mjs)',
      0.8,
      floorTransport(),
      ringTransport('batched'),
    ),
    compared(
      'byte-batched-vs-ringbufjs',
      '32-byte records in batches of 256: byte ring claimRecords/commit + drainRuns vs ringbuf.js push/pop of 8 KiB',
      3,
      ringbufjsTransport('batched'),
      byteRingTransport('batched'),
    ),
    compared(
      'byte-batched-vs-fixed-batched',
      '32-byte records in batches of 256: byte ring claimRecords/commit + drainRuns vs fixed ring claim/commit + drain',
      0.6,
      ringTransport('batched'),
      byteRingTransport('batched'),
    ),
    compared(
      'readme-example-vs-batched',
      "32-byte records, main → worker: the README's first example (tryClaim, awaiting claimAsync only when full, ids written in place, commit; drain, wait gathering 64) vs the bench's batched claims",
      0.9,
      ringTransport('batched'),
      readmeExampleTransport(),
    ),
    throughput({
      name: 'native-to-js',
      description:
        'a native producer thread (claim/commit batches of 256) → the main thread draining 32-byte records',
      atLeast: 100e6,
      itemsPerIteration: 1,
      workload: sending(native),
      setup: () => native.start(),
      teardown: () => native.stop(),
    }),
  ],
});
