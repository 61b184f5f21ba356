// One record per push across a ring, run again and again: on a small VM the two
// threads' placement on the host changes from minute to minute, and with it the
// cost of every cache-line transfer. One run is one sample of that; this script
// takes several, 20 s apart, and prints each run's figures beside the C++ twin's
// and the plain C++ queue's in the same minute (the machine's floor).
// `npm run bench:single-runs -w @ringkit/spsc-ring [-- runs]`
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 6);
if (!(Number.isInteger(runs) && runs > 0)) {
  console.error(`single-push-runs: runs must be a positive integer, runs=${process.argv[2]}`);
  process.exit(2);
}
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'ringkit-single-runs-'));

function bench(file, filter) {
  try {
    execFileSync('npx', ['bench-kit', 'run', file, '--filter', filter, '--out', out], {
      cwd: packageRoot,
      stdio: 'ignore',
    });
  } catch (error) {
    // Exit 1 is a verdict (a target missed): the results were written, and this script reports them.
    if (error.status !== 1) throw error;
  }
}

function result(name) {
  const { median, interval, sides } = JSON.parse(
    readFileSync(join(out, 'spsc-ring', `${name}.json`), 'utf8'),
  );
  const ns = (side) => sides[side].medianNsPerIteration.toFixed(1);
  return `${median.toFixed(2)}× [${interval.low.toFixed(2)}, ${interval.high.toFixed(2)}] (${ns('baseline')} vs ${ns('candidate')} ns)`;
}

console.log('run | vs postMessage | vs ringbuf.js | C++ twin vs plain C++ queue, one per push');
console.log('---|---|---|---');
for (let run = 1; run <= runs; run++) {
  bench('bench/transport.bench.ts', 'single');
  bench('bench/native.bench.ts', 'cpp-twin-vs-plain-queue');
  const twin = result('cpp-twin-vs-plain-queue');
  console.log(
    `${run} | ${result('single-vs-postmessage')} | ${result('single-vs-ringbufjs')} | ${twin}`,
  );
  if (run < runs) await sleep(20_000);
}
