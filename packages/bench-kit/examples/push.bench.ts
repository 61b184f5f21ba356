// examples/push.bench.ts — run with `npx bench-kit run examples/push.bench.ts` (test/examples.test.ts runs it)
import { defineSuite, overhead, throughput } from '@ringkit/bench-kit';

const records = new Float64Array(1024);
const plainLoop = () => {
  for (let i = 0; i < records.length; i++) records[i] = i;
};
const viaCallback = () =>
  records.forEach((_, i) => {
    records[i] = i;
  });

export default defineSuite({
  benches: [
    // Candidate vs baseline, in percent, judged against the budget (default 8%).
    overhead({ name: 'foreach-vs-loop', baseline: plainLoop, candidate: viaCallback, budget: 8 }),
    // Items per second with an interval.
    throughput({ name: 'fill-1k', workload: plainLoop, itemsPerIteration: 1024 }),
    // Whole processes, a fresh one per sample, alternating.
    overhead({
      name: 'startup',
      baseline: { command: 'node', args: ['-e', ''] },
      candidate: { command: 'node', args: ['--expose-gc', '-e', ''] },
      budget: 20,
    }),
  ],
});
