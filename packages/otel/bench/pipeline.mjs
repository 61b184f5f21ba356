// One process moving RINGKIT_BENCH_RECORDS 32-byte records through an spsc-ring ring (both
// ends on this thread, drained every 256 records, the event loop let in every 65 536 so timers
// and exports run as they would in an agent). `node bench/pipeline.mjs on` also exports the
// ring's metrics every second, both ways at once: a Prometheus endpoint that bench/collector.mjs
// (another process) scrapes every second, and OTLP/HTTP pushed every second to that process. It
// prints its own loop time (reportFromProcess): start-up, the exporters' setup and their first
// scrape and export are left out.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { reportFromProcess } from '@ringkit/bench-kit';
import { createRing, FixedConsumer, FixedProducer } from '@ringkit/spsc-ring';
import { startMetrics } from '../dist/index.js';

const COLLECTOR = fileURLToPath(new URL('./collector.mjs', import.meta.url));
const RECORDS = Number(process.env.RINGKIT_BENCH_RECORDS ?? 50_000_000);
const exporting = process.argv[2] === 'on';
const SETTLE_MS = 500;

const buffer = createRing({ kind: 'fixed', capacity: 4096, recordSize: 32 });
const producer = FixedProducer.attach(buffer);
const consumer = FixedConsumer.attach(buffer);

const record = new Uint8Array(32);
const ignore = () => {};

/**
 * One slice of the pipeline: `count` records pushed, drained every 256; returns those delivered.
 * A function of its own, called the same way in both modes, so V8 compiles one loop for both: a
 * loop in the module's top level (an async body, resumed after each await) was optimised
 * differently from run to run, and its time jumped between three levels whatever was exported.
 */
function moveRecords(count) {
  let delivered = 0;
  const last = count - 1;
  for (let sent = 0; sent < count; sent++) {
    producer.tryPush(record);
    // One drain call site: a second one after the loop had no type feedback when V8 compiled
    // the loop on stack (OSR), deoptimised on its first call, and the recompiled loop ran at
    // one of two speeds 1.7x apart from process to process.
    if ((sent & 255) === 255 || sent === last) delivered += consumer.drain(ignore);
  }
  return delivered;
}

/** Moves `records` in slices of 65 536, letting the event loop in between (timers, exports). */
async function run(records) {
  let delivered = 0;
  for (let sent = 0; sent < records; sent += 65_536) {
    delivered += moveRecords(Math.min(65_536, records - sent));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return delivered;
}

// Warm-up, the same in both modes and before any exporter exists: the loop is compiled before
// the clock starts, from the same type feedback. Compiled after a first collection had called
// the ring's stats(), V8 inlined tryPush's copy in some processes and not in others, and the
// loop ran at one of two speeds 1.5x apart whatever was exported: this bench measures what
// exporting costs a running pipeline, not that (spsc-ring's issue 18 has it).
await run(2_000_000);

let stop = async () => {};
if (exporting) {
  // Prometheus and the OTLP collector are other processes, as in a deployment: a scraper and a
  // receiver in this one would charge their own work (fetch, parsing) to the pipeline.
  const collector = spawn(process.execPath, [COLLECTOR], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: collector.stdout })[Symbol.asyncIterator]();
  const receiverPort = (await lines.next()).value;
  const telemetry = await startMetrics({
    prometheus: { port: 0 },
    otlp: { url: `http://127.0.0.1:${receiverPort}/v1/metrics`, intervalMs: 1000 },
    attributes: { pipeline: 'bench' },
  });
  telemetry.metrics.observeRing('frames', consumer);
  // Steady state, as in a long-running agent: the first scrape and export open connections and
  // compile the exporters' code, tens of ms that a process pays once, not each second.
  collector.stdin.write(`${telemetry.prometheusUrl}\n`);
  await lines.next(); // 'scraped'
  await telemetry.forceFlush();
  stop = async () => {
    collector.stdin.end();
    await telemetry.close();
    await once(collector, 'exit');
  };
}

// Both modes then idle for SETTLE_MS before the clock starts. The collector's first scrape leaves
// it compiling for a few hundred ms more; measured from /proc, it burnt 130-180 ms of CPU inside a
// 1.1 s sample that began at once, against about 10 ms after this pause. On this VM a busy
// neighbouring vCPU slows the ring's memory-bound loop up to 2x, so that start-up of another
// process, not the exporters, was most of what this bench once charged to exporting.
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

const started = process.hrtime.bigint();
const delivered = await run(RECORDS);
const ns = Number(process.hrtime.bigint() - started);
if (delivered !== RECORDS) throw new Error(`delivered ${delivered} of ${RECORDS} records`);
await stop();
reportFromProcess({ ns, items: RECORDS });
