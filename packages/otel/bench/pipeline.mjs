// One process moving RINGKIT_BENCH_RECORDS 32-byte records through an spsc-ring ring (both
// ends on this thread, drained every 256 records, the event loop let in every 65 536 so timers
// and exports run as they would in an agent). `node bench/pipeline.mjs on` also exports the
// ring's metrics every second, both ways at once: a Prometheus endpoint scraped every second and
// OTLP/HTTP pushed every second to a receiver in this process (whose few parsed bytes are
// charged to the candidate too). It prints its own loop time (reportFromProcess): start-up, the
// exporters' setup and their first scrape and export are left out.
import { createServer } from 'node:http';
import { reportFromProcess } from '@ringkit/bench-kit';
import { createRing, FixedConsumer, FixedProducer } from '@ringkit/spsc-ring';
import { startMetrics } from '../dist/index.js';

const RECORDS = Number(process.env.RINGKIT_BENCH_RECORDS ?? 50_000_000);
const exporting = process.argv[2] === 'on';

const buffer = createRing({ kind: 'fixed', capacity: 4096, recordSize: 32 });
const producer = FixedProducer.attach(buffer);
const consumer = FixedConsumer.attach(buffer);

let stop = async () => {};
if (exporting) {
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end());
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const telemetry = await startMetrics({
    prometheus: { port: 0 },
    otlp: { url: `http://127.0.0.1:${receiver.address().port}/v1/metrics`, intervalMs: 1000 },
    attributes: { pipeline: 'bench' },
  });
  telemetry.metrics.observeRing('frames', consumer);
  const scrape = () => fetch(telemetry.prometheusUrl).then((response) => response.text());
  // Steady state, as in a long-running agent: the first scrape and export load fetch's client
  // and open the exporter's connection, tens of ms that a process pays once, not each second.
  await scrape();
  await telemetry.forceFlush();
  const scraper = setInterval(scrape, 1000);
  stop = async () => {
    clearInterval(scraper);
    await telemetry.close();
    receiver.close();
    receiver.closeAllConnections();
  };
}

const record = new Uint8Array(32);
let delivered = 0;
const consume = () =>
  consumer.drain((_data, _offset, count) => {
    delivered += count;
  });
const started = process.hrtime.bigint();
for (let sent = 0; sent < RECORDS; ) {
  const end = Math.min(sent + 65_536, RECORDS);
  for (; sent < end; sent++) {
    producer.tryPush(record);
    if ((sent & 255) === 255) consume();
  }
  consume();
  await new Promise((resolve) => setImmediate(resolve));
}
const ns = Number(process.hrtime.bigint() - started);
if (delivered !== RECORDS) throw new Error(`delivered ${delivered} of ${RECORDS} records`);
await stop();
reportFromProcess({ ns, items: RECORDS });
