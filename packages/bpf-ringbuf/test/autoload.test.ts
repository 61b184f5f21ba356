import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BpfObject, type OpenOptions, openObject } from '../src/object.js';
import { binding, skipWithoutBpf } from './helpers/bpf.js';

const skip = skipWithoutBpf();
const rejectedObject = join(import.meta.dirname, 'fixtures', 'rejected.bpf.o');

/** The fixture has no ring: load and attach only. */
function openRejected(autoload: OpenOptions['autoload'], programs?: string[]): BpfObject {
  return openObject(rejectedObject, { maps: { ring: null }, autoload, programs });
}

async function callGetpgid(calls: number): Promise<void> {
  await binding().startSyscallLoad({ cpus: [-1], callsPerThread: calls, ratePerSecond: 0 }).done;
}

describe.skipIf(skip)('choosing the programs to load (autoload)', () => {
  let object: BpfObject | undefined;
  afterEach(() => object?.close());

  it('an object holding a program the kernel refuses loads and runs the rest when it is left out', async () => {
    object = openRejected({ ringkit_rejected: false });
    expect(object.attached).toEqual(['ringkit_accepted']);
    expect(object.programs).toEqual(['ringkit_accepted', 'ringkit_optional', 'ringkit_rejected']);
    await callGetpgid(50);
    // Counted system-wide: other processes may call getpgid() too.
    expect(object.globals.get('getpgid_calls')).toBeGreaterThanOrEqual(50n);
    expect(object.globals.get('optional_calls')).toBe(0n);
  });

  it('true loads a program libbpf leaves out by default (section "?…")', async () => {
    object = openRejected({ ringkit_rejected: false, ringkit_optional: true });
    expect([...object.attached].sort()).toEqual(['ringkit_accepted', 'ringkit_optional']);
    await callGetpgid(20);
    expect(object.globals.get('optional_calls')).toBeGreaterThanOrEqual(20n);
  });

  it('programs chooses what is attached among the programs loaded', () => {
    object = openRejected({ ringkit_rejected: false, ringkit_optional: true }, [
      'ringkit_optional',
    ]);
    expect(object.attached).toEqual(['ringkit_optional']);
  });

  it('lists the programs there are when autoload names one that is not', () => {
    expect(() => openRejected({ ringkit_missing: false })).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_PROGRAM',
        message: expect.stringMatching(
          /autoload names program 'ringkit_missing', which is not in .*rejected\.bpf\.o: choose from its programs \('ringkit_accepted', 'ringkit_optional', 'ringkit_rejected'\)\./,
        ),
      }),
    );
  });

  it('refuses to attach a program it was told not to load', () => {
    expect(() => openRejected({ ringkit_rejected: false }, ['ringkit_rejected'])).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: expect.stringContaining(
          "program 'ringkit_rejected' is in programs (to attach) but is not loaded",
        ),
      }),
    );
  });

  it('refuses an autoload value that is not true or false', () => {
    expect(() => openRejected({ ringkit_rejected: 'no' as never })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: 'autoload.ringkit_rejected must be true or false.',
      }),
    );
  });
});
