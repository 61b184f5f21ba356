import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Counts the procfs lookups a waiting end makes to see whether its peer's thread still exists.
const lookups = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    existsSync: (path: Parameters<typeof fs.existsSync>[0]) => {
      if (String(path).startsWith('/proc/')) lookups.count++;
      return fs.existsSync(path);
    },
  };
});

const { createRing } = await import('../src/header.js');
const { FixedConsumer } = await import('../src/fixed-ring.js');

const ENTRY = new URL('../dist/index.js', import.meta.url).href;
let peer: Worker | undefined;
afterEach(async () => {
  await peer?.terminate();
});

describe('a waiting end looks for a dead peer now and then, not at every sleep', () => {
  it('200 short waits in a burst make at most a couple of lookups, and a dead peer is still seen', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    // A producer attached in a worker that stays alive: its thread id is in the header.
    peer = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(${JSON.stringify(ENTRY)}).then(({ FixedProducer }) => {
         FixedProducer.attach(workerData);
         parentPort.postMessage('attached');
         setInterval(() => {}, 1000);
       });`,
      { eval: true, workerData: buffer },
    );
    await once(peer, 'message');
    const consumer = FixedConsumer.attach(buffer);
    lookups.count = 0;
    const started = performance.now();
    for (let i = 0; i < 200; i++) expect(consumer.wait({ timeoutMs: 0, spin: 0 })).toBe('timeout');
    const elapsedMs = performance.now() - started;
    // One lookup per 10 ms of waiting at most (plus the first): each was a system call, and an
    // end that sleeps for most records used to make one per sleep.
    expect(lookups.count).toBeGreaterThanOrEqual(1);
    expect(lookups.count).toBeLessThanOrEqual(2 + Math.floor(elapsedMs / 10));
    await peer.terminate();
    peer = undefined;
    expect(await consumer.waitAsync({ timeoutMs: 2000, tickMs: 20 })).toBe('peer-gone');
  });
});
