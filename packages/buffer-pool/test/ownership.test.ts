import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BufferPool, createBufferPool, type PoolError } from '../src/index.js';

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as PoolError).code;
  }
  return 'no error';
}

describe('static ownership', () => {
  it('each queue end is taken once; a second taker gets ROLE_TAKEN with a sentence', () => {
    const pool = createBufferPool({ lanes: 2, bufferSize: 64 });
    pool.producer(0);
    pool.drain(1);
    pool.collector(0, () => {});
    pool.replenish();
    expect(() => pool.producer(0)).toThrow(
      'the producer of lane 0 was already taken: each queue end has exactly one owner (see "Static ownership" in the README); only a role whose thread died can be taken again.',
    );
    expect(codeOf(() => pool.drain(1))).toBe('ROLE_TAKEN');
    expect(codeOf(() => pool.collector(0, () => {}))).toBe('ROLE_TAKEN');
    expect(codeOf(() => BufferPool.open(pool.spec).replenish())).toBe('ROLE_TAKEN');
    // Other lanes' ends are still free.
    expect(codeOf(() => pool.producer(1))).toBe('no error');
  });

  it('holds across threads: a worker cannot take what this thread took', async () => {
    const pool = createBufferPool({ lanes: 1, bufferSize: 64 });
    pool.drain(0);
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(workerData.module).then(({ BufferPool }) => {
         const pool = BufferPool.open(workerData.spec);
         const outcome = [];
         for (const take of [() => pool.drain(0), () => pool.producer(0)]) {
           try { take(); outcome.push('taken'); } catch (error) { outcome.push(error.code); }
         }
         parentPort.postMessage(outcome);
       });`,
      {
        eval: true,
        workerData: { spec: pool.spec, module: new URL('../dist/index.js', import.meta.url).href },
      },
    );
    const [outcome] = await once(worker, 'message');
    expect(outcome).toEqual(['ROLE_TAKEN', 'taken']);
    await worker.terminate();
    // The worker's thread is gone with its producer unclosed: the role is dead and can be taken again, once.
    expect(codeOf(() => pool.producer(0))).toBe('no error');
    expect(codeOf(() => pool.producer(0))).toBe('ROLE_TAKEN');
    expect(codeOf(() => pool.drain(0))).toBe('ROLE_TAKEN');
  });

  it('refuses a spec it did not make and a lane that does not exist', () => {
    const pool = createBufferPool({ lanes: 2, bufferSize: 64 });
    expect(codeOf(() => BufferPool.open({} as never))).toBe('INVALID_SPEC');
    const damaged = { ...pool.spec, control: new SharedArrayBuffer(pool.spec.control.byteLength) };
    expect(() => BufferPool.open(damaged)).toThrow(/not a @ringkit\/buffer-pool v1 pool/);
    expect(() => pool.producer(2)).toThrow('lane must be an integer from 0 to 1, lane=2.');
  });
});
