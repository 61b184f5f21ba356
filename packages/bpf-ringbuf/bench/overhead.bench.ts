/**
 * The package's overhead gate: "read and parse small JSON files" (bench/file-workload.mjs,
 * 1 KiB documents, 4 syscalls each) with the syscalls program attached system-wide
 * on per-CPU rings + timer and every event consumed in JavaScript, against the same
 * workload with nothing attached. Fresh processes, alternating; each reports the
 * loop's time only. Budget 8%. `npx bench-kit run bench/overhead.bench.ts`
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineSuite, overhead } from '@ringkit/bench-kit';

const FILES = 512;
const folder = join(tmpdir(), `ringkit-bpf-files-${process.pid}`);
const workload = join(import.meta.dirname, 'file-workload.mjs');

/** 1 KiB JSON documents, like small config or cache files. */
function writeDocuments(): void {
  mkdirSync(folder, { recursive: true });
  for (let index = 0; index < FILES; index++) {
    const items = Array.from({ length: 24 }, (_, item) => ({
      id: index * 100 + item,
      name: `item-${item}`,
    }));
    writeFileSync(join(folder, `${index}.json`), JSON.stringify({ index, items }));
  }
}

const args = [workload, folder, String(FILES)];

export default defineSuite({
  benches: [
    overhead({
      name: 'syscalls-traced-file-workload',
      description:
        'read and parse 1 KiB JSON files: syscalls program attached system-wide (per-CPU, timer 2 ms) and consumed in JS vs detached',
      budget: 8,
      baseline: { command: process.execPath, args },
      candidate: { command: process.execPath, args: [...args, '--trace'] },
      setup: writeDocuments,
      teardown: () => rmSync(folder, { recursive: true, force: true }),
    }),
  ],
});
