/**
 * Proves the method on this machine: 20 A/A comparisons (must not fail) and 20
 * comparisons with a real +15% slowdown (must fail against the 8% budget),
 * interleaved so both see the same machine. `npm run calibrate -w @ringkit/bench-kit`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { overhead } from '../src/define.js';
import { formatInterval, formatPercent, markdownTable } from '../src/format.js';
import { describeMachine } from '../src/machine.js';
import { type OverheadRun, runBench } from '../src/runner.js';
import { median } from '../src/stats.js';
import { DEFAULT_BUDGET_PERCENT } from '../src/verdict.js';
import { defaultResultsDir } from '../src/workspace.js';
import { createCpuWorkload, workloadSink } from './cpu-workload.js';

const COMPARISONS = Number(process.env.CALIBRATION_COMPARISONS ?? 20);
const ROUNDS = 20;
const SLOWDOWN = 1.15;

interface Row {
  readonly scenario: 'A/A' | '+15%';
  readonly index: number;
  readonly run: OverheadRun;
}

const rows: Row[] = [];
for (let index = 0; index < COMPARISONS; index++) {
  for (const scenario of index % 2 === 0
    ? (['A/A', '+15%'] as const)
    : (['+15%', 'A/A'] as const)) {
    const candidateRounds = scenario === 'A/A' ? ROUNDS : Math.round(ROUNDS * SLOWDOWN);
    const run = (await runBench(
      overhead({
        name: `calibration-${scenario === 'A/A' ? 'aa' : 'slowdown'}`,
        baseline: createCpuWorkload(ROUNDS),
        candidate: createCpuWorkload(candidateRounds),
        budget: DEFAULT_BUDGET_PERCENT,
      }),
    )) as OverheadRun;
    rows.push({ scenario, index, run });
    console.log(
      `${scenario.padEnd(5)} #${String(index + 1).padStart(2)}: ${run.verdict.padEnd(12)} ${formatPercent(run.interval.median)} ${formatInterval('%', run.interval.low, run.interval.high)} ${run.pairs.length} pairs, ${(run.durationMs / 1000).toFixed(1)} s`,
    );
  }
}

const of = (scenario: Row['scenario']) => rows.filter((row) => row.scenario === scenario);
const count = (scenario: Row['scenario'], verdict: string) =>
  of(scenario).filter((row) => row.run.verdict === verdict).length;
const aaFailed = count('A/A', 'fail');
const slowdownFailed = count('+15%', 'fail');
const medianSeconds = median(rows.map((row) => row.run.durationMs / 1000));
const machine = describeMachine();

const criteria = [
  {
    what: 'A/A comparisons falsely failed',
    figure: `${aaFailed} of ${COMPARISONS}`,
    required: '≤ 1 of 20',
    met: aaFailed <= 1,
  },
  {
    what: '+15% comparisons failed',
    figure: `${slowdownFailed} of ${COMPARISONS}`,
    required: '≥ 19 of 20',
    met: slowdownFailed >= Math.ceil(COMPARISONS * 0.95),
  },
  {
    what: 'median time per comparison',
    figure: `${medianSeconds.toFixed(1)} s`,
    required: '≤ 60 s',
    met: medianSeconds <= 60,
  },
];
const summaryTable = markdownTable(
  ['criterion', 'measured', 'required', 'met'],
  criteria.map((criterion) => [
    criterion.what,
    criterion.figure,
    criterion.required,
    criterion.met ? 'yes' : 'NO',
  ]),
);
const estimates = (scenario: Row['scenario']) => {
  const medians = of(scenario).map((row) => row.run.interval.median);
  return `median estimate ${formatPercent(median(medians))} (range ${formatPercent(Math.min(...medians))} … ${formatPercent(Math.max(...medians))})`;
};
const verdicts = (scenario: Row['scenario']) =>
  ['pass', 'inconclusive', 'fail']
    .map((verdict) => `${verdict} ${count(scenario, verdict)}`)
    .join(', ');

const report = [
  '# bench-kit calibration',
  '',
  `Command: \`npm run calibrate -w @ringkit/bench-kit\` — ${new Date().toISOString()}`,
  `Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  '',
  summaryTable,
  '',
  `- A/A: ${verdicts('A/A')}; ${estimates('A/A')}`,
  `- +15%: ${verdicts('+15%')}; ${estimates('+15%')}`,
  '',
].join('\n');
console.log(`\n${report}`);

const folder = join(defaultResultsDir(process.cwd()), 'bench-kit');
mkdirSync(folder, { recursive: true });
writeFileSync(join(folder, 'calibration.md'), report);
writeFileSync(
  join(folder, 'calibration.csv'),
  [
    'scenario,comparison,verdict,median_percent,low_percent,high_percent,pairs,seconds',
    ...rows.map((row) =>
      [
        row.scenario,
        row.index + 1,
        row.run.verdict,
        row.run.interval.median.toFixed(3),
        row.run.interval.low.toFixed(3),
        row.run.interval.high.toFixed(3),
        row.run.pairs.length,
        (row.run.durationMs / 1000).toFixed(2),
      ].join(','),
    ),
    '',
  ].join('\n'),
);
if (workloadSink() === 0) console.log('(sink)');
process.exitCode = criteria.every((criterion) => criterion.met) ? 0 : 1;
