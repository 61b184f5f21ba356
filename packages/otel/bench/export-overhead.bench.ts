/**
 * What exporting a pipeline's metrics every second costs the pipeline: the same process moving
 * records through a ring, with a Prometheus endpoint scraped every second and an OTLP export every
 * second, against none. `npm run bench -w @ringkit/otel` (after `npm run build -w @ringkit/otel`).
 */
import { fileURLToPath } from 'node:url';
import { defineSuite, overhead } from '@ringkit/bench-kit';

const PIPELINE = fileURLToPath(new URL('./pipeline.mjs', import.meta.url));

export default defineSuite({
  benches: [
    overhead({
      name: 'metrics-export-overhead',
      description:
        '32-byte records through an spsc-ring ring in one process (50 M per sample, about 1 s: each sample spans one export and one scrape): metrics scraped every second and pushed over OTLP every second by/to another process vs not exported',
      budget: 8,
      baseline: { command: process.execPath, args: [PIPELINE, 'off'] },
      candidate: { command: process.execPath, args: [PIPELINE, 'on'] },
    }),
  ],
});
