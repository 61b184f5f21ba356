import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';

/** The README's examples, run as a user would (they import the package by name). */
function runExample(name: string) {
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(new URL(`../examples/${name}`, import.meta.url))],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('README examples', () => {
  it('worker.mjs: main thread → worker, every record read', () => {
    const { status, output } = runExample('worker.mjs');
    expect(output).toMatch(/^worker read 1000000 records, sum of ids 499999500000/);
    expect(output).toMatch(/pushed: 1000000,\s+popped: 1000000,\s+dropped: 0/);
    expect(status).toBe(0);
  });

  it('batches.mjs: tryClaimRecords/claimRecordsAsync in place, packed pushBatch/pushAllAsync, claimAsync, fixed pushAllAsync, drainRuns', () => {
    const { status, output } = runExample('batches.mjs');
    expect(output).toBe(
      'events: sum of ids 49995000, then start, pause, done, end!; samples: sum 49995000',
    );
    expect(status).toBe(0);
  });

  it('strings.mjs: log lines pushed as UTF-8 into the ring and read back in place', () => {
    const { status, output } = runExample('strings.mjs');
    expect(output).toMatch(/debug: 6667,\s+info: 6667,\s+warn: 6666,/);
    expect(output).toMatch(/last: 'request 19999 served in 1\.7 ms — ünïcødé ok'/);
    expect(status).toBe(0);
  });

  it('blocking-producer.mjs: a worker waits in claim, claimRecords, pushAll and pushString', () => {
    const { status, output } = runExample('blocking-producer.mjs');
    expect(output).toMatch(/^ticks: sum 49995000;/);
    expect(output).toMatch(
      /'16-byte record': 2000,\s+'100-byte record': 1,\s+'200-byte record': 1,\s+'30-byte record': 1,\s+heartbeat: 500/,
    );
    expect(status).toBe(0);
  });

  const skip = requireOrSkip(
    nativeBinding() !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );
  it.skipIf(skip)('native-producer.mjs: native thread → JS, every record intact', () => {
    const { status, output } = runExample('native-producer.mjs');
    expect(output).toMatch(
      /^JS drained 100000 records \(\d+ payload bytes\), 0 broken; native thread pushed 100000 in /,
    );
    expect(status).toBe(0);
  });
});

describe('README two-process example', () => {
  it('shared-consumer.mjs and shared-producer.mjs move a million records between two processes', async () => {
    const name = `ringkit-example-${process.pid}`;
    const example = (file: string) =>
      fileURLToPath(new URL(`../examples/${file}`, import.meta.url));
    const consumer = spawn(process.execPath, [example('shared-consumer.mjs'), name], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    consumer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    while (!output.includes('is ready')) await new Promise((resolve) => setTimeout(resolve, 10));
    const producer = spawnSync(process.execPath, [example('shared-producer.mjs'), name], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(producer.stdout.trim()).toBe('pushed 1000000 records');
    const [code] = await once(consumer, 'exit');
    expect(code).toBe(0);
    expect(output).toMatch(/1000000 records; the stream ended: closed/);
  });
});
