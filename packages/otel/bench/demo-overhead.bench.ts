/**
 * What exporting the demo's metrics every second costs the demo (apps/demo, headless, synthetic
 * source): Prometheus scraping its /metrics every second and OTLP pushed every second, against
 * no metrics. Its loads are offered at fixed rates, so the figure is CPU time per delivered
 * record (every thread of the demo), not records per second. `npm run bench -w @ringkit/otel`
 * (after `npm run build -w @ringkit/otel` and `npm run build -w @ringkit/demo`).
 */
import { fileURLToPath } from 'node:url';
import { defineSuite, overhead } from '@ringkit/bench-kit';

const DEMO = fileURLToPath(new URL('./demo.mjs', import.meta.url));
const quick = process.argv.includes('--quick') || process.env.RINGKIT_BENCH_QUICK === '1';
/** Ten seconds: about eight scrapes and eight exports between the tables measured. */
const env = { ...process.env, RINGKIT_BENCH_DEMO_SECONDS: quick ? '6' : '10' };

export default defineSuite({
  benches: [
    overhead({
      name: 'demo-metrics-export-overhead',
      description:
        "the demo's CPU time per delivered record (every thread; its loads are offered at fixed rates, so its throughput is the same either way), headless on its synthetic source for 10 s: --metrics-port scraped every second and --otlp pushed every second vs no metrics",
      budget: 8,
      // Reported, not CI's gate: a pair takes about 25 s, so a gated run would cost CI minutes;
      // metrics-export-overhead (the same exporters on a ring pipeline, about 1 s a sample) gates.
      gate: false,
      baseline: { command: process.execPath, args: [DEMO, 'off'], env },
      candidate: { command: process.execPath, args: [DEMO, 'on'], env },
      // Eight pairs first, up to sixteen while the verdict is open.
      sampling: { minSamples: 8, stepSamples: 8, maxSamples: 16, maxSeconds: 600 },
    }),
  ],
});
