import { execFileSync } from 'node:child_process';
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
});
