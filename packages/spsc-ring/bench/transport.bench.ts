/**
 * Moving 32-byte records from the main thread to a worker: our ring against
 * MessageChannel.postMessage and ringbuf.js@0.4.0, one record per push and in
 * batches of 256; and a native producer thread into JS. `npm run bench -w @ringkit/spsc-ring`
 */
import { type BatchWorkload, defineSuite, speedup, throughput } from '@ringkit/bench-kit';
import {
  nativeToJsTransport,
  postMessageTransport,
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
      'single-vs-postmessage',
      '32-byte records, main → worker, one per push: ring push vs MessageChannel.postMessage',
      30,
      postMessageTransport(),
      ringTransport('single'),
    ),
    compared(
      'single-vs-ringbufjs',
      '32-byte records, main → worker, one per push: ring push vs ringbuf.js push',
      2.5,
      ringbufjsTransport('single'),
      ringTransport('single'),
    ),
    compared(
      'batched-vs-ringbufjs',
      '32-byte records in batches of 256: ring claim/commit + drain vs ringbuf.js push/pop of 256 records',
      3,
      ringbufjsTransport('batched'),
      ringTransport('batched'),
    ),
    throughput({
      name: 'native-to-js',
      description:
        'a native producer thread (claim/commit batches of 256) → the main thread draining 32-byte records',
      itemsPerIteration: 1,
      workload: sending(native),
      setup: () => native.start(),
      teardown: () => native.stop(),
    }),
  ],
});
