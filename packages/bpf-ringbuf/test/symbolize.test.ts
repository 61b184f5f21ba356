import { readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import type { BpfError } from '../src/errors.js';
import {
  KernelSymbols,
  loadKernelSymbols,
  loadUserMappings,
  UserMappings,
} from '../src/symbolize.js';

function thrown(call: () => unknown): BpfError {
  try {
    call();
  } catch (error) {
    expect((error as Error).message).not.toMatch(/\n/);
    return error as BpfError;
  }
  throw new Error('expected a throw');
}

// Out of order, as /proc/kallsyms lists modules after the kernel image, with data symbols.
const kallsyms = `ffffffff81001000 T do_syscall_64
ffffffff81000000 T _stext
ffffffffc0100000 t ext4_read_folio\t[ext4]
ffffffff81002000 D some_data
ffffffff81003000 W weak_function
ffffffff81000800 t local_helper
`;

describe('kernel symbols from /proc/kallsyms', () => {
  const symbols = KernelSymbols.parse(kallsyms);

  it('keeps the code symbols only (text and weak), sorted by address', () => {
    expect(symbols.size).toBe(5);
  });

  it('names an address by the nearest code symbol at or below it, with its offset', () => {
    expect(symbols.format(0xffffffff81001042n)).toBe('do_syscall_64+0x42');
    expect(symbols.format(0xffffffff81000800n)).toBe('local_helper+0x0');
    // A data symbol in between is not a function an address can be in.
    expect(symbols.format(0xffffffff81002010n)).toBe('do_syscall_64+0x1010');
    expect(symbols.lookup(0xffffffffc0100010n)).toEqual({
      name: 'ext4_read_folio',
      module: 'ext4',
      offset: 0x10n,
    });
    expect(symbols.format(0xffffffffc0100010n)).toBe('ext4_read_folio+0x10 [ext4]');
  });

  it('prints an address below every symbol in hex', () => {
    expect(symbols.lookup(0x1000n)).toBeNull();
    expect(symbols.format(0x1000n)).toBe('0x1000');
  });

  it('refuses a kallsyms whose addresses are hidden, saying how to see them', () => {
    const hidden = kallsyms.replace(/^[0-9a-f]+/gm, '0000000000000000');
    expect(thrown(() => KernelSymbols.parse(hidden))).toMatchObject({
      code: 'SYMBOLS_UNAVAILABLE',
      message: expect.stringMatching(/every kernel address as 0: read it as root/),
    });
    expect(thrown(() => loadKernelSymbols('/no/such/kallsyms'))).toMatchObject({
      code: 'SYMBOLS_UNAVAILABLE',
      message: expect.stringMatching(/^\/no\/such\/kallsyms cannot be read \(ENOENT\)/),
    });
  });

  it.skipIf(requireOrSkip(process.getuid?.() === 0, 'reading kernel addresses needs root'))(
    'finds this kernel’s own symbols in /proc/kallsyms',
    () => {
      const kernel = loadKernelSymbols();
      const line = readFileSync('/proc/kallsyms', 'utf8')
        .split('\n')
        .find((entry) => / T do_syscall_64$/.test(entry));
      expect(line).toBeDefined();
      const address = BigInt(`0x${line!.split(' ')[0]}`);
      expect(kernel.format(address + 4n)).toBe('do_syscall_64+0x4');
    },
  );
});

describe('user addresses by the mapping they fall in', () => {
  const maps =
    UserMappings.parse(`7f0000001000-7f0000003000 r-xp 00028000 08:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6
55d000000000-55d000021000 rw-p 00000000 00:00 0   [heap]
7f0000000000-7f0000001000 r--p 00000000 08:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6
7f0000010000-7f0000020000 rw-p 00000000 00:00 0
`);

  it('gives the offset into the mapped file, for addr2line', () => {
    expect(maps.lookup(0x7f0000001010n)?.fileOffset).toBe(0x28010n);
    expect(maps.format(0x7f0000001010n)).toBe('0x7f0000001010 libc.so.6+0x28010');
    expect(maps.format(0x7f0000000010n)).toBe('0x7f0000000010 libc.so.6+0x10');
  });

  it('names pseudo-mappings and anonymous memory, and leaves other addresses bare', () => {
    expect(maps.format(0x55d000000100n)).toBe('0x55d000000100 [heap]+0x100');
    expect(maps.format(0x7f0000010010n)).toBe('0x7f0000010010 [anon]');
    expect(maps.format(0x7f0000003000n)).toBe('0x7f0000003000');
  });

  it('reads a live process’s map: node’s own executable is in it', () => {
    const own = loadUserMappings(process.pid);
    const executable = own.mappings.find(
      (mapping) => mapping.path === realpathSync(process.execPath),
    );
    expect(executable).toBeDefined();
    expect(own.format(executable!.start + 0x10n)).toBe(
      `0x${(executable!.start + 0x10n).toString(16)} ${basename(process.execPath)}+0x${(executable!.fileOffset + 0x10n).toString(16)}`,
    );
  });

  it('says which process it cannot read, with one sentence', () => {
    expect(thrown(() => loadUserMappings(0)).code).toBe('INVALID_OPTIONS');
    expect(thrown(() => loadUserMappings(2 ** 30))).toMatchObject({
      code: 'SYMBOLS_UNAVAILABLE',
      message: expect.stringMatching(/^\/proc\/1073741824\/maps cannot be read \(ENOENT\)/),
    });
  });
});
