import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nativeUnavailableReason } from '@ringkit/bpf-ringbuf';
import { bpfPrivilegeReason } from '../../../test-support/skip.js';

/** The built demo (test/build-once.ts builds it before the tests run). */
export const DEMO = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** A line of stdout and the wall time (Date.now()) it arrived at. */
export interface TimedLine {
  readonly at: number;
  readonly line: string;
}

export interface DemoRun {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  /** Every complete stdout line so far, with when it arrived. */
  readonly lines: () => readonly TimedLine[];
  readonly stderr: () => string;
  /** Resolves with the exit code (a signal counts as -1). */
  readonly exited: Promise<number>;
}

/** Starts the demo with `args` (optionally behind a wrapper such as setpriv, or with `env`). */
export function startDemo(
  args: readonly string[],
  wrapper: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): DemoRun {
  const command = [...wrapper, process.execPath, DEMO, ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  const lines: TimedLine[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    const at = Date.now();
    const start = stdout.lastIndexOf('\n') + 1;
    stdout += chunk.toString();
    const complete = stdout.slice(start, stdout.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n').slice(0, -1)) lines.push({ at, line });
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code) => resolve(code ?? -1)),
  );
  return { child, stdout: () => stdout, lines: () => lines, stderr: () => stderr, exited };
}

/** Runs the demo to its end. */
export async function runDemo(
  args: readonly string[],
  wrapper: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
) {
  const run = startDemo(args, wrapper, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Waits for the dashboard URL line; rejects if the demo exits first. */
export function dashboardUrl(run: DemoRun, timeoutMs = 30_000): Promise<string> {
  return printedUrl(
    run,
    /ringkit demo dashboard: (http:\/\/127\.0\.0\.1:\d+)/,
    'dashboard',
    timeoutMs,
  );
}

/** Waits for the `metrics: <url>` line of --metrics-port; rejects if the demo exits first. */
export function metricsUrl(run: DemoRun, timeoutMs = 30_000): Promise<string> {
  return printedUrl(run, /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m, 'metrics', timeoutMs);
}

async function printedUrl(
  run: DemoRun,
  pattern: RegExp,
  what: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(run.stdout());
    if (match) return match[1]!;
    if (run.child.exitCode !== null || Date.now() > deadline)
      throw new Error(
        `the demo printed no ${what} URL; stdout: ${run.stdout()} stderr: ${run.stderr()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One pipeline's live books line in a per-second table, and when it was printed. */
export interface BooksLine {
  readonly at: number;
  readonly pipeline: string;
  readonly produced: number;
  readonly delivered: number;
  readonly dropped: number;
}

/** Every live books line the demo printed so far ("<id> books: nothing lost so far: …"). */
export function booksLines(run: DemoRun): BooksLine[] {
  const books: BooksLine[] = [];
  for (const { at, line } of run.lines()) {
    const match =
      /^(\S+) books: nothing lost so far: (\d+) produced = (\d+) delivered \+ (\d+) dropped/.exec(
        line,
      );
    if (match)
      books.push({
        at,
        pipeline: match[1]!,
        produced: Number(match[2]),
        delivered: Number(match[3]),
        dropped: Number(match[4]),
      });
  }
  return books;
}

export interface SummaryRow {
  readonly pipeline: string;
  readonly status: string;
  readonly produced: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly conservation: string;
}

/** The rows of the closing summary table (src/table.ts renderSummary). */
export function summaryRows(stdout: string): SummaryRow[] {
  const summary = stdout.slice(stdout.lastIndexOf('── summary after'));
  const rows: SummaryRow[] = [];
  for (const line of summary.split('\n')) {
    const match =
      /^(\S+)\s+(stopped|failed|running|starting)\s+(\d+)\s+(\d+)\s+(\d+)\s+(conserved|NOT CONSERVED)$/.exec(
        line.trim(),
      );
    if (match)
      rows.push({
        pipeline: match[1]!,
        status: match[2]!,
        produced: Number(match[3]),
        delivered: Number(match[4]),
        dropped: Number(match[5]),
        conservation: match[6]!,
      });
  }
  return rows;
}

/** Why BPF cannot run here, or '' (the same conditions as bpf-ringbuf's own tests). */
export function bpfUnavailableReason(): string {
  return bpfPrivilegeReason() || nativeUnavailableReason();
}
