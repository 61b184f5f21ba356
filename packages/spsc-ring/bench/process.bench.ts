/**
 * The ring across processes (named shared memory, wait domain os) against the
 * same ring between worker threads, in one run. `npm run bench -w @ringkit/spsc-ring`
 */
import { defineSuite, speedup } from '@ringkit/bench-kit';
import { processTransport, ringTransport, type Transport } from './transport.js';

function acrossProcesses(name: string, description: string, worker: Transport, process: Transport) {
  return speedup({
    name,
    description,
    atLeast: 0.8,
    itemsPerIteration: 1,
    baseline: { batch: (records: number) => void worker.send(records) },
    candidate: { batch: (records: number) => void process.send(records) },
    setup: async () => {
      await worker.start();
      await process.start();
    },
    teardown: async () => {
      await process.stop();
      await worker.stop();
    },
  });
}

export default defineSuite({
  benches: [
    acrossProcesses(
      'process-vs-worker-single',
      '32-byte records one per push: to another process over shared memory vs to a worker thread',
      ringTransport('single'),
      processTransport('single'),
    ),
    acrossProcesses(
      'process-vs-worker-batched',
      '32-byte records in batches of 256: to another process over shared memory vs to a worker thread',
      ringTransport('batched'),
      processTransport('batched'),
    ),
  ],
});
