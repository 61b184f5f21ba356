// The overhead gate's workload, "read and parse small JSON files": a service
// loading 1 KiB JSON documents from disk in a loop (open, fstat, read, close per
// file), yielding to the event loop every 64 files as a server would. With
// --trace, the syscalls program is attached system-wide (per-CPU rings, timer
// policy) and this process consumes it like an agent: counts per syscall number.
// Prints BENCH_RESULT { ns, items } for the loop alone (loading excluded).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportFromProcess } from '@ringkit/bench-kit';
import { openProgram, syscallEvent } from '@ringkit/bpf-ringbuf';

const [folder, filesArgument, traceFlag] = process.argv.slice(2);
const files = Number(filesArgument);
const ROUNDS = 40;
const PER_TURN = 64;

let object = null;
let reader = null;
let consumed = null;
const perSyscall = new Float64Array(1024);
if (traceFlag === '--trace') {
  object = openProgram('syscalls', { topology: 'per-cpu', policy: { kind: 'timer', periodMs: 2 } });
  reader = object.read({ schema: syscallEvent });
  consumed = reader.onBatch((batch) => {
    const syscallNr = batch.get.syscallNr;
    for (let i = 0; i < batch.length; i++) perSyscall[syscallNr(i) & 1023]++;
  });
}

const paths = Array.from({ length: files }, (_, index) => join(folder, `${index}.json`));
const turn = () => new Promise((resolve) => setImmediate(resolve));
let checksum = 0;
const started = process.hrtime.bigint();
for (let round = 0; round < ROUNDS; round++) {
  for (let index = 0; index < paths.length; index++) {
    const document = JSON.parse(readFileSync(paths[index], 'utf8'));
    checksum += document.items.length;
    if (index % PER_TURN === PER_TURN - 1) await turn();
  }
}
const ns = Number(process.hrtime.bigint() - started);
if (reader !== null) {
  await reader.stop();
  await consumed;
  const stats = reader.stats();
  console.error(
    `traced ${stats.consumedEvents} syscalls, kernel drops ${object.kernelDropped()}, checksum ${checksum}`,
  );
  object.close();
}
reportFromProcess({ ns, items: ROUNDS * files });
