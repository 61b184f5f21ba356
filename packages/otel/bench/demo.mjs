// The ringkit demo (apps/demo, built) for RINGKIT_BENCH_DEMO_SECONDS, headless on its synthetic
// syscall source (no root needed). `node bench/demo.mjs on` also has it export its metrics
// every second, both ways at once: --metrics-port 0 scraped every second by this process, and
// --otlp pushed every second to a receiver in this process. The demo's loads are offered at fixed
// rates (events per second), so its throughput is the same either way: what exporting costs is
// the CPU the demo process spends per record it delivers. That is what this prints
// (reportFromProcess): the demo's CPU time (every thread) and the records its pipelines delivered
// between its second per-second table and its last, both read at the same sample: start-up,
// loading OpenTelemetry, the first scrape and the shutdown are left out.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { reportFromProcess } from '@ringkit/bench-kit';

// bench-kit shows a failed sample's last stderr lines: make the reason the last one.
process.on('uncaughtException', (error) => {
  console.error(`bench/demo.mjs: ${error.message}`);
  process.exit(1);
});

const DEMO = fileURLToPath(new URL('../../../apps/demo/dist/main.js', import.meta.url));
const SECONDS = Number(process.env.RINGKIT_BENCH_DEMO_SECONDS ?? 10);
const exporting = process.argv[2] === 'on';

if (!existsSync(DEMO))
  throw new Error(`the demo is not built (${DEMO}): run npm run build -w @ringkit/demo first.`);

const args = ['--headless', '--synthetic', '--duration', String(SECONDS)];
let receiver = null;
if (exporting) {
  receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end());
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  args.push(
    '--metrics-port',
    '0',
    '--otlp',
    `http://127.0.0.1:${receiver.address().port}/v1/metrics`,
  );
}

const demo = spawn(process.execPath, [DEMO, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
/** Per table: the CPU line, then each pipeline's books line. */
const tables = [];
let scraper;
let pending = '';
demo.stdout.on('data', (chunk) => {
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop();
  for (const line of lines) {
    const url = /^metrics: (http:\S+\/metrics)$/.exec(line)?.[1];
    if (url !== undefined)
      scraper = setInterval(
        () =>
          fetch(url).then(
            (response) => response.text(),
            () => '',
          ),
        1000,
      );
    const cpu = /^process cpu: ([\d.]+) s/.exec(line);
    if (cpu) tables.push({ cpuSeconds: Number(cpu[1]), delivered: 0, pipelines: 0 });
    const books = /^\S+ books: nothing lost so far: \d+ produced = (\d+) delivered/.exec(line);
    if (books && tables.length > 0) {
      tables.at(-1).delivered += Number(books[1]);
      tables.at(-1).pipelines++;
    }
  }
});
const code = await new Promise((resolve) => demo.once('exit', resolve));
clearInterval(scraper);
receiver?.close();
receiver?.closeAllConnections();
if (code !== 0) throw new Error(`the demo exited with code ${code}`);
// A table printed before every pipeline produced has fewer books lines: left out.
const pipelines = Math.max(0, ...tables.map((table) => table.pipelines));
const complete = tables.filter((table) => table.pipelines === pipelines);
if (complete.length < 3)
  throw new Error(`the demo printed ${complete.length} complete tables; run it for longer.`);
const [first, last] = [complete[1], complete.at(-1)];
reportFromProcess({
  ns: Math.round((last.cpuSeconds - first.cpuSeconds) * 1e9),
  items: last.delivered - first.delivered,
});
