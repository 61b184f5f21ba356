/**
 * The pool as users deploy it, against what they would build instead (bench/deployed.ts):
 * 2 lanes of 16 buffers, checked 1 KiB records, every word read on arrival, at 4 KiB and
 * 64 KiB buffers. Each speedup's result file also holds both sides' buffers per second
 * (× the buffer size = bytes per second).
 * `npx bench-kit run bench/deployed.bench.ts --runs 5`
 */
import { defineSuite } from '@ringkit/bench-kit';
import { type Contender, startDeployed } from './deployed.js';
import { pipelineSpeedup } from './versus.js';

const KiB = 1024;

function versus(
  name: string,
  description: string,
  atLeast: number,
  bufferSize: number,
  baseline: Contender,
  candidate: Contender,
) {
  return pipelineSpeedup({
    name,
    description,
    atLeast,
    start: async () => [
      await startDeployed(baseline, bufferSize),
      await startDeployed(candidate, bufferSize),
    ],
  });
}

const DEPLOYED =
  'the pool deployed as its README says (each producer in its own worker; every lane’s drain and collector, and replenish, in one more)';
const IDS =
  'buffer ids over a MessageChannel into SharedArrayBuffer blocks (producer and consumer in a worker each, ids posted back once checked)';
const IDS_ONE =
  'buffer ids over a MessageChannel into SharedArrayBuffer blocks (each producer in its own worker, one consumer worker for both lanes, as the pool’s layout)';
const TRANSFER = 'ArrayBuffers transferred over postMessage and back once checked';
const LOCK =
  'the same pool and layout with every hop a lock-based queue at its best (one lock per batch, a wake-up only when the receiver sleeps)';

export default defineSuite({
  benches: [
    versus(
      'deployed-4k-vs-ids',
      `4 KiB buffers: ${DEPLOYED} vs ${IDS}`,
      1.5,
      4 * KiB,
      'ids',
      'pool',
    ),
    versus(
      'deployed-64k-vs-ids',
      `64 KiB buffers: ${DEPLOYED} vs ${IDS}`,
      1.2,
      64 * KiB,
      'ids',
      'pool',
    ),
    versus(
      'deployed-4k-vs-ids-one-consumer',
      `4 KiB buffers: ${DEPLOYED} vs ${IDS_ONE}`,
      1.5,
      4 * KiB,
      'ids-one-consumer',
      'pool',
    ),
    versus(
      'deployed-64k-vs-ids-one-consumer',
      `64 KiB buffers: ${DEPLOYED} vs ${IDS_ONE}`,
      1.2,
      64 * KiB,
      'ids-one-consumer',
      'pool',
    ),
    versus(
      'deployed-4k-vs-transfer',
      `4 KiB buffers: ${DEPLOYED} vs ${TRANSFER}`,
      1,
      4 * KiB,
      'transfer',
      'pool',
    ),
    versus(
      'deployed-64k-vs-transfer',
      `64 KiB buffers: ${DEPLOYED} vs ${TRANSFER}`,
      1,
      64 * KiB,
      'transfer',
      'pool',
    ),
    versus(
      'deployed-4k-vs-lock',
      `4 KiB buffers: ${DEPLOYED} vs ${LOCK}`,
      2,
      4 * KiB,
      'pool-lock',
      'pool',
    ),
    versus(
      'deployed-4k-one-worker-vs-worker-per-lane',
      '4 KiB buffers, producers in their own workers: every lane’s drain and collector and replenish in one worker (the README’s placement on a small machine) vs a worker per lane with replenish beside lane 0',
      1,
      4 * KiB,
      'pool-worker-per-lane',
      'pool',
    ),
    versus(
      'lanes-4k-vs-ids',
      `4 KiB buffers: the pool’s lane layout (a lane’s producer, drain and collector in one worker) vs ${IDS}`,
      1.5,
      4 * KiB,
      'ids',
      'pool-lanes',
    ),
    versus(
      'lanes-64k-vs-ceiling',
      '64 KiB buffers: the pool’s lane layout vs the ceiling, one worker per lane filling and checking buffers with no hand-off at all',
      0.85,
      64 * KiB,
      'ceiling',
      'pool-lanes',
    ),
  ],
});
