import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchEvent, openProgram } from '../src/programs.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { ourAttachedPrograms, ourPrograms, ourProgramsAfterUnload } from './helpers/bpftool.js';

const skip = skipWithoutBpf();
const attachAndDie = join(import.meta.dirname, 'fixtures', 'attach-and-die.mjs');

/** Starts the fixture and resolves once it reports its programs attached. */
async function attachedChild(argument: string) {
  const child = spawn(process.execPath, [attachAndDie, argument], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('attached')) resolve();
    });
    child.on('exit', (code) =>
      reject(new Error(`the child exited (${code}) before attaching: ${output}`)),
    );
  });
  return { child, exited };
}

describe.skipIf(skip)('attach and detach', () => {
  it('close() detaches every program at once, and the kernel then frees them (bpftool)', async () => {
    expect(await ourProgramsAfterUnload()).toEqual([]);
    const object = openProgram('bench', { targetPid: process.pid });
    expect(object.attached).toEqual(['ringkit_bench']);
    expect(ourAttachedPrograms()).toEqual(['ringkit_bench']);
    expect(ourPrograms()).toEqual(['ringkit_bench']);
    const reader = object.read();
    object.close();
    object.close();
    expect(object.closed).toBe(true);
    expect(ourAttachedPrograms()).toEqual([]);
    expect(reader.stats().state).toBe('stopped');
    expect(await ourProgramsAfterUnload()).toEqual([]);
  });

  it('a process that exits, or is killed, leaves nothing attached', async () => {
    for (const argument of ['exit', 'kill']) {
      const { child, exited } = await attachedChild(argument);
      expect(ourPrograms()).toEqual(['ringkit_bench']);
      if (argument === 'kill') child.kill('SIGKILL');
      await exited;
      // The kernel frees programs after their last reference is gone (RCU), shortly after exit.
      const deadline = Date.now() + 5000;
      while (ourPrograms().length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(ourPrograms()).toEqual([]);
    }
  });

  it('detach() stops the programs without unloading them and attach() resumes them, exactly', async () => {
    const object = openProgram('bench', {
      policy: { kind: 'timer', periodMs: 1 },
      targetPid: process.pid,
    });
    try {
      const reader = object.read({ schema: benchEvent });
      let events = 0;
      const consumed = reader.onBatch((batch) => {
        events += batch.length;
      });
      binding().getpgidLoop(1000);
      object.detach();
      object.detach();
      expect(object.attached).toEqual([]);
      expect(ourAttachedPrograms()).toEqual([]);
      expect(ourPrograms()).toEqual(['ringkit_bench']);
      binding().getpgidLoop(5000);
      object.attach();
      object.attach();
      expect(object.attached).toEqual(['ringkit_bench']);
      binding().getpgidLoop(2000);
      await reader.stop();
      await consumed;
      expect(events).toBe(3000);
    } finally {
      object.close();
    }
    expect(object.attached).toEqual([]);
  });

  it('refuses calls on a closed object with one sentence', () => {
    const object = openProgram('bench', { targetPid: process.pid });
    object.close();
    expect(() => object.read()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(() => object.kernelDropped()).toThrow(/was closed; open it again/);
    expect(() => object.attach()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('gives an object one reader', () => {
    const object = openProgram('bench', { targetPid: process.pid });
    try {
      object.read();
      expect(() => object.read()).toThrow(/already has a reader/);
    } finally {
      object.close();
    }
  });
});
