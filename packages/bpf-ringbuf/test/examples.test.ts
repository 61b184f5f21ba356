import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipWithoutBpf } from './helpers/bpf.js';

const skip = skipWithoutBpf();

describe.skipIf(skip)('the examples', () => {
  it('top-syscalls.mjs prints the busiest syscalls and how many were dropped', () => {
    const output = execFileSync(
      process.execPath,
      [join(import.meta.dirname, '..', 'examples', 'top-syscalls.mjs'), '1'],
      {
        encoding: 'utf8',
      },
    );
    const [summary, ...top] = output.trim().split('\n');
    expect(summary).toMatch(/^\d+ syscalls in 1 s, 0 dropped in the kernel$/);
    expect(Number(summary!.split(' ')[0])).toBeGreaterThan(0);
    expect(top.length).toBeGreaterThan(0);
    for (const line of top) expect(line).toMatch(/^ {2}syscall \d+: \d+\/s$/);
  });

  it('fields-in-place.mjs counts syscalls per CPU and process, reading fields in place', () => {
    const output = execFileSync(
      process.execPath,
      [join(import.meta.dirname, '..', 'examples', 'fields-in-place.mjs'), '1'],
      { encoding: 'utf8' },
    );
    const [summary, ...rest] = output.trim().split('\n');
    const [, total, misplaced] =
      /^(\d+) syscalls in 1 s, \d+ dropped in the kernel, (\d+) in another CPU's ring$/.exec(
        summary!,
      ) ?? [];
    expect(Number(total)).toBeGreaterThan(0);
    // Each event's cpu field, read from views.u32 at offsets[i], names its ring's CPU.
    expect(Number(misplaced)).toBe(0);
    const perCpu = rest.filter((line) => /^ {2}cpu \d+: \d+$/.test(line));
    expect(perCpu.length).toBeGreaterThan(0);
    expect(perCpu.reduce((sum, line) => sum + Number(line.split(': ')[1]), 0)).toBe(Number(total));
    const processes = rest.filter((line) => /^ {2}process \d+: \d+$/.test(line));
    expect(processes.length).toBeGreaterThan(0);
    expect(perCpu.length + processes.length).toBe(rest.length);
  });

  it('syscall-counts.mjs reads the syscalls it made from a BPF hash map', () => {
    const output = execFileSync(
      process.execPath,
      [join(import.meta.dirname, '..', 'examples', 'syscall-counts.mjs'), '1'],
      { encoding: 'utf8' },
    );
    const [summary, ...top] = output.trim().split('\n');
    expect(summary).toMatch(/^\d+ syscalls by process \d+ in 1 s, \d+ different$/);
    expect(Number(summary!.split(' ')[0])).toBeGreaterThan(100);
    expect(top.length).toBeGreaterThan(0);
    for (const line of top) expect(line).toMatch(/^ {2}syscall \d+: \d+$/);
  });

  it('profile.mjs prints a busy process’s stacks, kernel frames by name and user frames by file', () => {
    // dd copying /dev/zero to /dev/null: busy on a CPU, mostly inside read() and write().
    const busy = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=64k'], { stdio: 'ignore' });
    try {
      const output = execFileSync(
        process.execPath,
        [join(import.meta.dirname, '..', 'examples', 'profile.mjs'), '2', String(busy.pid), '3'],
        { encoding: 'utf8' },
      );
      const lines = output.trim().split('\n');
      expect(lines[0]).toBe(`profiling process ${busy.pid} at 99 Hz on every CPU for 2 s`);
      const seconds = lines.filter((line) => line.startsWith('--- second '));
      expect(seconds.length).toBe(2);
      // One CPU's worth of samples at most: dd is one thread.
      for (const line of seconds) {
        const [, interval, samples] = /\((\d+\.\d+) s\): (\d+) samples/.exec(line) ?? [];
        expect(Number(samples)).toBeGreaterThan(20);
        expect(Number(samples)).toBeLessThanOrEqual(Math.ceil(99 * Number(interval) * 1.1) + 2);
      }
      // target_tgid (.rodata) let only dd's samples through.
      const stackHeads = lines.filter((line) => /^ {1,8}\d+ .* \(\d+\)$/.test(line));
      expect(stackHeads.length).toBeGreaterThan(0);
      for (const line of stackHeads) expect(line).toMatch(new RegExp(` dd \\(${busy.pid}\\)$`));
      const kernelFrames = lines.filter((line) =>
        /^ {9}[A-Za-z_][\w.]*\+0x[0-9a-f]+( \[\S+\])?$/.test(line),
      );
      expect(kernelFrames.length).toBeGreaterThan(0);
      // dd's time goes to its read() and write() calls: the kernel's side of them is named.
      expect(kernelFrames.some((line) => /^ +(vfs|ksys)_(read|write)\+/.test(line))).toBe(true);
      const userFrames = lines.filter((line) => /^ {9}0x[0-9a-f]+ \S+\+0x[0-9a-f]+$/.test(line));
      expect(userFrames.length).toBeGreaterThan(0);
    } finally {
      busy.kill();
    }
  });
});
