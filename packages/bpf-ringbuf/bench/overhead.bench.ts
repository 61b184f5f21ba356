/**
 * The package's overhead gate, "read and parse small JSON files": a service
 * loading JSON documents from disk in a loop (open, fstat, read, close per file),
 * yielding to the event loop every 64 files as a server would. Candidate: the
 * syscalls program attached system-wide on per-CPU rings + timer (2 ms) and every
 * event consumed in this thread like an agent (counts per syscall number).
 * Baseline: the same with the program detached (loaded, not running). Samples
 * alternate in one process, so drift cancels within each pair. Budget 8%.
 * `npx bench-kit run bench/overhead.bench.ts`
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSuite, overhead } from '@ringkit/bench-kit';
import { type BpfObject, openProgram, syscallEvent } from '../src/index.js';
import { producerEnvironment } from './environment.js';

const FILES = 256;
/** Items per document: 24 make a 1 KiB document, 96 a 4 KiB one. */
const ITEMS = Number(process.env.RINGKIT_BPF_DOC_ITEMS ?? 96);
const PER_TURN = 64;
const folder = join(tmpdir(), `ringkit-bpf-files-${process.pid}`);
const paths = Array.from({ length: FILES }, (_, index) => join(folder, `${index}.json`));

let tracer: BpfObject | null = null;
let stopTracing: (() => Promise<void>) | null = null;
const perSyscall = new Float64Array(1024);
let checksum = 0;

function writeDocuments(): void {
  mkdirSync(folder, { recursive: true });
  for (let index = 0; index < FILES; index++) {
    const items = Array.from({ length: ITEMS }, (_, item) => ({
      id: index * 100 + item,
      name: `item-${item}`,
    }));
    writeFileSync(paths[index]!, JSON.stringify({ index, items }));
  }
}

/** The agent: attached system-wide, consuming every event in this thread. */
function startTracing(): void {
  tracer = openProgram('syscalls', { topology: 'per-cpu', policy: { kind: 'timer', periodMs: 2 } });
  const reader = tracer.read({ schema: syscallEvent });
  const consumed = reader.onBatch((batch) => {
    const syscallNr = batch.get.syscallNr;
    for (let i = 0; i < batch.length; i++) perSyscall[syscallNr(i) & 1023]!++;
  });
  stopTracing = async () => {
    await reader.stop();
    await consumed;
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The workload: every document read and parsed, `rounds` times. */
async function readDocuments(rounds: number): Promise<number> {
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < FILES; index++) {
      const document = JSON.parse(readFileSync(paths[index]!, 'utf8')) as { items: unknown[] };
      checksum += document.items.length;
      if (index % PER_TURN === PER_TURN - 1) await turn();
    }
  }
  return rounds * FILES;
}

export default defineSuite({
  benches: [
    overhead({
      name: 'syscalls-traced-file-workload',
      description: `read and parse ${ITEMS === 24 ? 1 : Math.round((ITEMS * 42) / 1024)} KiB JSON files: syscalls program attached system-wide (per-CPU, timer 2 ms) and consumed in JS vs detached; ${producerEnvironment('syscalls')}`,
      budget: 8,
      // A sample spans many reader periods (2 ms) and event-loop turns, in quick mode too.
      sampling: { sampleTargetMs: 100 },
      baseline: {
        batch: (rounds: number) => {
          tracer!.detach();
          return readDocuments(rounds);
        },
      },
      candidate: {
        batch: (rounds: number) => {
          tracer!.attach();
          return readDocuments(rounds);
        },
      },
      setup: () => {
        writeDocuments();
        startTracing();
      },
      teardown: async () => {
        await stopTracing?.();
        tracer?.close();
        if (checksum === 0) throw new Error('the workload read no documents');
        rmSync(folder, { recursive: true, force: true });
      },
    }),
  ],
});
