import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import * as abi from '../src/abi.js';
import * as layout from '../src/layout.js';
import { nativeUnavailableReason } from '../src/native.js';
import { benchEvent, schedSwitchEvent, syscallEvent } from '../src/programs.js';
import type { FieldSpecs, Schema } from '../src/schema.js';
import { binding } from './helpers/bpf.js';

const skip = requireOrSkip(nativeUnavailableReason() === '', nativeUnavailableReason());

/**
 * Every constant of src/layout.ts, flattened as "Group.NAME". An array of names
 * (ReaderState) numbers them: "ReaderState.running" is its index, 1.
 */
function tsConstants(): Record<string, number | string> {
  const flat: Record<string, number | string> = {};
  for (const [name, value] of Object.entries(layout)) {
    if (typeof value === 'number') flat[name] = value;
    else if (Array.isArray(value))
      for (const [index, element] of value.entries()) flat[`${name}.${element}`] = index;
    else if (typeof value === 'object' && value !== null) {
      for (const [field, fieldValue] of Object.entries(value))
        flat[`${name}.${field}`] = fieldValue as number | string;
    }
  }
  return flat;
}

/** SCREAMING_CASE of a camelCase schema field, as src/layout.ts names it. */
function screaming(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
}

describe('the ABI, in TypeScript and as the addon compiled it', () => {
  it.skipIf(skip)('TypeScript and C++ agree on every constant, offset and map name', () => {
    // syscall.getpgid is this build's syscall number, not a layout constant TypeScript defines.
    const { 'syscall.getpgid': getpgid, ...cpp } = binding().abi();
    expect(Number.isInteger(getpgid) && getpgid > 0).toBe(true);
    const ts = tsConstants();
    expect(Object.keys(ts).length).toBeGreaterThan(60);
    expect(Object.keys(cpp).sort()).toEqual(Object.keys(ts).sort());
    for (const [name, value] of Object.entries(ts))
      expect({ name, value: cpp[name] }).toEqual({ name, value });
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
