import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BpfError } from '../src/errors.js';
import { openObject } from '../src/object.js';
import { openProgram, programs } from '../src/programs.js';
import { skipWithoutBpf } from './helpers/bpf.js';

const skip = skipWithoutBpf();
const reporter = join(import.meta.dirname, 'fixtures', 'open-and-report.mjs');
const tracepointObject = join(import.meta.dirname, 'fixtures', 'tracepoint.bpf.o');
const rejectedObject = join(import.meta.dirname, 'fixtures', 'rejected.bpf.o');
const scratch = mkdtempSync(join(tmpdir(), 'ringkit-bpf-errors-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Report {
  ok: boolean;
  code?: string;
  message?: string;
  attached?: string[];
}

/** Runs the reporter fixture behind `wrapper` (setpriv, unshare …) and parses its line. */
function report(wrapper: string[], args: string[]): Report {
  const command = [...wrapper, process.execPath, reporter, ...args];
  const output = execFileSync(command[0]!, command.slice(1), { encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as Report;
}

function sentence(message: string | undefined): void {
  expect(message).toBeDefined();
  // One sentence: ends with a full stop, no line breaks, no stack.
  expect(message!).not.toMatch(/\n/);
  expect(message!.trim().endsWith('.') || message!.trim().endsWith(')')).toBe(true);
}

describe.skipIf(skip)('errors are one clear sentence', () => {
  it('refuses a process without CAP_BPF and CAP_PERFMON, saying what to grant', () => {
    const dropped = [
      'setpriv',
      '--inh-caps=-bpf,-perfmon,-sys_admin',
      '--bounding-set=-bpf,-perfmon,-sys_admin',
      '--',
    ];
    const result = report(dropped, ['program', 'bench', '{}']);
    expect(result).toMatchObject({ ok: false, code: 'NOT_PERMITTED' });
    expect(result.message).toMatch(/CAP_BPF and CAP_PERFMON/);
    sentence(result.message);
  });

  it('mounts tracefs for a tracepoint program when it is not mounted, and says so when it cannot', () => {
    // A private mount namespace: tracefs is unmounted there only.
    const unmounted = (extra: string[]) => [
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      'umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; exec "$@"',
      'sh',
      ...extra,
    ];
    const mountsItself = report(unmounted([]), [
      'object',
      tracepointObject,
      '{"maps":{"ring":"ringkit_ring"}, "topology":"shared"}',
    ]);
    expect(mountsItself).toMatchObject({ ok: true });
    const cannot = report(
      unmounted(['setpriv', '--inh-caps=-sys_admin', '--bounding-set=-sys_admin', '--']),
      ['object', tracepointObject, '{"maps":{"ring":"ringkit_ring"}, "topology":"shared"}'],
    );
    expect(cannot).toMatchObject({ ok: false, code: 'TRACEFS_UNAVAILABLE' });
    expect(cannot.message).toMatch(/mount -t tracefs nodev \/sys\/kernel\/tracing/);
    sentence(cannot.message);
  });

  it('names a missing object file', () => {
    expect(() => openObject(join(scratch, 'missing.bpf.o'))).toThrow(
      expect.objectContaining({
        code: 'OBJECT_NOT_FOUND',
        message: expect.stringContaining('missing.bpf.o does not exist'),
      }),
    );
  });

  it('refuses a corrupt or truncated ELF file', () => {
    const random = join(scratch, 'random.bpf.o');
    writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255)));
    const truncated = join(scratch, 'truncated.bpf.o');
    writeFileSync(truncated, readFileSync(programs.bench.objectPath).subarray(0, 2000));
    for (const path of [random, truncated]) {
      let caught: unknown;
      try {
        openObject(path);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'INVALID_OBJECT' });
      sentence((caught as Error).message);
      expect((caught as Error).message).toContain(path);
    }
  });

  it('lists the programs there are when asked for one that is not', () => {
    expect(() => openProgram('bench', { programs: ['ringkit_nope'] })).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_PROGRAM',
        message: expect.stringMatching(/ringkit_nope.*ringkit_bench/),
      }),
    );
  });

  it('lists the maps there are when asked for one that is not', () => {
    expect(() => openObject(programs.bench.objectPath, { maps: { ring: 'events' } })).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_MAP',
        message: expect.stringMatching(
          /events.*ringkit_ring.*ringkit_rings|events.*ringkit_rings.*ringkit_ring/,
        ),
      }),
    );
    expect(() =>
      openObject(programs.bench.objectPath, { maps: { ring: 'ringkit_drops' } }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }));
  });

  it('names the program the verifier rejected and carries its whole log', () => {
    let caught: BpfError | undefined;
    try {
      openObject(rejectedObject, { maps: { ring: null } });
    } catch (error) {
      caught = error as BpfError;
    }
    expect(caught).toBeInstanceOf(BpfError);
    expect(caught).toMatchObject({ code: 'LOAD_FAILED', program: 'ringkit_rejected' });
    sentence(caught!.message);
    expect(caught!.message).toMatch(
      /^loading program 'ringkit_rejected' of .*rejected\.bpf\.o failed \(the verifier rejected it; libbpf: .*R0 invalid mem access 'map_value_or_null'.*\): fix it, or leave it out with autoload: \{ ringkit_rejected: false \}/,
    );
    // The whole log, from the first instruction to the verdict, not only its last lines.
    const log = caught!.verifierLog!;
    expect(log).toMatch(
      /^[\s\S]*\b0: \(b7\) r1 = 0[\s\S]*R0 invalid mem access 'map_value_or_null'/,
    );
    expect(log).toContain('processed 7 insns');
    expect(log).not.toContain('PROG LOAD LOG');
  });

  it('says when the kernel has no BTF', () => {
    expect(() => openProgram('bench', { kernelBtfPath: join(scratch, 'no-vmlinux') })).toThrow(
      expect.objectContaining({
        code: 'NO_KERNEL_BTF',
        message: expect.stringContaining('CONFIG_DEBUG_INFO_BTF'),
      }),
    );
  });

  it('names the missing library when libbpf.so.1 cannot be loaded', () => {
    // A private mount namespace where the library is an empty file.
    const library = execFileSync(
      'sh',
      ['-c', 'ldconfig -p | grep -m1 "libbpf.so.1 " | sed "s/.*=> //"'],
      { encoding: 'utf8' },
    ).trim();
    const result = report(
      [
        'unshare',
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind /dev/null ${library} && exec "$@"`,
        'sh',
      ],
      ['native'],
    );
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(
      /libbpf\.so\.1 is not installed \(run "apt-get install libbpf1"/,
    );
  });

  it('refuses bad options, naming the value', () => {
    const bad = (options: Parameters<typeof openProgram>[1], pattern: RegExp) =>
      expect(() => openProgram('bench', options)).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringMatching(pattern),
        }),
      );
    bad({ ringBytes: 1000 }, /ringBytes must be a power of two .* got 1000/);
    bad({ ringBytes: 3 * 4096 }, /got 12288/);
    bad({ policy: { kind: 'sometimes' } as never }, /policy.kind must be .* got "sometimes"/);
    bad({ policy: { kind: 'timer', periodMs: 0 } }, /policy.periodMs .* got 0/);
    bad(
      { policy: { kind: 'watermark', bytes: 1 << 20 }, ringBytes: 1 << 20 },
      /policy.bytes .* got 1048576/,
    );
    bad(
      { bench: { eventsPerSyscall: 65 } },
      /bench.eventsPerSyscall must be a whole number from 1 to 64, got 65/,
    );
    bad({ bench: { eventsPerRecord: 0 } }, /bench.eventsPerRecord .* got 0/);
    bad({ targetPid: -1 }, /targetPid .* got -1/);
    bad({ topology: 'ring' as never }, /topology must be 'shared' or 'per-cpu', got "ring"/);
    const object = openProgram('bench', { targetPid: process.pid });
    try {
      expect(() => object.read({ jsRingBytes: 64 * 1024, maxBatchBytes: 64 * 1024 })).toThrow(
        /raise jsRingBytes to at least/,
      );
      expect(() => object.read({ whenJsRingFull: 'later' as never })).toThrow(
        /whenJsRingFull must be 'wait' or 'drop'/,
      );
      expect(() => object.read({ jsRingBytes: 1000 })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      );
    } finally {
      object.close();
    }
  });
});
