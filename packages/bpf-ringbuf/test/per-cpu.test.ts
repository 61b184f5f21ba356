import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import type { BpfObject } from '../src/object.js';
import { openProgram } from '../src/programs.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { produceAndConsume } from './helpers/collect.js';

const skip =
  skipWithoutBpf() ||
  requireOrSkip(availableParallelism() >= 2, 'per-CPU tests need at least 2 CPUs');

describe.skipIf(skip)('per-CPU rings', () => {
  let object: BpfObject | undefined;
  afterEach(() => object?.close());

  it('gives every possible CPU its own ring and delivers events from both CPUs', async () => {
    object = openProgram('bench', {
      topology: 'per-cpu',
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    expect(object.topology).toBe('per-cpu');
    expect(object.stats().rings).toBe(binding().possibleCpus());
    const { seen, result } = await produceAndConsume(object, {
      cpus: [0, 1],
      callsPerThread: 20_000,
    });
    expect(seen.cpus).toEqual(new Set([0, 1]));
    for (const tid of result.tids) expect(seen.perTid.get(tid)).toBe(20_000);
  });

  it('merges both CPUs into non-decreasing timestamp order without losing an event', async () => {
    object = openProgram('bench', {
      topology: 'per-cpu',
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    const { seen, result, reader } = await produceAndConsume(
      object,
      { cpus: [0, 1], callsPerThread: 50_000, ratePerSecond: 200_000 },
      { merge: { slackMs: 5 } },
    );
    expect(seen.ordered).toBe(true);
    expect(seen.cpus).toEqual(new Set([0, 1]));
    for (const tid of result.tids) expect(seen.perTid.get(tid)).toBe(50_000);
    expect(reader.stats().mergeHeld).toBe(0);
  });

  it('refuses to merge without a timestamp to merge by', () => {
    object = openProgram('bench', { targetPid: process.pid });
    expect(() => object!.read({ merge: true })).toThrow(/merge needs a schema with a timestamp/);
  });
});
