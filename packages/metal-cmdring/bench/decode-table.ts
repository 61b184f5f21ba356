/**
 * The seed's ring-size table, measured: executor utilisation and throughput of
 * the decode loop (encode E µs on the JS thread, execute X µs on the executor)
 * for ring sizes 1–4, median of 5 runs, driven three ways: from the event loop
 * (await acquire, commit), from a worker (acquireSync, submit), and — the
 * baseline — through a plain SharedArrayBuffer queue of the same depth from the
 * event loop (bench/sab-queue.ts). Executor busy time leaves out preemption: the
 * busy loop counts the pauses of 10 µs or more between its clock reads as time it
 * did not run (busy_work.hpp's kPreemptionGap, sab-layout.mjs's busyFor).
 * Writes benchmark_results/metal-cmdring/decode-table/decode-table.{md,json} (a
 * folder of its own: bench-kit reads only the package folder's top-level files as its
 * results). Needs the built package (dist/).
 * `npm run bench:table -w @ringkit/metal-cmdring`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describeMachine } from '@ringkit/bench-kit';
import { openRing } from '../src/index.js';
import { type DecodeFigures, measureDecode } from './decode-loop.js';
import { SabQueue } from './sab-queue.js';

const CYCLES = Number(process.env.RINGKIT_DECODE_CYCLES ?? 2_000);
const RUNS = 5;
const EXECUTE_US = [50, 200, 500];
const ENCODE_FRACTIONS = [0, 0.5, 1, 1.5];
// 500 µs ops: fewer cycles keep each run near a second.
const cyclesFor = (executeUs: number) => Math.max(400, Math.round((CYCLES * 50) / executeUs));

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

type Mode = 'event loop' | 'worker' | 'SAB queue, event loop';
const MODES: Mode[] = ['event loop', 'worker', 'SAB queue, event loop'];

async function onEventLoop(
  ringSize: number,
  encodeUs: number,
  executeUs: number,
): Promise<DecodeFigures[]> {
  const ring = openRing({ backend: 'cpu', ringSize });
  await measureDecode(ring, 200, encodeUs, executeUs); // warm-up
  const runs: DecodeFigures[] = [];
  for (let run = 0; run < RUNS; run++)
    runs.push(await measureDecode(ring, cyclesFor(executeUs), encodeUs, executeUs));
  await ring.close();
  return runs;
}

async function onSabQueue(
  depth: number,
  encodeUs: number,
  executeUs: number,
): Promise<DecodeFigures[]> {
  const queue = new SabQueue(depth);
  const measure = async (commands: number): Promise<DecodeFigures> => {
    const busyBefore = queue.executorBusyNs;
    const started = process.hrtime.bigint();
    await queue.run(commands, executeUs, encodeUs);
    const wallNs = Number(process.hrtime.bigint() - started);
    return {
      executorBusy: (queue.executorBusyNs - busyBefore) / wallNs,
      opsPerSecond: commands / (wallNs / 1e9),
    };
  };
  await measure(200); // warm-up
  const runs: DecodeFigures[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await measure(cyclesFor(executeUs)));
  await queue.close();
  return runs;
}

function inWorker(ringSize: number, encodeUs: number, executeUs: number): Promise<DecodeFigures[]> {
  const worker = new Worker(new URL('./decode-worker.mjs', import.meta.url), {
    workerData: { ringSize, encodeUs, executeUs, cycles: cyclesFor(executeUs), runs: RUNS },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { runs: DecodeFigures[] }) => resolve(message.runs));
    worker.once('error', reject);
  });
}

const rows: (DecodeFigures & {
  mode: Mode;
  executeUs: number;
  encodeUs: number;
  ringSize: number;
})[] = [];
for (const mode of MODES) {
  for (const executeUs of EXECUTE_US) {
    for (const fraction of ENCODE_FRACTIONS) {
      const encodeUs = executeUs * fraction;
      for (let ringSize = 1; ringSize <= 4; ringSize++) {
        const runs =
          mode === 'worker'
            ? await inWorker(ringSize, encodeUs, executeUs)
            : mode === 'event loop'
              ? await onEventLoop(ringSize, encodeUs, executeUs)
              : await onSabQueue(ringSize, encodeUs, executeUs);
        const row = {
          mode,
          executeUs,
          encodeUs,
          ringSize,
          executorBusy: median(runs.map((figures) => figures.executorBusy)),
          opsPerSecond: median(runs.map((figures) => figures.opsPerSecond)),
        };
        rows.push(row);
        console.log(
          `${mode}: X=${executeUs} µs E=${encodeUs} µs ring=${ringSize}: executor ${(100 * row.executorBusy).toFixed(1)}% busy, ${row.opsPerSecond.toFixed(0)} ops/s`,
        );
      }
    }
  }
}

const machine = describeMachine();
const lines = [
  '# Decode loop on the cpu backend: executor utilisation and throughput by ring size',
  '',
  `Encode E µs on the JS thread, execute X µs on the executor; median of ${RUNS} runs of ${CYCLES} cycles (fewer for longer ops: about 0.1 s of executor time each). Machine: ${machine.cpuModel} (${machine.cores} cores), Node ${process.versions.node}. Command: \`npm run bench:table -w @ringkit/metal-cmdring\`.`,
  '',
  'Each cell: executor busy time / wall time · ops per second. Ideal: X/(X+E) with one slot, min(1, X/E) with more. Busy time leaves out preemption: pauses of 10 µs or more inside the executor\'s busy loop count as time it did not run. "SAB queue" is the baseline: a plain SharedArrayBuffer queue of that depth (the ring column\'s size), its executor a worker that polls 50 µs, then Atomics.wait (bench/sab-queue.ts).',
  '',
  '| driven from | X (µs) | E (µs) | ring 1 | ring 2 | ring 3 | ring 4 |',
  '|---|---:|---:|---|---|---|---|',
];
for (const mode of MODES) {
  for (const executeUs of EXECUTE_US) {
    for (const fraction of ENCODE_FRACTIONS) {
      const encodeUs = executeUs * fraction;
      const cells = rows
        .filter(
          (row) => row.mode === mode && row.executeUs === executeUs && row.encodeUs === encodeUs,
        )
        .map(
          (row) => `${(100 * row.executorBusy).toFixed(1)}% · ${Math.round(row.opsPerSecond)}/s`,
        );
      lines.push(`| ${mode} | ${executeUs} | ${encodeUs} | ${cells.join(' | ')} |`);
    }
  }
}
const folder = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'benchmark_results',
  'metal-cmdring',
  'decode-table',
);
mkdirSync(folder, { recursive: true });
writeFileSync(join(folder, 'decode-table.md'), `${lines.join('\n')}\n`);
writeFileSync(
  join(folder, 'decode-table.json'),
  `${JSON.stringify({ machine, cycles: CYCLES, runs: RUNS, rows }, null, 2)}\n`,
);
console.log(`wrote ${join(folder, 'decode-table.md')}`);
