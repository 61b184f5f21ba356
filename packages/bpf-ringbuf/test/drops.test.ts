import { afterEach, describe, expect, it } from 'vitest';
import type { BpfObject } from '../src/object.js';
import { benchEvent, openProgram } from '../src/programs.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { consume } from './helpers/collect.js';

const skip = skipWithoutBpf();

describe.skipIf(skip)('drops are counted, never silent', () => {
  let object: BpfObject | undefined;
  afterEach(() => object?.close());

  for (const topology of ['shared', 'per-cpu'] as const) {
    it(`a tiny kernel ring with a paused reader: delivered + dropped = produced (${topology})`, async () => {
      object = openProgram('bench', {
        topology,
        ringBytes: 4096,
        policy: { kind: 'timer', periodMs: 1 },
        targetPid: process.pid,
      });
      const reader = object.read({ schema: benchEvent });
      reader.pause();
      const seenPromise = consume(reader);
      const load = binding().startSyscallLoad({
        cpus: [0, 1],
        callsPerThread: 10_000,
        ratePerSecond: 0,
      });
      const result = await load.done;
      reader.resume();
      await reader.stop();
      const seen = await seenPromise;
      const produced = result.calls.reduce((sum, calls) => sum + calls, 0);
      const dropped = object.kernelDropped();
      expect(dropped).toBeGreaterThan(0);
      expect(seen.events + dropped).toBe(produced);
      expect(object.stats().kernelDropped).toBe(dropped);
      // Each ring's share: what it delivered, and what its program dropped (the drops
      // map's value on that ring's CPU under per-CPU, the sum over CPUs when shared).
      const rings = reader.ringStats();
      expect(rings.length).toBe(topology === 'shared' ? 1 : binding().possibleCpus());
      expect(rings.reduce((sum, ring) => sum + ring.events, 0)).toBe(seen.events);
      expect(rings.reduce((sum, ring) => sum + ring.kernelDropped, 0)).toBe(dropped);
      if (topology === 'per-cpu')
        for (const ring of rings.slice(0, 2)) expect(ring.kernelDropped).toBeGreaterThan(0);
    });
  }

  it("whenJsRingFull 'drop': what the JS ring has no room for is counted there, exactly", async () => {
    object = openProgram('bench', {
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    // A 64 KiB JS ring and nobody consuming until the producers are done.
    const reader = object.read({
      schema: benchEvent,
      jsRingBytes: 64 * 1024,
      maxBatchBytes: 4096,
      whenJsRingFull: 'drop',
    });
    const load = binding().startSyscallLoad({
      cpus: [0, 1],
      callsPerThread: 20_000,
      ratePerSecond: 0,
    });
    const result = await load.done;
    const seenPromise = consume(reader);
    await reader.stop();
    const seen = await seenPromise;
    const produced = result.calls.reduce((sum, calls) => sum + calls, 0);
    const stats = reader.stats();
    expect(stats.droppedEvents).toBeGreaterThan(0);
    expect(stats.jsRing.dropped).toBeGreaterThan(0);
    expect(seen.events + stats.droppedEvents + object.kernelDropped()).toBe(produced);
    const rings = reader.ringStats();
    expect(rings.reduce((sum, ring) => sum + ring.droppedEvents, 0)).toBe(stats.droppedEvents);
    expect(rings.reduce((sum, ring) => sum + ring.events, 0)).toBe(
      seen.events + stats.droppedEvents,
    );
  });
});
