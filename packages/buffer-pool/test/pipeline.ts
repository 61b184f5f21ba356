import { Worker } from 'node:worker_threads';
import {
  type BufferPool,
  type Conservation,
  createBufferPool,
  type PoolOptions,
} from '../src/index.js';

const WORKER = new URL('./workers/pool-worker.mjs', import.meta.url);

export interface LaneReport {
  written: number;
  dropped: number;
  blockTimeouts: string[];
  /** Records it wrote or dropped: recordsPerLane, or more with minHandoffsPerLane. */
  produced: number;
}
export interface CollectorReport {
  received: number;
  gaps: number;
  nextSequence: number;
  bad: number;
  buffers: number;
  firstBad: unknown;
}

export interface PipelineRun {
  pool: BufferPool;
  producers: LaneReport[];
  collectors: CollectorReport[];
  checks: { consistent: number; inconsistent: number; failures: Conservation[] };
  home: Conservation;
  observed: unknown;
}

export interface PipelineOptions {
  pool: PoolOptions;
  recordsPerLane: number;
  maxPayload: number;
  delays?: boolean;
  throwEvery?: number;
  /** Producers write at about this many records per second (default: flat out). */
  ratePerLane?: number;
  /** Producers write on past recordsPerLane until their lane handed this many buffers on. */
  minHandoffsPerLane?: number;
  /** Which roles share a worker; default: one worker per producer, one per lane for drain + collector, one for replenish. */
  mapping?: string[][];
  /** Runs while the producers run (started with them, awaited before complete()). */
  observe?: (pool: BufferPool) => Promise<unknown>;
}

function startWorker(data: Record<string, unknown>): {
  worker: Worker;
  started: Promise<void>;
  done: Promise<Record<string, unknown>>;
} {
  const worker = new Worker(WORKER, { workerData: data });
  let markStarted: () => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const done = new Promise<Record<string, unknown>>((resolve, reject) => {
    worker.on('message', (message) => {
      if (message.started) markStarted();
      if (message.report) resolve(message.report);
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      reject(new Error(`pool worker exited with ${code} before reporting`)),
    );
  });
  return { worker, started, done };
}

/** Runs the whole pipeline across workers, checking conservation from this thread while it runs. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineRun> {
  const pool = createBufferPool(options.pool);
  const lanes = options.pool.lanes;
  const mapping = options.mapping ?? [
    ...Array.from({ length: lanes }, (_, lane) => [`producer:${lane}`]),
    ...Array.from({ length: lanes }, (_, lane) => [`drain:${lane}`, `collector:${lane}`]),
    ['replenish'],
  ];
  // Loops first, producers last, so that nothing is dropped just because a drain was not up yet.
  const loops = mapping.filter((roles) => !roles.some((role) => role.startsWith('producer')));
  const producers = mapping.filter((roles) => roles.some((role) => role.startsWith('producer')));
  const common = {
    spec: pool.spec,
    records: options.recordsPerLane,
    delays: options.delays ?? false,
    maxPayload: options.maxPayload,
    throwEvery: options.throwEvery ?? 0,
    ratePerLane: options.ratePerLane ?? 0,
    minHandoffsPerLane: options.minHandoffsPerLane ?? 0,
  };
  const workers = loops.map((roles, index) =>
    startWorker({ ...common, roles, seed: 1000 + index }),
  );
  await Promise.all(workers.map((worker) => worker.started));
  const producerWorkers = producers.map((roles, index) =>
    startWorker({ ...common, roles, seed: 7 + index }),
  );
  const all = [...workers, ...producerWorkers];
  const checks = { consistent: 0, inconsistent: 0, failures: [] as Conservation[] };
  let running = true;
  const checking = (async () => {
    while (running) {
      const check = pool.conservationCheck();
      if (!check.consistent) checks.inconsistent++;
      else {
        checks.consistent++;
        if (!check.ok && checks.failures.length < 5) checks.failures.push(check);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  try {
    const observing = options.observe?.(pool);
    const producerReports = await Promise.all(producerWorkers.map((worker) => worker.done));
    const observed = await observing;
    pool.complete();
    const loopReports = await Promise.all(workers.map((worker) => worker.done));
    const reports = Object.assign({}, ...producerReports, ...loopReports);
    const home = await pool.whenAllHome(10_000);
    return {
      pool,
      producers: Array.from({ length: lanes }, (_, lane) => reports[`producer:${lane}`]),
      collectors: Array.from({ length: lanes }, (_, lane) => reports[`collector:${lane}`]),
      checks,
      home,
      observed,
    };
  } finally {
    running = false;
    await checking;
    await Promise.all(all.map(({ worker }) => worker.terminate()));
  }
}
