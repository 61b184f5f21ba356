// A process with a real spsc-ring pipeline per name in RINGKIT_PIPELINES, exporting its
// rings' metrics through @ringkit/otel: to Prometheus (RINGKIT_PROMETHEUS=1, a free port) and/or
// OTLP (RINGKIT_OTLP_URL, every RINGKIT_OTLP_INTERVAL_MS). The parent (a test) drives it over IPC:
// { run: { pipeline, records, drain } } pushes `records` records, consuming them as they go when
// `drain`, or all at once after pushing when not (an overload: what does not fit is dropped);
// it answers { ran: stats } with every ring's stats as the process itself reports them.
import { createRing, FixedConsumer, FixedProducer } from '@ringkit/spsc-ring';
import { startMetrics } from '../../dist/index.js';

const CAPACITY = 1024;
const RECORD_SIZE = 16;

const running = await startMetrics({
  ...(process.env.RINGKIT_PROMETHEUS === '1' ? { prometheus: { port: 0 } } : {}),
  ...(process.env.RINGKIT_OTLP_URL
    ? {
        otlp: {
          url: process.env.RINGKIT_OTLP_URL,
          intervalMs: Number(process.env.RINGKIT_OTLP_INTERVAL_MS ?? 1000),
        },
      }
    : {}),
  serviceName: 'ringkit-test-pipeline',
  attributes: { host: process.env.RINGKIT_HOST ?? 'test' },
});

const pipelines = new Map();
for (const pipeline of (process.env.RINGKIT_PIPELINES ?? 'capture').split(',')) {
  const buffer = createRing({ kind: 'fixed', capacity: CAPACITY, recordSize: RECORD_SIZE });
  const ends = {
    producer: FixedProducer.attach(buffer),
    consumer: FixedConsumer.attach(buffer),
    sent: 0,
    received: 0,
  };
  running.metrics.observeRing(`${pipeline}-frames`, ends.consumer, { pipeline });
  pipelines.set(pipeline, ends);
}

const record = new Uint8Array(RECORD_SIZE);

/** Each record carries its sequence number's low byte: a lost or repeated record throws. */
const consume = (ends) =>
  ends.consumer.drain((data, offset, count) => {
    for (let i = 0; i < count; i++, ends.received++)
      if (data[offset + i * RECORD_SIZE] !== (ends.received & 0xff))
        throw new Error(`record ${ends.received} arrived out of sequence`);
  });

function run({ pipeline, records, drain }) {
  const ends = pipelines.get(pipeline);
  for (let i = 0; i < records; i++) {
    record[0] = ends.sent & 0xff;
    if (ends.producer.tryPush(record)) ends.sent++;
    else if (drain) throw new Error('a drained ring was full');
    if (drain && i % 256 === 255) consume(ends);
  }
  consume(ends);
}

const allStats = () =>
  Object.fromEntries([...pipelines].map(([name, { consumer }]) => [name, consumer.stats()]));

process.on('message', async (message) => {
  if (message.run) {
    run(message.run);
    process.send({ ran: allStats() });
  } else if (message.flush) {
    await running.forceFlush();
    process.send({ flushed: allStats() });
  } else if (message.exit) {
    await running.close();
    process.disconnect();
  }
});
process.send({ ready: { prometheusUrl: running.prometheusUrl } });
