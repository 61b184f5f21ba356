import { once } from 'node:events';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { QueueKind } from '../src/index.js';
import { type BenchPipeline, startBenchPipeline } from './pipeline.js';

/**
 * The contenders of deployed.bench.ts, each moving checked 1 KiB records
 * (workers/checked-records.mjs) through 2 lanes of 16 buffers, every word read on arrival:
 * - the pool in the layout its README recommends: each producer in its own worker, each lane's
 *   drain and collector in one worker, replenish beside lane 0's ('spsc', or 'lock' queues);
 * - the pool's lane layout: a lane's producer, drain and collector in one worker;
 * - what a user would build instead: buffer ids over a MessageChannel into SharedArrayBuffer
 *   blocks ('ids'), or transferred ArrayBuffers ('transfer'), producer and consumer in a
 *   worker each (workers/baseline-worker.mjs);
 * - the ceiling: one worker per lane filling and checking buffers, no hand-off at all.
 */
export type Contender = 'pool' | 'pool-lock' | 'pool-lanes' | 'ids' | 'transfer' | 'ceiling';

export interface Deployed {
  /** Fills and checks `buffers` buffers (spread over the lanes); resolves when all were checked. */
  run(buffers: number): Promise<void>;
  /** Stops every thread; throws if any record arrived wrong. */
  stop(): Promise<void>;
}

const LANES = 2;
const BUFFERS_PER_LANE = 16;
const BASELINE_WORKER = new URL('./workers/baseline-worker.mjs', import.meta.url);

export function startDeployed(contender: Contender, bufferSize: number): Promise<Deployed> {
  if (contender === 'pool' || contender === 'pool-lock' || contender === 'pool-lanes')
    return startPool(contender, bufferSize);
  return startBaseline(contender, bufferSize);
}

async function startPool(contender: Contender, bufferSize: number): Promise<Deployed> {
  const queueKind: QueueKind = contender === 'pool-lock' ? 'lock' : 'spsc';
  const deployedLayout = [
    ['producer:0'],
    ['producer:1'],
    ['drain:0', 'collector:0', 'replenish'],
    ['drain:1', 'collector:1'],
  ];
  const pipeline: BenchPipeline = await startBenchPipeline({
    pool: {
      lanes: LANES,
      bufferSize,
      buffersPerBlock: BUFFERS_PER_LANE,
      // 16 buffers per lane, as every baseline has: the pool may not grow past them.
      initialBlocks: LANES,
      maxBlocks: LANES,
      fullPolicy: 'block',
      queueKind,
    },
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
  for (let lane = 0; lane < LANES; lane++) {
    if (contender === 'ceiling') {
      await start({ ...common, role: 'ceiling', lane });
      continue;
    }
    const { port1, port2 } = new MessageChannel();
    await start({ ...common, role: `${contender}-consumer`, lane, port: port2 }, [port2]);
    await start({ ...common, role: `${contender}-producer`, lane, port: port1 }, [port1]);
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
