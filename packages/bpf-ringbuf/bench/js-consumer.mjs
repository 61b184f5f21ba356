// The JavaScript side of "events delivered into JS vs a C consumer": the bench
// program attached, P threads calling getpgid() (flat out, or --rate calls/s each)
// for D seconds, every field of every event read in JS (in place: batch.offsets
// and batch.views, the fastest public way; read-in-place.mjs). Prints BENCH_RESULT
// { ns, items } normalised to 10^6 events: with --report window the time this
// consumer takes to receive a million; with --report cpu the CPU time the whole
// consumer side spends on them. On stderr: what was produced, delivered and dropped.
//
// The consumer side's CPU is the process's (process.cpuUsage: the JS thread, the
// reader thread (none with --mode direct), V8's and libuv's helpers) from just before the producers start
// to the end of the last batch, minus the producer threads' own CPU clocks, which
// hold the BPF program's runs. Opening and loading the object fall outside it, and
// so does a warm-up of WARMUP_SECONDS at the same load (V8 compiles the consumer's
// code then), whose events are all delivered before the measured window starts.
import { reportFromProcess } from '@ringkit/bench-kit';
import { benchEvent, nativeBinding, openProgram } from '@ringkit/bpf-ringbuf';
import { openOptions, parseOptions } from './options.mjs';
import { sumFields } from './read-in-place.mjs';

const options = parseOptions(process.argv.slice(2));
const object = openProgram('bench', openOptions(options));
// --mode direct: no reader thread, the JS thread walks the kernel rings each period.
const reader = object.read({ schema: benchEvent, mode: options.mode });
let events = 0;
let checksum = 0;
const consumed = reader.onBatch((batch) => {
  checksum = (checksum + sumFields(batch)) % 1e9;
  events += batch.length;
});
const cpus = Array.from({ length: options.threads }, (_, index) => index % 2);

/** P threads calling getpgid() for `seconds`: their calls and CPU clocks. */
async function produce(seconds) {
  const load = nativeBinding().startSyscallLoad({
    cpus,
    callsPerThread: 2 ** 40,
    ratePerSecond: options.rate,
  });
  setTimeout(() => load.stop(), seconds * 1000);
  return load.done;
}

const WARMUP_SECONDS = 0.5;
let warmupProduced = 0;
if (options.report === 'cpu') {
  const warmup = await produce(WARMUP_SECONDS);
  warmupProduced = options.eventsPerSyscall * warmup.calls.reduce((sum, calls) => sum + calls, 0);
  const deadline = Date.now() + 2000;
  while (events + object.kernelDropped() < warmupProduced && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 1));
}
const warmupEvents = events;
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();
const result = await produce(options.seconds);
// The producing window, as the C consumer measures it; the last drain follows.
const ns = Number(process.hrtime.bigint() - started);
await reader.stop();
await consumed;
const cpuAfter = process.cpuUsage(cpuBefore);
const measured = events - warmupEvents;
const producersNs = result.cpuNs.reduce((sum, cpuNs) => sum + cpuNs, 0);
const consumerNs = (cpuAfter.user + cpuAfter.system) * 1e3 - producersNs;
const produced =
  warmupProduced + options.eventsPerSyscall * result.calls.reduce((sum, calls) => sum + calls, 0);
const dropped = object.kernelDropped();
const stats = reader.stats();
object.close();
if (events + dropped !== produced) {
  console.error(`lost events: produced ${produced}, delivered ${events}, dropped ${dropped}`);
  process.exit(1);
}
console.error(
  `js ${options.mode} ${options.topology} ${options.policy}: produced ${produced}, delivered ${events} (${((measured / ns) * 1e3).toFixed(2)} M/s measured), dropped ${dropped}, ` +
    `consumer CPU ${(consumerNs / Math.max(measured, 1)).toFixed(2)} ns/event (producers ${(producersNs / 1e6).toFixed(0)} ms), ` +
    `${stats.batches} batches in ${stats.rounds} rounds, checksum ${checksum % 1000}`,
);
const reported = options.report === 'cpu' ? consumerNs : ns;
reportFromProcess({ ns: (reported * 1e6) / Math.max(measured, 1), items: 1e6 });
