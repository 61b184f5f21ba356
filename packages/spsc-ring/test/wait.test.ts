import { afterEach, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { Notification } from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { startNativeProducer } from '../src/native-threads.js';
import { nudgeConsumer } from '../src/ring-end.js';
import { type RunningWorker, startWorker } from './workers.js';

const running: RunningWorker<unknown>[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map(({ worker }) => worker.terminate()));
});

function start<T>(workerData: Record<string, unknown>): RunningWorker<T> {
  const worker = startWorker<T>(workerData);
  running.push(worker as RunningWorker<unknown>);
  return worker;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type WaiterResult = { outcome: string; popped: boolean };

describe('waiting in a worker (sync)', () => {
  it('wakes when the other thread pushes', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const stopFlag = new SharedArrayBuffer(4);
    const waiter = start<WaiterResult>({ role: 'waiter', buffer, stopFlag, timeoutMs: 30_000 });
    await waiter.message('waiting');
    await sleep(50); // let it pass the spin and go to sleep
    FixedProducer.attach(buffer).tryPush(new Uint8Array(8));
    expect(await waiter.done).toEqual({ outcome: 'ready', popped: true });
  });

  it('ends with "closed" when the producer closes an empty ring', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const waiter = start<WaiterResult>({
      role: 'waiter',
      buffer,
      stopFlag: new SharedArrayBuffer(4),
      timeoutMs: 30_000,
    });
    await waiter.message('waiting');
    await sleep(50);
    FixedProducer.attach(buffer).close();
    expect(await waiter.done).toEqual({ outcome: 'closed', popped: false });
  });

  it('checks until() at every tick and leaves with "until"', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const stopFlag = new SharedArrayBuffer(4);
    const waiter = start<WaiterResult>({
      role: 'waiter',
      buffer,
      stopFlag,
      timeoutMs: 30_000,
      tickMs: 20,
    });
    await waiter.message('waiting');
    await sleep(60);
    Atomics.store(new Int32Array(stopFlag), 0, 1); // no notify: only the tick can notice
    expect(await waiter.done).toEqual({ outcome: 'until', popped: false });
  });

  it('a nudge from a third party ends the wait with "until" at once, not at the next tick', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const stopFlag = new SharedArrayBuffer(4);
    const waiter = start<WaiterResult>({
      role: 'waiter',
      buffer,
      stopFlag,
      timeoutMs: 120_000,
      tickMs: 60_000,
    });
    await waiter.message('waiting');
    await sleep(50); // past the spin, asleep with its flag up
    const started = performance.now();
    Atomics.store(new Int32Array(stopFlag), 0, 1);
    nudgeConsumer(buffer);
    expect(await waiter.done).toEqual({ outcome: 'until', popped: false });
    // A lost nudge would sleep out the 60 s tick; the test's own timeout would end it first.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('with wakeOn "tick", never raises its flag, so the producer never pays for a wake-up', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const words = new Int32Array(buffer, 0, 128);
    const waiter = start<WaiterResult>({
      role: 'waiter',
      buffer,
      stopFlag: new SharedArrayBuffer(4),
      timeoutMs: 30_000,
      tickMs: 20,
      wakeOn: 'tick',
    });
    await waiter.message('waiting');
    for (let i = 0; i < 5; i++) {
      await sleep(10);
      expect(Atomics.load(words, Notification.CONSUMER_WAITING >> 2)).toBe(0);
    }
    const signalBefore = Atomics.load(words, Notification.DATA_SIGNAL >> 2);
    FixedProducer.attach(buffer).tryPush(new Uint8Array(8));
    expect(await waiter.done).toEqual({ outcome: 'ready', popped: true });
    expect(Atomics.load(words, Notification.DATA_SIGNAL >> 2)).toBe(signalBefore);
  });

  it('with wakeOn "publish", raises its flag while asleep and is woken through the signal', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const words = new Int32Array(buffer, 0, 128);
    const waiter = start<WaiterResult>({
      role: 'waiter',
      buffer,
      stopFlag: new SharedArrayBuffer(4),
      timeoutMs: 30_000,
    });
    await waiter.message('waiting');
    await sleep(50);
    expect(Atomics.load(words, Notification.CONSUMER_WAITING >> 2)).toBe(1);
    const signalBefore = Atomics.load(words, Notification.DATA_SIGNAL >> 2);
    FixedProducer.attach(buffer).tryPush(new Uint8Array(8));
    expect(await waiter.done).toEqual({ outcome: 'ready', popped: true });
    expect(Atomics.load(words, Notification.DATA_SIGNAL >> 2)).toBe(signalBefore + 1);
  });

  it('with atLeast, spins until that many records are there, not just the first', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 8 });
    const producer = FixedProducer.attach(buffer);
    // A spin that never runs out: the wait must end on the fifth record, seen by re-reading the
    // producer's position, not on the first nor at the end of the spin.
    const waiter = start<{ outcome: string; available: number }>({
      role: 'waiter',
      buffer,
      stopFlag: new SharedArrayBuffer(4),
      timeoutMs: 30_000,
      atLeast: 5,
      spin: 1e12,
      spinMicros: 1e9,
    });
    await waiter.message('waiting');
    for (let i = 0; i < 5; i++) {
      producer.tryPush(new Uint8Array(8));
      await sleep(2);
    }
    expect(await waiter.done).toEqual({ outcome: 'ready', available: 5 });
  }, 10_000);

  it('with atLeast, ends the wait on fewer records once the spin is over', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 8 });
    const producer = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    producer.tryPush(new Uint8Array(8));
    producer.tryPush(new Uint8Array(8));
    expect(consumer.wait({ atLeast: 5, spin: 100, timeoutMs: 0 })).toBe('ready');
    expect(consumer.drain(() => {})).toBe(2);
    expect(() => consumer.wait({ atLeast: 0 })).toThrow(
      'atLeast must be an integer ≥ 1, atLeast=0',
    );
  });

  it('gives up with "timeout"', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const waiter = start<WaiterResult>({
      role: 'waiter',
      buffer,
      stopFlag: new SharedArrayBuffer(4),
      timeoutMs: 80,
      tickMs: 30,
    });
    expect(await waiter.done).toEqual({ outcome: 'timeout', popped: false });
  });
});

