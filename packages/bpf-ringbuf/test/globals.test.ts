import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GlobalValue } from '../src/globals.js';
import { type BpfObject, openObject } from '../src/object.js';
import { syscallEvent } from '../src/programs.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';
import { thrown } from './helpers/thrown.js';

const skip = skipWithoutBpf();
const globalsObject = join(import.meta.dirname, 'fixtures', 'globals.bpf.o');

/** Opens the fixture on its own ring (no ringkit config or drops map). */
function openGlobals(globals?: Record<string, GlobalValue>): BpfObject {
  return openObject(globalsObject, { maps: { ring: 'events' }, globals });
}

/** Calls getpgid() `calls` times on one thread of this process; what the fixture saw of it. */
async function getpgidEvents(object: BpfObject, calls: number) {
  const reader = object.read({ schema: syscallEvent });
  const events: { pid: number; tid: number; syscallNr: number; timestampNs: number }[] = [];
  const consumed = reader.onBatch((batch) => {
    for (const event of batch.toObjects()) events.push(event);
  });
  const load = binding().startSyscallLoad({ cpus: [-1], callsPerThread: calls, ratePerSecond: 0 });
  const { tids } = await load.done;
  await reader.stop();
  await consumed;
  return { events, tid: tids[0]! };
}

describe.skipIf(skip)('global variables', () => {
  let object: BpfObject | undefined;
  afterEach(() => object?.close());

  it('lists every global with its section, offset, size and kind, from the BTF', () => {
    object = openGlobals();
    const listed = Object.fromEntries(
      object.globals.list().map(({ name, ...rest }) => [name, rest]),
    );
    expect(listed).toEqual({
      target_pid: { section: '.rodata', offset: 0, size: 4, kind: 'unsigned' },
      nr_adjust: { section: '.rodata', offset: 4, size: 1, kind: 'signed' },
      stamp: { section: '.rodata', offset: 8, size: 8, kind: 'unsigned' },
      label: { section: '.rodata', offset: 16, size: 6, kind: 'bytes' },
      emitting: { section: '.data', offset: 0, size: 4, kind: 'unsigned' },
      balance: { section: '.data', offset: 8, size: 8, kind: 'signed' },
      matched_calls: { section: '.bss', offset: 0, size: 8, kind: 'unsigned' },
      last_cpu: { section: '.bss', offset: 8, size: 2, kind: 'unsigned' },
    });
  });

  it('a const volatile pid filter set before load delivers exactly that process’s events', async () => {
    object = openGlobals({ target_pid: process.pid });
    const { events, tid } = await getpgidEvents(object, 500);
    expect(events).toHaveLength(500);
    expect(events.every((event) => event.pid === process.pid && event.tid === tid)).toBe(true);
    expect(object.globals.get('matched_calls')).toBe(500n);
  });

  it('a pid filter left at 0 delivers nothing: the failure the globals option fixes', async () => {
    object = openGlobals();
    const { events } = await getpgidEvents(object, 200);
    expect(events).toHaveLength(0);
    expect(object.globals.get('target_pid')).toBe(0);
  });

  it('signed, 8-byte and byte-array values reach the program as set', async () => {
    const getpgid = binding().abi()['syscall.getpgid']!;
    object = openGlobals({
      target_pid: process.pid,
      nr_adjust: -3,
      stamp: 2n ** 40n + 1n,
      label: new TextEncoder().encode('other\0'),
      balance: -(2n ** 62n),
    });
    const { events } = await getpgidEvents(object, 20);
    expect(events).toHaveLength(20);
    expect(events.every((event) => event.syscallNr === getpgid - 3)).toBe(true);
    expect(events.every((event) => event.timestampNs === 2 ** 40 + 1)).toBe(true);
    expect(object.globals.get('nr_adjust')).toBe(-3);
    expect(object.globals.get('stamp')).toBe(2n ** 40n + 1n);
    expect(new TextDecoder().decode(object.globals.get('label') as Uint8Array)).toBe('other\0');
    expect(object.globals.get('balance')).toBe(-(2n ** 62n));
  });

  it('reads .data initial values and .bss zeros after load', () => {
    object = openGlobals();
    expect(object.globals.get('emitting')).toBe(1);
    expect(object.globals.get('balance')).toBe(-5n);
    expect(object.globals.get('matched_calls')).toBe(0n);
    expect(object.globals.get('last_cpu')).toBe(0);
  });

  it('a .data write after load changes what the running program does', async () => {
    object = openGlobals({ target_pid: process.pid });
    object.globals.set('emitting', 0);
    expect(object.globals.get('emitting')).toBe(0);
    const { events } = await getpgidEvents(object, 100);
    expect(events).toHaveLength(0);
    expect(object.globals.get('matched_calls')).toBe(100n);
    object.globals.set('matched_calls', 7);
    expect(object.globals.get('matched_calls')).toBe(7n);
  });

  it('names the globals there are when asked for one that is not', () => {
    object = openGlobals();
    const names = /'matched_calls', 'last_cpu', 'emitting', 'balance', 'target_pid'/;
    expect(thrown(() => object!.globals.get('target_tgid'))).toEqual({
      code: 'UNKNOWN_GLOBAL',
      message: expect.stringMatching(
        new RegExp(`global 'target_tgid' is not in .*${names.source}`),
      ),
    });
    expect(thrown(() => openGlobals({ target_tgid: 1 }))).toMatchObject({
      code: 'UNKNOWN_GLOBAL',
    });
    // The built-in programs have one global each now: their event struct's BTF anchor.
    const withoutGlobals = join(import.meta.dirname, 'fixtures', 'tracepoint.bpf.o');
    expect(thrown(() => openObject(withoutGlobals, { globals: { target_pid: 1 } }))).toEqual({
      code: 'UNKNOWN_GLOBAL',
      message: expect.stringMatching(
        /global 'target_pid' is not in .*tracepoint\.bpf\.o, which has no globals: declare it in the program as a non-static variable \(e\.g\. const volatile __u32 target_pid = 0\)\.$/,
      ),
    });
  });

  it('refuses a value that does not fit the variable, naming what does', () => {
    const refused = (globals: Record<string, GlobalValue>, pattern: RegExp) =>
      expect(thrown(() => openGlobals(globals))).toEqual({
        code: 'INVALID_VALUE',
        message: expect.stringMatching(pattern),
      });
    refused(
      { target_pid: -1 },
      /global 'target_pid' is a 4-byte unsigned integer in .rodata, which -1 does not fit: pass a whole number from 0 to 2\^32 - 1/,
    );
    refused({ target_pid: 2 ** 32 }, /which 4294967296 does not fit/);
    refused({ target_pid: 1.5 }, /which 1.5 does not fit/);
    refused({ nr_adjust: 128 }, /1-byte signed integer .* from -2\^7 to 2\^7 - 1/);
    refused({ stamp: 2n ** 64n }, /which a bigint beyond 64 bits does not fit/);
    refused({ stamp: 2 ** 60 }, /\(a bigint above 2\^53\)/);
    refused(
      { label: 3 },
      /global 'label' is 6 bytes in .rodata, which 3 does not fit: pass a Uint8Array of exactly 6 bytes/,
    );
    refused({ emitting: new Uint8Array(2) }, /which a Uint8Array of 2 bytes does not fit/);
    refused({ emitting: 'on' as never }, /global 'emitting' was given a string/);
    object = openGlobals();
    expect(thrown(() => object!.globals.set('last_cpu', 70_000))).toMatchObject({
      code: 'INVALID_VALUE',
    });
  });

  it('refuses to write .rodata after load, saying to set it before', () => {
    object = openGlobals({ target_pid: 1 });
    expect(thrown(() => object!.globals.set('target_pid', process.pid))).toEqual({
      code: 'READ_ONLY_GLOBAL',
      message: expect.stringContaining(
        "global 'target_pid' is in .rodata, which the kernel froze at load: set it before load with openObject(path, { globals: { target_pid: … } })",
      ),
    });
    expect(object.globals.get('target_pid')).toBe(1);
  });

  it('a closed object’s globals throw CLOSED', () => {
    const closed = openGlobals();
    closed.close();
    expect(thrown(() => closed.globals.get('emitting'))).toMatchObject({ code: 'CLOSED' });
  });
});
