// The most events per second delivered into JS with no drop: the bench program
// attached, P paced producer threads (16 events per getpgid call), the offered
// load raised step by step (×1.25, STEP_SECONDS each) until a step drops an event
// (in the kernel ring or the reader) or the producers cannot keep the pace. The
// highest rate delivered by a step that dropped nothing is the ceiling (every field of
// every event read in place, as js-consumer.mjs reads them); it prints
// BENCH_RESULT { ns, items } for that step, and every step on stderr.
// Options: those of options.mjs (--threads, --topology, --policy, --period-ms,
// --ring-bytes), plus --rate, here the first step's events/s (default 1000000).
import { reportFromProcess } from '@ringkit/bench-kit';
import { benchEvent, nativeBinding, openProgram } from '@ringkit/bpf-ringbuf';
import { openOptions, parseOptions } from './options.mjs';
import { sumFields } from './read-in-place.mjs';

const EVENTS_PER_CALL = 16;
const STEP_SECONDS = 0.5;
const GROWTH = 1.25;
const MAX_STEPS = 16;

const options = parseOptions(process.argv.slice(2));
options.eventsPerSyscall = EVENTS_PER_CALL;
const cpus = Array.from({ length: options.threads }, (_, index) => index % 2);

/** One step at `offered` events/s: what was produced, delivered and dropped, and how long it took. */
async function step(offered) {
  const object = openProgram('bench', openOptions(options));
  const reader = object.read({ schema: benchEvent });
  let delivered = 0;
  let checksum = 0;
  const consumed = reader.onBatch((batch) => {
    checksum = (checksum + sumFields(batch)) % 1e9;
    delivered += batch.length;
  });
  const started = process.hrtime.bigint();
  const load = nativeBinding().startSyscallLoad({
    cpus,
    callsPerThread: Math.ceil((offered * STEP_SECONDS) / EVENTS_PER_CALL / options.threads),
    ratePerSecond: offered / EVENTS_PER_CALL / options.threads,
  });
  // A machine that cannot keep the pace still ends the step on time.
  const timer = setTimeout(() => load.stop(), STEP_SECONDS * 1500);
  const result = await load.done;
  clearTimeout(timer);
  const ns = Number(process.hrtime.bigint() - started);
  await reader.stop();
  await consumed;
  const dropped = object.kernelDropped() + reader.stats().droppedEvents;
  object.close();
  const produced = EVENTS_PER_CALL * result.calls.reduce((sum, calls) => sum + calls, 0);
  if (delivered + dropped !== produced) {
    console.error(`lost events: produced ${produced}, delivered ${delivered}, dropped ${dropped}`);
    process.exit(1);
  }
  return { offered, produced, delivered, dropped, ns, checksum };
}

let best = null;
let stoppedBy = `${MAX_STEPS} steps`;
for (let offered = options.rate || 1_000_000, index = 0; index < MAX_STEPS; index++) {
  const outcome = await step(offered);
  const rate = (outcome.delivered / outcome.ns) * 1e9;
  console.error(
    `ceiling: offered ${(offered / 1e6).toFixed(2)} M/s, delivered ${(rate / 1e6).toFixed(2)} M/s, dropped ${outcome.dropped}`,
  );
  if (outcome.dropped > 0) {
    stoppedBy = 'drops';
    break;
  }
  if (best === null || rate > (best.delivered / best.ns) * 1e9) best = outcome;
  // The producers fell behind the pace: the offered load no longer rises.
  if (outcome.produced < 0.95 * offered * STEP_SECONDS) {
    stoppedBy = 'the producers falling behind (the ceiling is at least this)';
    break;
  }
  offered = Math.round(offered * GROWTH);
}
if (best === null) {
  console.error('ceiling: even the first step dropped events; lower --rate');
  process.exit(1);
}
console.error(
  `ceiling: ${((best.delivered / best.ns) * 1e3).toFixed(2)} M events/s, stopped by ${stoppedBy}`,
);
reportFromProcess({ ns: best.ns, items: best.delivered });
