// The JavaScript side of "events/s delivered into JS vs a C consumer": the bench
// program attached, P threads calling getpgid() flat out for D seconds, every
// event's thread id read in JS. Prints BENCH_RESULT { ns, items } normalised to
// 10^6 events (the time this consumer takes to receive a million), and on stderr
// what was produced, delivered and dropped.
import { reportFromProcess } from '@ringkit/bench-kit';
import { benchEvent, nativeBinding, openProgram } from '@ringkit/bpf-ringbuf';
import { openOptions, parseOptions } from './options.mjs';

const options = parseOptions(process.argv.slice(2));
const object = openProgram('bench', openOptions(options));
const reader = object.read({ schema: benchEvent });
let events = 0;
let tidSum = 0;
const consumed = reader.onBatch((batch) => {
  const tid = batch.get.tid;
  for (let i = 0; i < batch.length; i++) tidSum += tid(i);
  events += batch.length;
});
const cpus = Array.from({ length: options.threads }, (_, index) => index % 2);
const started = process.hrtime.bigint();
const load = nativeBinding().startSyscallLoad({ cpus, callsPerThread: 2 ** 40, ratePerSecond: 0 });
setTimeout(() => load.stop(), options.seconds * 1000);
const result = await load.done;
// The producing window, as the C consumer measures it; the last drain follows.
const ns = Number(process.hrtime.bigint() - started);
await reader.stop();
await consumed;
const produced = result.calls.reduce((sum, calls) => sum + calls, 0);
const dropped = object.kernelDropped();
object.close();
if (events + dropped !== produced) {
  console.error(`lost events: produced ${produced}, delivered ${events}, dropped ${dropped}`);
  process.exit(1);
}
console.error(
  `js ${options.topology} ${options.policy}: produced ${produced}, delivered ${events} (${((events / ns) * 1e3).toFixed(2)} M/s), dropped ${dropped}, tid checksum ${tidSum % 1000}`,
);
reportFromProcess({ ns: (ns * 1e6) / Math.max(events, 1), items: 1e6 });
