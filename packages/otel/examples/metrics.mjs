// examples/metrics.mjs — node examples/metrics.mjs [--otlp http://collector:4318/v1/metrics]
// A ring's health as OpenTelemetry metrics: served for Prometheus, and pushed over OTLP/HTTP.

import { startMetrics } from '@ringkit/otel';
import { createRing, FixedConsumer, FixedProducer } from '@ringkit/spsc-ring';

const otlpUrl = process.argv[process.argv.indexOf('--otlp') + 1];
const telemetry = await startMetrics({
  prometheus: { port: 0 }, // 0: a free port; the default is 9464, on 127.0.0.1
  ...(process.argv.includes('--otlp') ? { otlp: { url: otlpUrl, intervalMs: 1000 } } : {}),
  attributes: { pipeline: 'capture' }, // on every value: sum by (pipeline) across hosts
});

const buffer = createRing({ kind: 'fixed', capacity: 1024, recordSize: 32 });
const producer = FixedProducer.attach(buffer);
const consumer = FixedConsumer.attach(buffer);
telemetry.metrics.observeRing('frames', consumer); // read at each scrape, never on the hot path

const record = new Uint8Array(32);
for (let i = 0; i < 5000; i++) producer.tryPush(record); // 1024 fit, 3976 are dropped
consumer.drain(() => {});

const scraped = await (await fetch(telemetry.prometheusUrl)).text(); // what Prometheus would read
for (const line of scraped.split('\n'))
  if (line.startsWith('ringkit_ring_records')) console.log(line);
await telemetry.close(); // one last OTLP export, then the endpoint stops
