import { afterEach, describe, expect, it } from 'vitest';
import type { BpfObject } from '../src/object.js';
import { openProgram, schedSwitchEvent, syscallEvent } from '../src/programs.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';

const skip = skipWithoutBpf();

describe.skipIf(skip)('built-in programs', () => {
  let object: BpfObject | undefined;
  afterEach(() => object?.close());

  it('syscalls: every syscall entry of the target process, with its number and thread', async () => {
    object = openProgram('syscalls', {
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    const reader = object.read({ schema: syscallEvent });
    const getpgid = binding().abi()['syscall.getpgid']!;
    const perTid = new Map<number, number>();
    let otherPids = 0;
    const consumed = reader.onBatch((batch) => {
      for (let i = 0; i < batch.length; i++) {
        if (batch.get.pid(i) !== process.pid) otherPids++;
        if (batch.get.syscallNr(i) === getpgid) {
          const tid = batch.get.tid(i);
          perTid.set(tid, (perTid.get(tid) ?? 0) + 1);
        }
      }
    });
    const load = binding().startSyscallLoad({ cpus: [-1], callsPerThread: 3000, ratePerSecond: 0 });
    const result = await load.done;
    await reader.stop();
    await consumed;
    expect(perTid.get(result.tids[0]!)).toBe(3000);
    expect(otherPids).toBe(0);
  });

  it('syscalls without a target sees other processes too', async () => {
    object = openProgram('syscalls', { policy: { kind: 'timer', periodMs: 1 } });
    const reader = object.read({ schema: syscallEvent });
    const pids = new Set<number>();
    const consumed = reader.onBatch((batch) => {
      for (let i = 0; i < batch.length; i++) pids.add(batch.get.pid(i));
    });
    const { execFileSync } = await import('node:child_process');
    execFileSync('true');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reader.stop();
    await consumed;
    expect([...pids].some((pid) => pid !== process.pid)).toBe(true);
  });

  it('sched-switch: context switches with both threads and their names', async () => {
    object = openProgram('sched-switch', {
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    const reader = object.read({ schema: schedSwitchEvent });
    const seen: { prevComm: string; nextComm: string; prevPid: number; nextPid: number }[] = [];
    const consumed = reader.onBatch((batch) => {
      for (const event of batch.toObjects()) seen.push(event);
    });
    // Sleeping threads switch out and back in.
    const load = binding().startSyscallLoad({
      cpus: [0],
      callsPerThread: 200,
      ratePerSecond: 2000,
    });
    const result = await load.done;
    await reader.stop();
    await consumed;
    const tid = result.tids[0]!;
    expect(seen.some((event) => event.prevPid === tid || event.nextPid === tid)).toBe(true);
    expect(seen.every((event) => typeof event.prevComm === 'string')).toBe(true);
    expect(seen.some((event) => event.prevComm.length > 0 && event.nextComm.length > 0)).toBe(true);
  });
});
