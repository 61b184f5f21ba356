import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { type BufferPool, createBufferPool, type PoolOptions } from '../src/index.js';

const WORKER = new URL('./workers/pipeline-worker.mjs', import.meta.url);

export interface BenchPipeline {
  /** Fills and collects `buffers` buffers (spread over the lanes); resolves when the collectors have them all. */
  run(buffers: number): Promise<void>;
  stop(): Promise<void>;
  /** Records the collectors found wrong so far (checked mode), all lanes. */
  errors(): number;
  readonly pool: BufferPool;
}

export interface BenchPipelineOptions {
  readonly pool: PoolOptions;
  /** Each buffer's records (ignored when `checked`). */
  readonly recordBytes?: number;
  readonly recordsPerBuffer?: number;
  readonly checksum?: boolean;
  /** Checked 1 KiB records, every word read by the collectors (workers/checked-records.mjs). */
  readonly checked?: boolean;
  /** Which roles share a thread (default: one thread per lane). */
  readonly mapping?: string[][];
}

/**
 * A whole pipeline in workers. By default each lane's producer, drain and
 * collector share one thread (replenish joins lane 0's): on a machine with as
 * many cores as lanes that is the layout where no role sleeps while work waits.
 */
export async function startBenchPipeline(options: BenchPipelineOptions): Promise<BenchPipeline> {
  const pool = createBufferPool(options.pool);
  const lanes = options.pool.lanes;
  // goal[lane], received[lane], stop, errors[lane]
  const coordination = new SharedArrayBuffer(4 * (3 * lanes + 1));
  const words = new Int32Array(coordination);
  // A lane per thread (its drain first: the role a thread sleeps on), replenish beside lane 0.
  const mapping =
    options.mapping ??
    Array.from({ length: lanes }, (_, lane) => [
      `drain:${lane}`,
      `collector:${lane}`,
      `producer:${lane}`,
      ...(lane === 0 ? ['replenish'] : []),
    ]);
  const workers: Worker[] = [];
  for (const roles of mapping) {
    const worker = new Worker(WORKER, {
      workerData: {
        spec: pool.spec,
        roles,
        coordination,
        recordBytes: options.recordBytes,
        recordsPerBuffer: options.recordsPerBuffer,
        checksum: options.checksum,
        checked: options.checked,
      },
    });
    await once(worker, 'message');
    workers.push(worker);
  }
  return {
    pool,
    errors: () => words.slice(2 * lanes + 1).reduce((sum, errors) => sum + errors, 0),
    async run(buffers) {
      const perLane = Math.ceil(buffers / lanes);
      for (let lane = 0; lane < lanes; lane++) {
        Atomics.add(words, lane, perLane);
        Atomics.notify(words, lane);
        pool.wake('producer', lane);
      }
      for (let lane = 0; lane < lanes; lane++) {
        for (;;) {
          const received = Atomics.load(words, lanes + lane);
          if (received >= Atomics.load(words, lane)) break;
          const waiting = Atomics.waitAsync(words, lanes + lane, received, 1000);
          if (waiting.async) await waiting.value;
        }
      }
    },
    async stop() {
      Atomics.store(words, 2 * lanes, 1);
      for (let lane = 0; lane < lanes; lane++) {
        Atomics.notify(words, lane);
        pool.wake('producer', lane);
      }
      pool.complete();
      const exited = Promise.all(workers.map((worker) => once(worker, 'message')));
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
