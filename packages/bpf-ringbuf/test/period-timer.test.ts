import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import type { NativeBinding } from '../src/native-binding.js';

const skip = requireOrSkip(nativeUnavailableReason() === '', nativeUnavailableReason());
const binding = () => nativeBinding() as NativeBinding;
const packageRoot = join(import.meta.dirname, '..');

/** Runs an ES module that has `binding` (the addon) in scope; returns its stdout. */
function inChild(body: string): string {
  const source = `import { nativeBinding } from '@ringkit/bpf-ringbuf';\nconst binding = nativeBinding();\n${body}`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: packageRoot,
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe.skipIf(skip)('createPeriodTimer (the direct reader’s period)', () => {
  it('fires once per arm, no sooner than asked, and again when re-armed', async () => {
    const fired: number[] = [];
    let resolveFired: () => void = () => {};
    const timer = binding().createPeriodTimer(() => {
      fired.push(performance.now());
      resolveFired();
    });
    try {
      for (let round = 0; round < 3; round++) {
        const armed = performance.now();
        const next = new Promise<void>((resolve) => {
          resolveFired = resolve;
        });
        timer.arm(20);
        await next;
        // arm() counts from now (libuv's clock has whole milliseconds: allow one).
        expect(fired.at(-1)! - armed).toBeGreaterThanOrEqual(19);
      }
      // One-shot: nothing more fires unless armed again.
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(fired).toHaveLength(3);
    } finally {
      timer.close();
    }
  });

  it('runs the microtasks its callback queued before the loop goes on, as a timer does', async () => {
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      const timer = binding().createPeriodTimer(() => {
        setImmediate(() => {
          order.push('immediate');
          timer.close();
          resolve();
        });
        void Promise.resolve().then(() => order.push('microtask'));
        process.nextTick(() => order.push('nextTick'));
        order.push('callback');
      });
      timer.arm(1);
    });
    await done;
    expect(order).toEqual(['callback', 'nextTick', 'microtask', 'immediate']);
  });

  it('cancel() stops an armed timer; close() is final and idempotent', async () => {
    let calls = 0;
    const timer = binding().createPeriodTimer(() => {
      calls++;
    });
    timer.arm(10);
    timer.cancel();
    timer.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(0);
    timer.arm(5);
    timer.close();
    timer.close();
    timer.cancel();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(calls).toBe(0);
    expect(() => timer.arm(5)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('refuses what is not a whole number of milliseconds, and a callback that is not a function', () => {
    const timer = binding().createPeriodTimer(() => {});
    try {
      for (const ms of [-1, 1.5, Number.NaN, 2 ** 31, '5'])
        expect(() => timer.arm(ms as number)).toThrow(
          expect.objectContaining({
            code: 'INVALID_OPTIONS',
            message: expect.stringMatching(
              new RegExp(
                `whole number of milliseconds from 0 to 2147483647, got ${String(ms)}\\.$`,
              ),
            ),
          }),
        );
      expect(() => timer.arm(Symbol('ms') as unknown as number)).toThrow(/got a symbol\.$/);
    } finally {
      timer.close();
    }
    expect(() => binding().createPeriodTimer(42 as unknown as () => void)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });

  it('an armed timer keeps the process alive, a cancelled or closed one does not', () => {
    const started = Date.now();
    expect(
      inChild(`
        const held = binding.createPeriodTimer(() => console.log('fired'));
        held.arm(100);
        const cancelled = binding.createPeriodTimer(() => console.log('never'));
        cancelled.arm(60_000);
        cancelled.cancel();
        const closed = binding.createPeriodTimer(() => console.log('never'));
        closed.arm(60_000);
        closed.close();
      `).trim(),
    ).toBe('fired');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('what the callback throws is an uncaught exception, as from setTimeout', () => {
    expect(
      inChild(`
        process.on('uncaughtException', (error) => console.log('caught', error.message));
        const timer = binding.createPeriodTimer(() => { throw new Error('from the period'); });
        timer.arm(1);
        setTimeout(() => { timer.close(); console.log('loop went on'); }, 50);
      `)
        .trim()
        .split('\n'),
    ).toEqual(['caught from the period', 'loop went on']);
  });

  it('a worker that ends with its timer armed tears down cleanly', () => {
    expect(
      inChild(`
        import { Worker } from 'node:worker_threads';
        const code = "const { nativeBinding } = require('@ringkit/bpf-ringbuf');" +
          "const timer = nativeBinding().createPeriodTimer(() => {});" +
          "timer.arm(60_000); require('node:worker_threads').parentPort.postMessage('armed');";
        for (let round = 0; round < 3; round++) {
          const worker = new Worker(code, { eval: true, execArgv: [] });
          await new Promise((resolve) => worker.once('message', resolve));
          console.log('terminated', await worker.terminate());
        }
      `)
        .trim()
        .split('\n'),
    ).toEqual(['terminated 1', 'terminated 1', 'terminated 1']);
  });
});
