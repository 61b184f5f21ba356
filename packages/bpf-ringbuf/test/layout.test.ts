import { describe, expect, it } from 'vitest';
import { expectSameLayout, layoutConstants } from '../../../test-support/layout-agreement.js';
import { requireOrSkip } from '../../../test-support/skip.js';
import * as abi from '../src/abi.js';
import * as layout from '../src/layout.js';
import { nativeUnavailableReason } from '../src/native.js';
import { benchEvent, schedSwitchEvent, syscallEvent } from '../src/programs.js';
import type { FieldSpecs, Schema } from '../src/schema.js';
import { binding } from './helpers/bpf.js';

const skip = requireOrSkip(nativeUnavailableReason() === '', nativeUnavailableReason());

/** SCREAMING_CASE of a camelCase schema field, as src/layout.ts names it. */
function screaming(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
}

describe('the ABI, in TypeScript and as the addon compiled it', () => {
  it.skipIf(skip)('TypeScript and C++ agree on every constant, offset and map name', () => {
    // syscall.getpgid is this build's syscall number, not a layout constant TypeScript defines.
    const { 'syscall.getpgid': getpgid, ...cpp } = binding().abi();
    expect(Number.isInteger(getpgid) && getpgid > 0).toBe(true);
    // ReaderState, an array of names, is numbered: "ReaderState.running" is its index.
    expectSameLayout(layoutConstants(layout), cpp, 70);
  });

  it('the built-in programs’ event schemas read their structs at the layout’s offsets', () => {
    const check = <F extends FieldSpecs>(group: Record<string, number>, schema: Schema<F>) => {
      const { BYTES, ...fields } = group;
      expect(schema.size).toBe(BYTES);
      const offsets = Object.fromEntries(
        Object.entries(schema.fields).map(([field, spec]) => [screaming(field), spec.offset]),
      );
      expect(offsets).toEqual(fields);
    };
    check(layout.SyscallEvent, syscallEvent);
    check(layout.SchedSwitchEvent, schedSwitchEvent);
    check(layout.BenchEvent, benchEvent);
  });

  it('exports the same `abi` as before the layout grew', () => {
    expect(Object.keys(abi).sort()).toEqual([
      'Batch',
      'Bench',
      'Config',
      'KernelRecord',
      'MapName',
      'Policy',
      'ReaderState',
      'Stats',
    ]);
  });
});
