import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { RingError } from '../src/errors.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { Producer } from '../src/layout.js';
import { createShared, unlinkShared } from '../src/shared-memory.js';
import { checkTestRecord, writeTestRecord } from '../src/test-records.js';
import { createRandomBytes } from './random.js';

const skip = requireOrSkip(
  existsSync('/dev/shm'),
  'POSIX shared memory (/dev/shm) is not available here',
);
const script = (name: string) => fileURLToPath(new URL(`./workers/${name}`, import.meta.url));
const children: ChildProcess[] = [];
const names: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const name of names.splice(0)) unlinkShared(name);
});

function start(file: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [script(file), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The child's stdout, parsed line by line as JSON. */
function lines(child: ChildProcess): Record<string, unknown>[] {
  const parsed: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      parsed.push(JSON.parse(pending.slice(0, end)));
      pending = pending.slice(end + 1);
    }
  });
  return parsed;
}

const random = (() => {
  const bytes = createRandomBytes(2024);
  const scratch = new Uint8Array(1);
  return (below: number) => {
    bytes(scratch);
    return scratch[0]! % below;
  };
})();

describe.skipIf(skip)('crash safety across processes', () => {
  it('SIGKILLed producer, 20 times: every committed record drained whole, the death seen within 1 s, the replacement continues with no duplicate', async () => {
    const name = `ringkit-crash-producer-${process.pid}`;
    names.push(name);
    const buffer = createShared(name, {
      kind: 'fixed',
      capacity: 1024,
      recordSize: 32,
      fullPolicy: 'block',
    });
    const consumer = FixedConsumer.attach(buffer);
    const words = new Int32Array(buffer, 0, 128);
    let expected = 0;
    let errors = 0;
    let firstError = '';
    const drain = () =>
      consumer.drain((data, offset, count) => {
        for (let i = 0; i < count; i++, expected++) {
          const problem = checkTestRecord(data, offset + i * 32, 32, expected);
          if (problem !== '' && errors++ === 0) firstError = problem;
        }
      });
    const detection: number[] = [];
    for (let round = 0; round < 20; round++) {
      const producer = start('shared-producer.mjs', [name, String(1e12), String(1 + random(255))]);
      // Kill at a random moment of its stream, so only once it has attached.
      while (Atomics.load(words, Producer.PID >> 2) !== producer.pid) {
        if (drain() === 0) await consumer.waitAsync({ timeoutMs: 5, tickMs: 5 });
      }
      const killAt = performance.now() + random(60);
      while (performance.now() < killAt) {
        if (drain() === 0) await consumer.waitAsync({ timeoutMs: 5, tickMs: 5 });
      }
      producer.kill('SIGKILL');
      await exited(producer);
      const killed = performance.now();
      let outcome: string;
      do {
        drain();
        outcome = await consumer.waitAsync({ timeoutMs: 5_000, tickMs: 20 });
      } while (outcome === 'ready');
      detection.push(performance.now() - killed);
      expect(outcome).toBe('peer-gone');
    }
    // The last producer finishes the stream and closes it.
    const finisher = start('shared-producer.mjs', [name, String(expected + 10_000), '64', 'close']);
    while (Atomics.load(words, Producer.PID >> 2) !== finisher.pid) await sleep(5);
    let outcome: string;
    do {
      drain();
      outcome = await consumer.waitAsync({ timeoutMs: 10_000 });
    } while (outcome === 'ready');
    await exited(finisher);
    expect(outcome).toBe('closed');
    expect({ errors, firstError }).toEqual({ errors: 0, firstError: '' });
    expect(consumer.stats()).toMatchObject({ pushed: expected, popped: expected, dropped: 0 });
    expect(expected).toBeGreaterThan(10_000);
    console.log(
      `producer deaths seen after ${detection.map((ms) => ms.toFixed(0)).join(', ')} ms; ${expected} records intact`,
    );
    expect(Math.max(...detection)).toBeLessThan(1000);
  }, 120_000);

  it('SIGKILLed consumer, 10 times: the blocked producer is told within 1 s, and a replacement consumer continues with nothing lost or repeated', async () => {
    const name = `ringkit-crash-consumer-${process.pid}`;
    names.push(name);
    const buffer = createShared(name, {
      kind: 'fixed',
      capacity: 64,
      recordSize: 32,
      fullPolicy: 'block',
    });
    const producer = FixedProducer.attach(buffer);
    const record = new Uint8Array(32);
    let sequence = 0;
    const reports: Record<string, unknown>[][] = [];
    const detection: number[] = [];
    for (let round = 0; round <= 10; round++) {
      const consumer = start('shared-consumer.mjs', [name, '1']);
      const seen = lines(consumer);
      reports.push(seen);
      while (seen.length === 0) await sleep(5);
      if (round === 10) break; // the last one drains to the end
      const killAt = performance.now() + 30 + random(100);
      let killed = 0;
      for (;;) {
        if (killed === 0 && performance.now() >= killAt) {
          consumer.kill('SIGKILL');
          await exited(consumer);
          killed = performance.now();
        }
        writeTestRecord(record, 0, 32, sequence);
        try {
          await producer.pushAsync(record, { timeoutMs: 5_000, tickMs: 20 });
          sequence++;
        } catch (error) {
          expect(error).toBeInstanceOf(RingError);
          expect((error as RingError).code).toBe('PEER_GONE');
          expect(killed).toBeGreaterThan(0);
          detection.push(performance.now() - killed);
          break;
        }
      }
    }
    producer.close();
    const last = children[children.length - 1]!;
    await exited(last);
    const final = reports[reports.length - 1]!.at(-1) as {
      first: number;
      received: number;
      errors: number;
      firstError: string;
    };
    expect({ errors: final.errors, firstError: final.firstError }).toEqual({
      errors: 0,
      firstError: '',
    });
    expect(final.first + final.received).toBe(sequence);
    expect(producer.stats()).toMatchObject({ pushed: sequence, popped: sequence, dropped: 0 });
    expect(detection).toHaveLength(10);
    console.log(
      `consumer deaths seen after ${detection.map((ms) => ms.toFixed(0)).join(', ')} ms; ${sequence} records intact`,
    );
    expect(Math.max(...detection)).toBeLessThan(1000);
  }, 120_000);
});
