// Runs a consumer that prints BENCH_RESULT { ns, items } for a fixed window and
// prints it again normalised to 10^6 items, so that bench-kit's time ratio
// between two consumers is the ratio of their rates.
import { spawnSync } from 'node:child_process';
import { reportFromProcess } from '@ringkit/bench-kit';

const [command, ...args] = process.argv.slice(2);
const run = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const line = run.stdout.split('\n').find((text) => text.startsWith('BENCH_RESULT '));
if (run.status !== 0 || line === undefined) {
  console.error(`${command} failed (exit ${run.status}) or printed no BENCH_RESULT line`);
  process.exit(1);
}
const { ns, items } = JSON.parse(line.slice('BENCH_RESULT '.length));
reportFromProcess({ ns: (ns * 1e6) / Math.max(items, 1), items: 1e6 });
