/**
 * What exporting a pipeline's metrics costs the pipeline: records moved through a ring with one
 * Prometheus scrape served and one OTLP export made per sample (about a second of work), against
 * the same records moved with neither, interleaved in one process (bench/exporting-pipeline.ts).
 * `npm run bench -w @ringkit/otel` (after `npm run build -w @ringkit/otel`).
 */
import { defineSuite, overhead } from '@ringkit/bench-kit';
import { ExportingPipeline } from './exporting-pipeline.js';

let pipeline: ExportingPipeline | undefined;
const started = () => {
  if (pipeline === undefined) throw new Error('the pipeline was not started');
  return pipeline;
};

export default defineSuite({
  benches: [
    overhead({
      name: 'metrics-export-overhead',
      description:
        '32-byte records through an spsc-ring ring, about 1 s of them per sample: one Prometheus scrape (by another process) and one OTLP export (to it) per sample vs neither, both in one process',
      budget: 8,
      itemsPerIteration: 1,
      baseline: { batch: (records: number) => started().move(records, false) },
      candidate: { batch: (records: number) => started().move(records, true) },
      setup: async () => {
        pipeline = await ExportingPipeline.start();
      },
      teardown: () => pipeline?.stop(),
      // A second a sample: one export and one scrape a second, as `intervalMs: 1000` and a
      // Prometheus scraping every second would make them.
      sampling: { sampleTargetMs: 1000, warmupMs: 3000, maxSeconds: 120 },
    }),
  ],
});
