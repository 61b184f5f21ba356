import { endianness } from 'node:os';
import { KernelSymbols, UserMappings } from '@ringkit/bpf-ringbuf';
import { describe, expect, it } from 'vitest';
import {
  decodeProfileKey,
  decodeSampleCount,
  type ProfileKeyFields,
  StackLabeller,
} from '../src/pipelines/profile-stacks.js';

const littleEndian = endianness() === 'LE';

const KALLSYMS = [
  'ffffffff81000000 T _stext',
  'ffffffff81100000 T do_syscall_64',
  'ffffffff81200000 t futex_wait',
  'ffffffff81300000 T __x64_sys_futex',
  'ffffffffc0001000 t ringkit_probe\t[ringkit]',
].join('\n');
const MAPS = [
  '55d0c0000000-55d0c1000000 r-xp 00001000 08:01 1234 /usr/bin/node',
  '7f0000000000-7f0000100000 r-xp 00028000 08:01 5678 /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7f1000000000-7f1000100000 rwxp 00000000 00:00 0 ',
].join('\n');

/** struct profile_key as the program writes it. */
function profileKey(pid: number, kernelStackId: number, userStackId: number, comm: string) {
  const key = new Uint8Array(32);
  const view = new DataView(key.buffer);
  view.setUint32(0, pid, littleEndian);
  view.setInt32(4, kernelStackId, littleEndian);
  view.setInt32(8, userStackId, littleEndian);
  key.set(Buffer.from(comm, 'latin1'), 16);
  return key;
}

function labeller(stacks: Record<number, bigint[]>, maps: () => string = () => MAPS) {
  const lookups: number[] = [];
  const loads: number[] = [];
  const labels = new StackLabeller(
    (stackId) => {
      lookups.push(stackId);
      return stacks[stackId];
    },
    KernelSymbols.parse(KALLSYMS),
    (pid) => {
      loads.push(pid);
      return UserMappings.parse(maps());
    },
  );
  return { labels, lookups, loads };
}

const sample = (kernelStackId: number, userStackId: number): ProfileKeyFields => ({
  pid: 42,
  kernelStackId,
  userStackId,
  comm: 'node',
});

describe('the CPU profile stack labels', () => {
  it('decode struct profile_key and its u64 count in host byte order', () => {
    expect(decodeProfileKey(profileKey(4242, -14, 7, 'cmdring-cpu'))).toEqual({
      pid: 4242,
      kernelStackId: -14,
      userStackId: 7,
      comm: 'cmdring-cpu',
    });
    const value = new Uint8Array(8);
    new DataView(value.buffer).setBigUint64(0, 123n, littleEndian);
    expect(decodeSampleCount(value)).toBe(123);
    expect(() => decodeProfileKey(new Uint8Array(24))).toThrow(/^a profile key is 32 bytes/);
  });

  it('name the innermost three kernel frames and the innermost user frame as file+offset', () => {
    const { labels } = labeller({
      1: [0xffffffff81200010n, 0xffffffff81300020n, 0xffffffff81100030n, 0xffffffff81000040n],
      2: [0x7f0000000100n, 0x55d0c0000200n],
    });
    expect(labels.label(sample(1, 2))).toBe(
      'node (42): futex_wait ← __x64_sys_futex ← do_syscall_64 ← libc.so.6+0x28100',
    );
  });

  it('leave the kernel part out of a user-mode sample and name modules, anonymous code and bare addresses', () => {
    const { labels } = labeller({
      3: [0xffffffffc0001008n],
      4: [0x7f1000000040n],
      5: [0x1000n],
    });
    expect(labels.label(sample(-14, 4))).toBe('node (42): [anon]');
    expect(labels.label(sample(3, -14))).toBe('node (42): ringkit_probe [ringkit]');
    expect(labels.label(sample(-14, 5))).toBe('node (42): 0x1000');
    expect(labels.label(sample(-14, -14))).toBe('node (42): [no stack]');
  });

  it('give no label (a dropped sample) for a lost stack: an error id, or an id the map no longer holds', () => {
    const { labels } = labeller({ 2: [0x7f0000000100n] });
    expect(labels.label(sample(-17, 2))).toBeNull(); // -EEXIST: a hash collision
    expect(labels.label(sample(-14, -12))).toBeNull(); // -ENOMEM: the stack map is full
    expect(labels.label(sample(9, 2))).toBeNull(); // gone from the map
  });

  it('resolve each stack id once, and read the maps again only for an address outside them', () => {
    let maps = MAPS;
    const { labels, lookups, loads } = labeller(
      { 1: [0xffffffff81100030n], 2: [0x7f0000000100n], 6: [0x7f2000000010n] },
      () => maps,
    );
    labels.label(sample(1, 2));
    labels.label(sample(1, 2));
    expect(lookups).toEqual([1, 2]);
    expect(loads).toEqual([42]);
    // A library mapped after the maps were read: read again, once.
    maps += '\n7f2000000000-7f2000100000 r-xp 00004000 08:01 9 /usr/lib/libnew.so';
    expect(labels.label(sample(1, 6))).toBe('node (42): do_syscall_64 ← libnew.so+0x4010');
    expect(loads).toEqual([42, 42]);
  });
});
