import { spawn } from 'node:child_process';
import type { Clock } from './clock.js';
import {
  isBatchWorkload,
  isProcessWorkload,
  type ProcessWorkload,
  type Workload,
} from './define.js';
import { BenchKitError } from './errors.js';

/** What one sample measured. */
export interface Sample {
  readonly ns: number;
  /** Items processed, when known (itemsPerIteration, a batch's return value, a process's report). */
  readonly items: number | undefined;
}

/** A workload made uniform: run `iterations` of it and say how long that took. */
export interface PreparedWorkload {
  readonly mode: 'function' | 'process';
  sample(iterations: number): Promise<Sample>;
}

const REPORT_PREFIX = 'BENCH_RESULT ';

/**
 * For a process workload: print the figures the process measured itself, so the
 * sample excludes process start-up. Call once, just before exiting.
 */
export function reportFromProcess(report: { ns?: number; items?: number }): void {
  process.stdout.write(`${REPORT_PREFIX}${JSON.stringify(report)}\n`);
}

export function prepareWorkload(
  benchName: string,
  workload: Workload,
  clock: Clock,
  itemsPerIteration: number | undefined,
): PreparedWorkload {
  if (isProcessWorkload(workload)) {
    return {
      mode: 'process',
      sample: () => sampleProcess(benchName, workload, clock, itemsPerIteration),
    };
  }
  if (isBatchWorkload(workload)) {
    return {
      mode: 'function',
      async sample(iterations) {
        const start = clock();
        let returned = workload.batch(iterations);
        if (isThenable(returned)) returned = await returned;
        const ns = clock() - start;
        const items =
          typeof returned === 'number' ? returned : itemsOf(itemsPerIteration, iterations);
        return { ns, items };
      },
    };
  }
  let isAsync: boolean | undefined;
  return {
    mode: 'function',
    async sample(iterations) {
      if (isAsync === undefined) isAsync = isThenable(workload());
      const start = clock();
      if (isAsync) {
        for (let i = 0; i < iterations; i++) await workload();
      } else {
        for (let i = 0; i < iterations; i++) workload();
      }
      const ns = clock() - start;
      return { ns, items: itemsOf(itemsPerIteration, iterations) };
    },
  };
}

function itemsOf(itemsPerIteration: number | undefined, iterations: number): number | undefined {
  return itemsPerIteration === undefined ? undefined : itemsPerIteration * iterations;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function sampleProcess(
  benchName: string,
  workload: ProcessWorkload,
  clock: Clock,
  itemsPerIteration: number | undefined,
): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = clock();
    const child = spawn(workload.command, workload.args ?? [], {
      cwd: workload.cwd,
      env: workload.env ? { ...process.env, ...workload.env } : process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.on('error', (error) => {
      reject(
        new BenchKitError(
          'WORKLOAD_FAILED',
          `benchmark "${benchName}" could not start "${workload.command}": ${error.message}`,
          { cause: error },
        ),
      );
    });
    child.on('close', (code, signal) => {
      const wallNs = clock() - start;
      if (code !== 0) {
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        reject(
          new BenchKitError(
            'WORKLOAD_FAILED',
            `benchmark "${benchName}": "${[workload.command, ...(workload.args ?? [])].join(' ')}" ${why}${tail ? `: ${tail}` : ''}`,
          ),
        );
        return;
      }
      try {
        const report = parseReport(benchName, stdout);
        resolve({ ns: report.ns ?? wallNs, items: report.items ?? itemsOf(itemsPerIteration, 1) });
      } catch (error) {
        reject(error);
      }
    });
  });
}

function parseReport(benchName: string, stdout: string): { ns?: number; items?: number } {
  const line = stdout
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith(REPORT_PREFIX));
  if (line === undefined) return {};
  let report: unknown;
  try {
    report = JSON.parse(line.slice(REPORT_PREFIX.length));
  } catch {
    throw new BenchKitError(
      'WORKLOAD_FAILED',
      `benchmark "${benchName}" printed a BENCH_RESULT line that is not JSON: ${line}`,
    );
  }
  const { ns, items } = (report ?? {}) as { ns?: unknown; items?: unknown };
  for (const [field, value] of [
    ['ns', ns],
    ['items', items],
  ] as const) {
    if (
      value !== undefined &&
      !(typeof value === 'number' && value > 0 && Number.isFinite(value))
    ) {
      throw new BenchKitError(
        'WORKLOAD_FAILED',
        `benchmark "${benchName}" reported ${field}=${JSON.stringify(value)}; it must be a positive number.`,
      );
    }
  }
  return { ns: ns as number | undefined, items: items as number | undefined };
}
