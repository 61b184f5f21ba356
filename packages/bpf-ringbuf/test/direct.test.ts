import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BpfObject } from '../src/object.js';
import { openObject } from '../src/object.js';
import { benchEvent, openProgram } from '../src/programs.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { consume, produceAndConsume } from './helpers/collect.js';
import { readBatchInPlace, readBatchThroughAccessors } from './helpers/in-place.js';

const skip = skipWithoutBpf();
/** The bench program's trigger and events, every other call's record discarded. */
const discardObject = join(import.meta.dirname, 'fixtures', 'discard.bpf.o');

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

describe.skipIf(skip)("mode 'direct': the JS thread walks the kernel rings itself", () => {
  let object: BpfObject | undefined;
  afterEach(() => object?.close());

  for (const topology of ['per-cpu', 'shared'] as const)
    it(`delivers exactly what the reader thread delivers for the same load (${topology})`, async () => {
      const load = { cpus: [0, 1], callsPerThread: 20_000, ratePerSecond: 100_000 };
      const delivered: Map<number, number>[] = [];
      for (const mode of ['thread', 'direct'] as const) {
        object = openProgram('bench', {
          topology,
          policy: { kind: 'timer', periodMs: 1 },
          targetPid: process.pid,
        });
        const { seen, result, kernelDropped } = await produceAndConsume(object, load, { mode });
        expect(kernelDropped).toBe(0);
        for (const tid of result.tids) expect(seen.perTid.get(tid)).toBe(20_000);
        // Thread ids differ between runs: compare the counts per producing thread.
        delivered.push(new Map(result.tids.map((tid, i) => [i, seen.perTid.get(tid) ?? 0])));
        object.close();
      }
      expect(delivered[1]).toEqual(delivered[0]);
    });

  for (const topology of ['per-cpu', 'shared'] as const)
    it(`reads through offsets and views what get and toObjects() read, in both modes (${topology})`, async () => {
      for (const mode of ['thread', 'direct'] as const) {
        object = openProgram('bench', {
          topology,
          policy: { kind: 'timer', periodMs: 1 },
          targetPid: process.pid,
          // 10 events per call in records of 4, 4 and 2: the record length keeps changing.
          bench: { eventsPerSyscall: 10, eventsPerRecord: 4 },
          ringBytes: 4 * 1024 * 1024,
        });
        const reader = object.read({ schema: benchEvent, mode });
        let events = 0;
        let disagreeing = 0;
        const consumed = reader.onBatch((batch) => {
          expect(batch.wordAligned).toBe(true);
          expect(batch.offsets.length).toBe(batch.length);
          const inPlace = readBatchInPlace(batch);
          const objects = batch.toObjects();
          const accessed = readBatchThroughAccessors(batch);
          for (const [i, event] of inPlace.entries())
            if (
              JSON.stringify(event) !== JSON.stringify(objects[i]) ||
              JSON.stringify(event) !== JSON.stringify(accessed[i])
            )
              disagreeing++;
          events += inPlace.length;
        });
        const result = await binding().startSyscallLoad({
          cpus: [0, 1],
          callsPerThread: 2_000,
          ratePerSecond: 50_000,
        }).done;
        await reader.stop();
        await consumed;
        expect(disagreeing).toBe(0);
        expect(events).toBeGreaterThan(0);
        expect(events + object.kernelDropped()).toBe(10 * sum(result.calls));
        object.close();
      }
    });

  it("walks across the ring's end many times, records that wrap read whole", async () => {
    const ringBytes = 8192;
    object = openProgram('bench', {
      ringBytes,
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
      // 3 events in one 72-byte record: 80-byte frames, so some straddle the ring's end.
      bench: { eventsPerSyscall: 3, eventsPerRecord: 3 },
    });
    const reader = object.read({ schema: benchEvent, mode: 'direct' });
    let events = 0;
    let straddling = 0;
    let misread = 0;
    const tids = new Set<number>();
    const consumed = reader.onBatch((batch) => {
      for (let i = 0; i < batch.length; i++) {
        const offset = batch.offsetOf(i);
        if (offset < ringBytes && offset + benchEvent.size > ringBytes) straddling++;
        // Events 0, 1, 2 of a call lie in order in their record.
        if (batch.get.index(i) !== i % 3 && batch.records * 3 === batch.length) misread++;
        if (!tids.has(batch.get.tid(i))) tids.add(batch.get.tid(i));
        events++;
      }
    });
    const load = binding().startSyscallLoad({
      cpus: [0, 1],
      callsPerThread: 10_000,
      ratePerSecond: 10_000,
    });
    const result = await load.done;
    await reader.stop();
    await consumed;
    const produced = 3 * sum(result.calls);
    const bytesPerRing = sum(reader.ringStats().map((ring) => ring.bytes));
    expect(bytesPerRing).toBeGreaterThan(20 * ringBytes);
    expect(straddling).toBeGreaterThan(0);
    expect(misread).toBe(0);
    expect(tids).toEqual(new Set(result.tids));
    expect(events + object.kernelDropped()).toBe(produced);
    expect(reader.stats().events).toBe(events);
  });

  for (const mode of ['thread', 'direct'] as const)
    it(`skips the records the program discarded and counts them, exactly (${mode})`, async () => {
      object = openObject(discardObject, {
        policy: { kind: 'timer', periodMs: 1 },
        targetPid: process.pid,
      });
      const reader = object.read({ schema: benchEvent, mode });
      let oddCalls = 0;
      let events = 0;
      const consumed = reader.onBatch((batch) => {
        for (let i = 0; i < batch.length; i++) if (batch.get.call(i) % 2 === 1) oddCalls++;
        events += batch.length;
      });
      // One thread per CPU, and the program's call counter is per CPU: half of each CPU's
      // calls are discarded.
      await binding().startSyscallLoad({ cpus: [0, 1], callsPerThread: 10_000, ratePerSecond: 0 })
        .done;
      await reader.stop();
      await consumed;
      expect(object.kernelDropped()).toBe(0);
      expect(events).toBe(10_000);
      expect(oddCalls).toBe(0);
      expect(reader.stats().discarded).toBe(10_000);
      expect(sum(reader.ringStats().map((ring) => ring.discarded))).toBe(10_000);
    });

  it('stop() makes the last walk: what the rings hold is delivered, with no period passing', async () => {
    object = openProgram('bench', {
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    const reader = object.read({ schema: benchEvent, mode: 'direct', periodMs: 60_000 });
    const seenPromise = consume(reader, 'iterator');
    const result = await binding().startSyscallLoad({
      cpus: [0, 1],
      callsPerThread: 5_000,
      ratePerSecond: 0,
    }).done;
    const started = performance.now();
    await reader.stop();
    const seen = await seenPromise;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(seen.events).toBe(sum(result.calls));
    expect(reader.stats().rounds).toBe(2);
    expect(reader.stats().state).toBe('stopped');
  });

  for (const consumer of ['callback', 'iterator'] as const)
    it(`walks once a period, period after period, and never after stop() (${consumer})`, async () => {
      object = openProgram('bench', {
        policy: { kind: 'timer', periodMs: 1 },
        targetPid: process.pid,
      });
      const reader = object.read({ schema: benchEvent, mode: 'direct', periodMs: 5 });
      const seenPromise = consume(reader, consumer);
      await new Promise((resolve) => setTimeout(resolve, 200));
      // About 40 periods of 5 ms, each walked by the same timer, re-armed.
      expect(reader.stats().rounds).toBeGreaterThanOrEqual(10);
      const result = await binding().startSyscallLoad({
        cpus: [0, 1],
        callsPerThread: 1_000,
        ratePerSecond: 0,
      }).done;
      await reader.stop();
      const seen = await seenPromise;
      expect(seen.events).toBe(sum(result.calls));
      const rounds = reader.stats().rounds;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reader.stats().rounds).toBe(rounds);
    });

  it('counts the batch a callback throws on as delivered and what stop() finds left as dropped', async () => {
    object = openProgram('bench', {
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    const reader = object.read({ schema: benchEvent, mode: 'direct' });
    let handed = 0;
    // Caught at once: the rejection comes before the test awaits it.
    const failure = reader
      .onBatch((batch) => {
        handed += batch.length;
        if (batch.length > 0) throw new Error('handler failed');
      })
      .then(
        () => null,
        (error: Error) => error,
      );
    const result = await binding().startSyscallLoad({
      cpus: [0, 1],
      callsPerThread: 5_000,
      ratePerSecond: 50_000,
    }).done;
    expect((await failure)?.message).toBe('handler failed');
    await reader.stop();
    const stats = reader.stats();
    expect(handed).toBeGreaterThan(0);
    expect(stats.events).toBe(handed);
    expect(stats.droppedEvents).toBeGreaterThan(0);
    expect(stats.events + stats.droppedEvents + object.kernelDropped()).toBe(sum(result.calls));
  });

  it('a paused reader leaves records in the kernel rings; drops are counted, never silent', async () => {
    object = openProgram('bench', {
      ringBytes: 4096,
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    const reader = object.read({ schema: benchEvent, mode: 'direct' });
    reader.pause();
    const seenPromise = consume(reader, 'callback');
    const result = await binding().startSyscallLoad({
      cpus: [0, 1],
      callsPerThread: 10_000,
      ratePerSecond: 0,
    }).done;
    expect(reader.stats().events).toBe(0);
    reader.resume();
    await reader.stop();
    const seen = await seenPromise;
    const dropped = object.kernelDropped();
    expect(dropped).toBeGreaterThan(0);
    expect(seen.events + dropped).toBe(sum(result.calls));
    expect(sum(reader.ringStats().map((ring) => ring.kernelDropped))).toBe(dropped);
  });

  it('refuses the reader thread options, a policy other than the timer, and a bad period', () => {
    object = openProgram('bench', { targetPid: process.pid });
    expect(() => object!.read({ mode: 'direct', jsRingBytes: 1 << 20 })).toThrow(
      /jsRingBytes is an option of the reader thread/,
    );
    expect(() => object!.read({ mode: 'direct', periodMs: 0 })).toThrow(/periodMs must be/);
    expect(() => object!.read({ periodMs: 5 })).toThrow(/periodMs is mode 'direct''s/);
    expect(() => object!.read({ mode: 'fast' as 'direct' })).toThrow(/mode must be/);
    object.close();
    object = openProgram('bench', { targetPid: process.pid, policy: { kind: 'adaptive' } });
    expect(() => object!.read({ mode: 'direct' })).toThrow(/open the object with policy/);
  });

  it('frees its rings for another reader once stopped, and close() stops it', async () => {
    object = openProgram('bench', { targetPid: process.pid });
    const first = object.read({ schema: benchEvent, mode: 'direct' });
    expect(() => object!.read({ mode: 'direct' })).toThrow(/already has a reader/);
    await first.stop();
    const second = object.read({ schema: benchEvent, mode: 'direct' });
    object.close();
    expect(second.stats().state).toBe('stopped');
  });
});
