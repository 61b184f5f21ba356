// Starts the built demo (apps/demo/dist: `npm run build -w @ringkit/demo`) with its dashboard,
// switches the command ring through the dashboard's own POST /api/control, and reads the
// command-ring panel from GET /api/state: the figures the README quotes.
//
//   node apps/demo/scripts/measure-command-ring.mjs [sizes, default 1,2,3,4] [rounds, default 1]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** Let the new ring's utilisation windows (500 ms each) turn over before reading. */
const SETTLE_MS = 1500;
const READINGS = 16;
const READ_EVERY_MS = 250;

const sizes = (process.argv[2] ?? '1,2,3,4').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 1);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const demo = spawn(process.execPath, [DEMO, '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let stdout = '';
demo.stdout.on('data', (chunk) => {
  stdout += chunk;
});
let url;
for (;;) {
  url = /ringkit demo dashboard: (http\S+)/.exec(stdout)?.[1];
  if (url !== undefined) break;
  if (demo.exitCode !== null) throw new Error(`the demo exited: ${stdout}`);
  await sleep(50);
}

async function panel() {
  const state = await (await fetch(`${url}/api/state`)).json();
  const pipeline = state.history.at(-1).pipelines.find((entry) => entry.id === 'command-ring');
  return pipeline.panels.find((entry) => entry.kind === 'command-ring');
}

console.log('ring size  utilisation median (min–max)  reuse rate  average wait  load (1 min)');
for (let round = 0; round < rounds; round++)
  for (const ringSize of sizes) {
    const response = await fetch(`${url}/api/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        pipeline: 'command-ring',
        message: { type: 'set-ring-size', ringSize },
      }),
    });
    if (!response.ok) throw new Error(`control refused: ${await response.text()}`);
    await sleep(SETTLE_MS);
    const readings = [];
    let last;
    for (let i = 0; i < READINGS; i++) {
      last = await panel();
      readings.push(last.utilisationPercent);
      await sleep(READ_EVERY_MS);
    }
    readings.sort((a, b) => a - b);
    const median = readings[Math.floor(READINGS / 2)];
    console.log(
      `${String(ringSize).padStart(9)}  ${median.toFixed(1).padStart(7)} % (${readings[0].toFixed(1)}–${readings.at(-1).toFixed(1)})`.padEnd(
        41,
      ) +
        `${last.reuseRate.toFixed(3).padStart(10)}  ${last.averageWaitMs.toFixed(3).padStart(9)} ms  ${loadavg()[0].toFixed(2).padStart(11)}`,
    );
  }
demo.kill('SIGINT');
await new Promise((resolve) => demo.once('exit', resolve));
const summary = stdout.slice(stdout.lastIndexOf('── summary'));
console.log(
  `\n${summary
    .split('\n')
    .filter((line) => line.includes('command-ring'))
    .join('\n')}`,
);