describe('waiting on the main thread (async)', () => {
  it('does not block the event loop and wakes on a push from a worker', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const consumer = FixedConsumer.attach(buffer);
    const pusher = start({ role: 'pusher', buffer });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const waiting = consumer.waitAsync({ timeoutMs: 30_000, spin: 0 });
    await sleep(60);
    pusher.worker.postMessage(7);
    expect(await waiting).toBe('ready');
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3); // the loop kept turning while we waited
    expect(consumer.tryPop()?.[0]).toBe(7);
  });

  it('ends with "closed", "until" and "timeout" as the sync wait does', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 8 });
    const consumer = FixedConsumer.attach(buffer);
    expect(await consumer.waitAsync({ timeoutMs: 30, tickMs: 10 })).toBe('timeout');
    let stop = false;
    setTimeout(() => {
      stop = true;
    }, 30);
    expect(await consumer.waitAsync({ tickMs: 10, until: () => stop })).toBe('until');
    const pusher = start({ role: 'pusher', buffer });
    const waiting = consumer.waitAsync({ timeoutMs: 30_000 });
    pusher.worker.postMessage('close');
    expect(await waiting).toBe('closed');
  });
});

describe('blocking when full', () => {
  it('a producer under block waits for space and delivers every record', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 16, recordSize: 32, fullPolicy: 'block' });
    const producer = start<{ attempted: number }>({
      role: 'fixed-producer',
      buffer,
      records: 20_000,
      seed: 3,
    });
    const consumer = start<{ received: number; errors: number; firstError: string }>({
      role: 'fixed-consumer',
      buffer,
      seed: 4,
    });
    expect(await producer.done).toEqual({ attempted: 20_000 });
    expect(await consumer.done).toMatchObject({ received: 20_000, errors: 0, firstError: '' });
    expect(FixedConsumer.attach(buffer).stats()).toMatchObject({
      pushed: 20_000,
      popped: 20_000,
      dropped: 0,
    });
  });
});

describe('wait domain os (futex through the addon)', () => {
  const skip = requireOrSkip(
    nativeBinding() !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)('a JS waiter is woken by a native thread', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, waitDomain: 'os' });
    const consumer = FixedConsumer.attach(buffer);
    const waiting = consumer.waitAsync({ timeoutMs: 30_000, spin: 0 });
    await sleep(50);
    const native = startNativeProducer(buffer, { records: 1 });
    expect(await waiting).toBe('ready');
    expect((await native.join()).records).toBe(1);
  });

  it('refuses a native thread on a ring whose waiters use Atomics', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16 });
    expect(() => startNativeProducer(buffer, { records: 1 })).toThrow(
      /needs a ring created with waitDomain "os"/,
    );
  });
});
