// Prints the README's "Measured" rows from benchmark_results/buffer-pool (a run of
// `npm run bench -w @ringkit/buffer-pool -- --runs 5`): each figure the median of the runs'
// medians, with the worst and best run; for the deployed benches also each side's buffers/s
// and bytes/s (medians of the runs). `node bench/measured-table.mjs`
import { existsSync, readFileSync } from 'node:fs';

const results = new URL('../../../benchmark_results/buffer-pool/', import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, results), 'utf8'));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ratio = (value) => `${value.toFixed(2)}×`;
const percent = (value) => `${value >= 0 ? '+' : ''}${value.toFixed(2)}%`;
const rate = (value) =>
  value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${Math.round(value / 1e3)} k/s`;
const bytes = (value) => `${(value / 1e9).toFixed(2)} GB/s`;
const SIZES = { '4k': 4096, '64k': 65536 };

function figure(result) {
  const show = result.unit === '%' ? percent : result.unit === '×' ? ratio : (v) => `${v}`;
  const spread =
    result.worst && result.best
      ? ` (worst ${show(result.worst.median)}, best ${show(result.best.median)})`
      : '';
  return `**${show(result.median)}**${spread}`;
}

/** Each side's rate, the median over the runs. */
function sides(name) {
  const runs = [];
  for (let run = 1; existsSync(new URL(`runs/${name}.run-${run}.json`, results)); run++)
    runs.push(read(`runs/${name}.run-${run}.json`));
  const of = (side) => median(runs.map((run) => run.sides[side].itemsPerSecond.median));
  return { baseline: of('baseline'), candidate: of('candidate') };
}

const deployed = [
  'deployed-4k-vs-ids',
  'deployed-4k-vs-ids-one-consumer',
  'deployed-4k-vs-transfer',
  'deployed-4k-vs-lock',
  'deployed-4k-one-worker-vs-worker-per-lane',
  'deployed-64k-vs-ids',
  'deployed-64k-vs-ids-one-consumer',
  'deployed-64k-vs-transfer',
  'lanes-4k-vs-ids',
  'lanes-64k-vs-ceiling',
];
/** One table of speedups with each side's rate: `candidate` names the faster-hoped side. */
function speedupTable(candidate, names) {
  console.log(`| benchmark | ${candidate} ÷ baseline, 5 runs | ${candidate} | baseline | target |`);
  console.log('|---|---|---|---|---|');
  for (const name of names) {
    if (!existsSync(new URL(`${name}.json`, results))) continue;
    const result = read(`${name}.json`);
    const size = SIZES[name.match(/-(4k|64k)-/)[1]];
    const { baseline, candidate: rateOf } = sides(name);
    console.log(
      `| \`${name}\` | ${figure(result)} | ${rate(rateOf)}, ${bytes(rateOf * size)} | ${rate(baseline)}, ${bytes(baseline * size)} | ≥ ${result.budget}× — ${result.verdict} |`,
    );
  }
}

speedupTable('pool', deployed);
console.log();
speedupTable('native', [
  'native-4k-vs-js',
  'native-64k-vs-js',
  'native-4k-one-thread-vs-thread-per-role',
]);
console.log();
for (const name of [
  'handoffs-vs-mutex-queues',
  'handoffs-vs-lock-queues',
  'end-to-end-64k',
  'memcpy-64k',
  'tracking-async',
  'tracking-async-allocator',
  'tracking-async-sparse',
  'tracking-event-cost',
  'tracking-blocking',
]) {
  if (!existsSync(new URL(`${name}.json`, results))) continue;
  const result = read(`${name}.json`);
  let text;
  if (result.unit === 'items/s')
    text = `**${bytes(result.median)}** (worst ${bytes(result.worst.median)}, best ${bytes(result.best.median)})`;
  else if (result.unit === 'ns')
    text = `**${result.median.toFixed(0)} ns**, p99 ${result.percentiles.p99.toFixed(0)} ns (worst ${result.worst.median.toFixed(0)}, best ${result.best.median.toFixed(0)} ns)`;
  else text = figure(result);
  console.log(
    `| \`${name}\` | ${text} | ${result.budget ?? '—'} — ${result.verdict ?? 'report'} |`,
  );
}
