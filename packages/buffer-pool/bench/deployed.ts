import { once } from 'node:events';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { nativeUnavailableReason } from '@ringkit/spsc-ring';
import type { PoolOptions, QueueKind, WaitDomain } from '../src/index.js';
import { type BenchPipeline, startBenchPipeline } from './pipeline.js';

/**
 * The contenders of deployed.bench.ts, each moving checked 1 KiB records
 * (workers/checked-records.mjs) through 2 lanes of 16 buffers, every word read on arrival:
 * - the pool in the layout its README recommends: each producer in its own worker, every
 *   lane's drain and collector and replenish in one more ('spsc' queues sleeping on the OS
 *   futex, or 'lock' queues);
 * - the pool's lane layout: a lane's producer, drain and collector in one worker;
 * - what a user would build instead: buffer ids over a MessageChannel into SharedArrayBuffer
 *   blocks ('ids': producer and consumer in a worker each; 'ids-one-consumer': one consumer
 *   worker for both lanes), or transferred ArrayBuffers ('transfer', a worker each)
 *   (workers/baseline-worker.mjs);
 * - the ceiling: one worker per lane filling and checking buffers, no hand-off at all.
 */
export type Contender =
  | 'pool'
  | 'pool-worker-per-lane'
  | 'pool-lock'
  | 'pool-lanes'
  | 'ids'
  | 'ids-one-consumer'
  | 'transfer'
  | 'ceiling';

export interface Deployed {
  /** Fills and checks `buffers` buffers (spread over the lanes); resolves when all were checked. */
  run(buffers: number): Promise<void>;
  /** Stops every thread; throws if any record arrived wrong. */
  stop(): Promise<void>;
}

const LANES = 2;
const BUFFERS_PER_LANE = 16;
const BASELINE_WORKER = new URL('./workers/baseline-worker.mjs', import.meta.url);

/** The pool every deployed contender uses: 2 lanes of 16 buffers, a producer that waits for one. */
export function deployedPool(bufferSize: number): PoolOptions {
  return {
    lanes: LANES,
    bufferSize,
    buffersPerBlock: BUFFERS_PER_LANE,
    // 16 buffers per lane, as every baseline has: the pool may not grow past them.
    initialBlocks: LANES,
    maxBlocks: LANES,
    fullPolicy: 'block',
  };
}

/**
 * Every pool role here runs in a worker and sleeps blocking, so its rings can sleep on the OS
 * futex: one futex call per sleep and one per wake-up, where Atomics.wait's emulation takes a
 * process-wide mutex and a condition variable on both sides (bench/wakeups.ts counted 3.3–4.3
 * futex calls per sleep in 'process', 2.1 in 'os'). Lock queues have only Atomics.wait; without
 * spsc-ring's addon the rings keep it too.
 */
function waitDomainFor(queueKind: QueueKind): WaitDomain {
  return queueKind === 'spsc' && nativeUnavailableReason() === '' ? 'os' : 'process';
}

export function startDeployed(contender: Contender, bufferSize: number): Promise<Deployed> {
  if (contender.startsWith('pool')) return startPool(contender, bufferSize);
  return startBaseline(contender, bufferSize);
}

async function startPool(contender: Contender, bufferSize: number): Promise<Deployed> {
  const queueKind: QueueKind = contender === 'pool-lock' ? 'lock' : 'spsc';
  // The README's placement for producers with threads of their own on a small machine: every
  // lane's drain and collector, and replenish, in one worker ('pool-worker-per-lane': a worker
  // per lane, replenish beside lane 0, the placement for a machine with cores to spare).
  const deployedLayout =
    contender === 'pool-worker-per-lane'
      ? [
          ['producer:0'],
          ['producer:1'],
          ['drain:0', 'collector:0', 'replenish'],
          ['drain:1', 'collector:1'],
        ]
      : [
          ['producer:0'],
          ['producer:1'],
          ['drain:0', 'collector:0', 'drain:1', 'collector:1', 'replenish'],
        ];
  const pipeline: BenchPipeline = await startBenchPipeline({
    pool: { ...deployedPool(bufferSize), queueKind, waitDomain: waitDomainFor(queueKind) },
    checked: true,
    // The lane layout is startBenchPipeline's default.
    ...(contender === 'pool-lanes' ? {} : { mapping: deployedLayout }),
  });
  return {
    run: (buffers) => pipeline.run(buffers),
    async stop() {
      const errors = pipeline.errors();
      await pipeline.stop();
      if (errors > 0) throw new Error(`${contender}: ${errors} records arrived wrong`);
    },
  };
}

async function startBaseline(contender: Contender, bufferSize: number): Promise<Deployed> {
  // goal[lane], received[lane], (unused), errors[lane]: the pool pipeline's layout.
  const coordination = new SharedArrayBuffer(4 * (3 * LANES + 1));
  const words = new Int32Array(coordination);
  const common = { lanes: LANES, bufferSize, buffers: BUFFERS_PER_LANE, coordination };
  const workers: Worker[] = [];
  const start = async (workerData: Record<string, unknown>, transferList: MessagePort[] = []) => {
    const worker = new Worker(BASELINE_WORKER, { workerData, transferList });
    await once(worker, 'message');
    workers.push(worker);
  };
  const kind = contender === 'ids-one-consumer' ? 'ids' : contender;
  const consumerPorts: MessagePort[] = [];
  for (let lane = 0; lane < LANES; lane++) {
    if (contender === 'ceiling') {
      await start({ ...common, role: 'ceiling', lane });
      continue;
    }
    const { port1, port2 } = new MessageChannel();
    consumerPorts.push(port2);
    if (kind === 'ids' && contender !== 'ids-one-consumer')
      await start({ ...common, role: 'ids-consumer', ports: [port2], served: [lane] }, [port2]);
    if (kind === 'transfer')
      await start({ ...common, role: 'transfer-consumer', lane, port: port2 }, [port2]);
    await start({ ...common, role: `${kind}-producer`, lane, port: port1 }, [port1]);
  }
  if (contender === 'ids-one-consumer') {
    const served = consumerPorts.map((_, lane) => lane);
    await start({ ...common, role: 'ids-consumer', ports: consumerPorts, served }, consumerPorts);
  }
  return {
    async run(buffers) {
      const perLane = Math.ceil(buffers / LANES);
      for (let lane = 0; lane < LANES; lane++) Atomics.add(words, lane, perLane);
      for (const worker of workers) worker.postMessage('go');
      for (let lane = 0; lane < LANES; lane++) {
        for (;;) {
          const received = Atomics.load(words, LANES + lane);
          if (received >= Atomics.load(words, lane)) break;
          const waiting = Atomics.waitAsync(words, LANES + lane, received, 1000);
          if (waiting.async) await waiting.value;
        }
      }
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.terminate()));
      const errors = words.slice(2 * LANES + 1).reduce((sum, count) => sum + count, 0);
      if (errors > 0) throw new Error(`${contender}: ${errors} records arrived wrong`);
    },
  };
}
