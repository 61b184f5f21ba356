import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type DemoOptions, parseArguments, USAGE, UsageError } from './cli.js';
import { OTLP_INTERVAL_MS, startDemoMetrics } from './metrics.js';
import { type OverheadSummary, readOverheadVerdicts } from './overhead.js';
import { sentenceOf } from './pipeline.js';
import { pipelines } from './pipelines/index.js';
import { type Dashboard, PortUnavailableError, startDashboard } from './server.js';
import { Supervisor } from './supervisor.js';
import {
  renderBanners,
  renderOverhead,
  renderSample,
  renderSummary,
  runSucceeded,
} from './table.js';
import { TraceRecorder } from './trace.js';

/** Samples per second: the dashboard updates at this rate (the brief asks for at least 2). */
const TICK_MS = 250;
const TABLE_EVERY_MS = 1000;
/** Overhead verdicts are re-read this often, so a bench run shows up without a restart. */
const OVERHEAD_REFRESH_MS = 30_000;

/** Signals this close together are one Ctrl-C delivered twice. */
const SAME_SIGNAL_MS = 300;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

async function run(options: DemoOptions): Promise<number> {
  // `npm run demo` runs this in apps/demo; a relative path means the folder the user ran npm
  // from (npm's INIT_CWD), not the workspace's.
  const tracePath =
    options.tracePath === null
      ? null
      : resolve(process.env.INIT_CWD ?? process.cwd(), options.tracePath);
  if (tracePath !== null) await checkWritable(tracePath);
  const trace = new TraceRecorder(tracePath !== null);
  let overhead: OverheadSummary = await readOverheadVerdicts();
  const supervisor = new Supervisor(pipelines, trace, {
    forceSynthetic: options.synthetic,
    namePrefix: `ringkit-demo-${process.pid}`,
  });

  // The port first: a port in use fails before anything is attached or allocated.
  let dashboard: Dashboard | null = null;
  if (!options.headless || options.portGiven)
    dashboard = await startDashboard(supervisor, () => overhead, options.port);
  // Its port too: the exporters listen before anything is attached, and observe after it is.
  const telemetry = await startDemoMetrics(options).catch(async (error: unknown) => {
    await dashboard?.close();
    throw error;
  });
  const overheadTimer = setInterval(async () => {
    overhead = await readOverheadVerdicts();
  }, OVERHEAD_REFRESH_MS);

  const stopRequested = whenStopRequested(options.durationSeconds);
  await supervisor.start(TICK_MS);
  const first = supervisor.latest!;
  for (const banner of renderBanners(first)) console.log(`note: ${banner}`);
  if (dashboard !== null) console.log(`ringkit demo dashboard: ${dashboard.url}`);
  if (telemetry !== null) {
    supervisor.observeMetrics(telemetry.metrics);
    if (telemetry.prometheusUrl !== null) console.log(`metrics: ${telemetry.prometheusUrl}`);
    if (options.otlpUrl !== null)
      console.log(`metrics: pushed every ${OTLP_INTERVAL_MS / 1000} s to ${options.otlpUrl}`);
  }
  let tableTimer: NodeJS.Timeout | undefined;
  if (options.headless) {
    console.log(renderOverhead(overhead));
    tableTimer = setInterval(
      () => console.log(`\n${renderSample(supervisor.latest!)}`),
      TABLE_EVERY_MS,
    );
  } else {
    console.log(`running ${supervisor.pipelineIds.join(', ')}; Ctrl-C stops everything.`);
  }

  const reason = await stopRequested;
  clearInterval(tableTimer);
  clearInterval(overheadTimer);
  console.log(`\nstopping (${reason}) …`);
  const seconds = supervisor.latest?.uptimeSeconds ?? 0;
  // A last OTLP export while every source is still open, then the endpoint stops.
  await telemetry?.close();
  const outcomes = await supervisor.stop();
  await dashboard?.close();
  if (tracePath !== null) {
    await trace.write(tracePath);
    console.log(`trace: ${trace.size} events in ${tracePath} (open it in ui.perfetto.dev)`);
  }
  console.log(renderSummary(outcomes, seconds));
  return runSucceeded(outcomes) ? EXIT_OK : EXIT_FAILED;
}

/** Resolves with why the run ends: the duration ran out, or SIGINT/SIGTERM; a second signal exits at once. */
function whenStopRequested(durationSeconds: number | null): Promise<string> {
  return new Promise((resolve) => {
    let requestedAt: number | null = null;
    const stop = (reason: string) => {
      // npm forwards the terminal's Ctrl-C to a process that got it already: a
      // repeat within a moment is the same keypress, not a second request.
      if (requestedAt !== null && performance.now() - requestedAt < SAME_SIGNAL_MS) return;
      if (requestedAt !== null) {
        console.error(
          'ringkit demo: stopped without cleaning up (second signal); the kernel detaches BPF programs as the process exits.',
        );
        process.exit(130);
      }
      requestedAt = performance.now();
      resolve(reason);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    if (durationSeconds !== null)
      setTimeout(() => stop(`${durationSeconds} s elapsed`), durationSeconds * 1000);
  });
}

/** Fails now, in one sentence, rather than after the run, when the trace cannot be written. */
async function checkWritable(path: string): Promise<void> {
  try {
    await (await open(path, 'w')).close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(
      `--trace cannot write ${path} (${code}): pass a file in a folder that exists and is writable.`,
    );
  }
}

/** A failure the command line can fix, phrased as the flag to change; undefined otherwise. */
function asUsageError(error: unknown): UsageError | undefined {
  if (error instanceof UsageError) return error;
  if (!(error instanceof PortUnavailableError)) return undefined;
  return new UsageError(
    error.reason === 'in-use'
      ? `${error.message}: pass --port with a free one, or --port 0 for any free port.`
      : `${error.message}: pass --port 1024 or above, or --port 0.`,
  );
}

async function main(): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`ringkit demo: ${error.message}`);
    return EXIT_USAGE;
  }
  if (options.help) {
    console.log(USAGE);
    return EXIT_OK;
  }
  try {
    return await run(options);
  } catch (error) {
    const usage = asUsageError(error);
    console.error(`ringkit demo: ${sentenceOf(usage ?? error)}`);
    return usage !== undefined ? EXIT_USAGE : EXIT_FAILED;
  }
}

// Anything that escapes is still one sentence, never a stack trace.
process.on('uncaughtException', (error) => {
  console.error(`ringkit demo: ${sentenceOf(error)}`);
  process.exit(EXIT_FAILED);
});
process.on('unhandledRejection', (error) => {
  console.error(`ringkit demo: ${sentenceOf(error)}`);
  process.exit(EXIT_FAILED);
});

// Exit explicitly: worker and native threads that already reported must not keep the process up.
main().then((code) => process.exit(code));
