import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CommandCompletion, CompletionReader } from '../src/index.js';
import { cpuRing, outcome, skipWithoutAddon } from './helpers.js';

const root = join(import.meta.dirname, '..');

/** Reads completions() until `count` records arrived; returns them and the batches they came in. */
async function collect(iterator: AsyncGenerator<CommandCompletion[]>, count: number) {
  const records: CommandCompletion[] = [];
  let batches = 0;
  for await (const batch of iterator) {
    batches++;
    records.push(...batch);
    if (records.length >= count) break;
  }
  return { records, batches };
}

describe.skipIf(skipWithoutAddon)('completion records', () => {
  beforeAll(() => {
    // The worker fixture imports the built package, as a user would.
    expect(existsSync(join(root, 'dist', 'index.js'))).toBe(true);
  });

  it('completions() yields every command in fence order, with its slot, op count and executor times', async () => {
    const ring = cpuRing({ ringSize: 4 });
    const reading = collect(ring.completions(), 40);
    const before = process.hrtime.bigint();
    const commits: Promise<number>[] = [];
    for (let i = 0; i < 40; i++) {
      const slot = await ring.acquire();
      slot.busyFor(200);
      if (i % 2 === 0) slot.fill(0, i);
      commits.push(ring.commit(slot));
    }
    await Promise.all(commits);
    const { records, batches } = await reading;
    const after = process.hrtime.bigint();

    expect(records.map((record) => record.fence)).toEqual(records.map((_, i) => i + 1));
    expect(batches).toBeLessThanOrEqual(records.length);
    for (const [i, record] of records.entries()) {
      expect(record).toMatchObject({
        slot: i % 4,
        status: 'completed',
        errorCode: undefined,
        opCount: i % 2 === 0 ? 2 : 1,
      });
      expect(record.endNs - record.startNs).toBeGreaterThanOrEqual(200_000);
      // The executor's clock is the one process.hrtime reads.
      expect(record.startNs).toBeGreaterThanOrEqual(Number(before));
      expect(record.endNs).toBeLessThanOrEqual(Number(after));
      if (i > 0) expect(record.startNs).toBeGreaterThanOrEqual(records[i - 1]!.endNs);
    }
    await ring.close();
  });

  it('a failed command leaves a record that says so, and later ones report what the device did', async () => {
    const ring = cpuRing({ ringSize: 2 });
    const reading = collect(ring.completions(), 1);
    const failed = await outcome(ring.commit((await ring.acquire()).fail('injected')));
    expect(failed.error?.code).toBe('COMMAND_FAILED');
    const { records } = await reading;
    expect(records[0]).toMatchObject({
      fence: 1,
      slot: 0,
      status: 'failed',
      errorCode: 'COMMAND_FAILED',
    });
    await ring.close();
  });

  it('completions() ends once the ring closes and every record was read', async () => {
    const ring = cpuRing({ ringSize: 2 });
    for (let i = 0; i < 3; i++) await ring.commit(await ring.acquire());
    await ring.close();
    const batches: CommandCompletion[][] = [];
    for await (const batch of ring.completions()) batches.push(batch);
    expect(batches.flat().map((record) => record.fence)).toEqual([1, 2, 3]);
  });

  it('a ring has one completion reader: a second completions() is refused with INVALID_STATE', async () => {
    const ring = cpuRing();
    const first = ring.completions();
    const pending = first.next();
    await expect(ring.completions().next()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await ring.close();
    expect((await pending).done).toBe(true);
  });

  it('a worker reads per-command timings from completionBuffer, with no native call per record', async () => {
    const ring = cpuRing({ ringSize: 3 });
    const worker = new Worker(join(import.meta.dirname, 'fixtures', 'completion-reader.mjs'), {
      workerData: { completionBuffer: ring.completionBuffer, count: 30 },
    });
    const messages: { attached?: boolean; records?: CommandCompletion[] }[] = [];
    const finished = new Promise<CommandCompletion[]>((resolve, reject) => {
      worker.on('message', (message) => {
        messages.push(message);
        if (message.records) resolve(message.records);
      });
      worker.on('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    for (let i = 0; i < 30; i++) ring.submit((await ring.acquire()).busyFor(100));
    const records = await finished;
    expect(records.map((record) => record.fence)).toEqual(records.map((_, i) => i + 1));
    for (const record of records)
      expect(record.endNs - record.startNs).toBeGreaterThanOrEqual(100_000);
    await ring.close();
    await worker.terminate();
  });

  it('an unread completion ring never holds the ring up: what does not fit is dropped and counted', async () => {
    const ring = cpuRing({ ringSize: 2 });
    for (let i = 0; i < 300; i++) ring.submit(await ring.acquire());
    ring.waitSync(300);
    expect(ring.completedFences).toBe(300);
    const reader = new CompletionReader(ring.completionBuffer);
    const records = reader.read();
    expect(records.length).toBe(256);
    expect(records.at(-1)?.fence).toBe(256);
    expect(reader.dropped).toBe(44);
    await ring.close();
  });

  it('CompletionReader refuses a buffer that is not a completion ring with INVALID_OPTIONS', () => {
    expect(() => new CompletionReader(new SharedArrayBuffer(1024))).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });
});
