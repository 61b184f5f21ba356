import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { Batch, Bench, Config, KernelRecord, Policy, Stats } from '../src/abi.js';
import { nativeUnavailableReason } from '../src/native.js';
import { benchEvent, schedSwitchEvent, syscallEvent } from '../src/programs.js';
import type { FieldSpecs, Schema } from '../src/schema.js';
import { binding } from './helpers/bpf.js';

const skip = requireOrSkip(nativeUnavailableReason() === '', nativeUnavailableReason());

/** camelCase of a SCREAMING_CASE constant name, as abi() keys them. */
function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

describe.skipIf(skip)('TypeScript, the BPF programs and the reader thread agree on the ABI', () => {
  it('the config record, policies and bench limits', () => {
    const abi = binding().abi();
    for (const [name, value] of Object.entries(Config))
      expect([name, abi[name === 'BYTES' ? 'config.bytes' : `config.${camel(name)}`]]).toEqual([
        name,
        value,
      ]);
    for (const [name, value] of Object.entries(Policy))
      expect(abi[`policy.${camel(name)}`]).toBe(value);
    expect(abi['bench.maxEventsPerRecord']).toBe(Bench.MAX_EVENTS_PER_RECORD);
    expect(abi['bench.maxEventsPerSyscall']).toBe(Bench.MAX_EVENTS_PER_SYSCALL);
  });

  it('the batch and record framing and the stats block', () => {
    const abi = binding().abi();
    expect(abi['batch.type']).toBe(Batch.TYPE);
    expect(abi['batch.headerBytes']).toBe(Batch.HEADER_BYTES);
    expect(abi['batch.mergedFlag']).toBe(Batch.MERGED);
    expect(abi['batch.mergedRingIndex']).toBe(Batch.MERGED_RING_INDEX);
    expect(abi['record.headerBytes']).toBe(KernelRecord.HEADER_BYTES);
    expect(abi['record.discardBit']).toBe(KernelRecord.DISCARD_BIT);
    expect(abi['record.busyBit']).toBe(KernelRecord.BUSY_BIT);
    for (const [name, value] of Object.entries(Stats))
      expect([name, abi[`stats.${camel(name)}`]]).toEqual([name, value]);
  });

  it('the built-in programs’ event schemas match their C structs', () => {
    const abi = binding().abi();
    const check = <F extends FieldSpecs>(prefix: string, schema: Schema<F>) => {
      expect(abi[`${prefix}.bytes`]).toBe(schema.size);
      for (const [field, spec] of Object.entries(schema.fields))
        expect([field, abi[`${prefix}.${field}`]]).toEqual([field, spec.offset]);
    };
    check('syscallEvent', syscallEvent);
    check('schedSwitchEvent', schedSwitchEvent);
    check('benchEvent', benchEvent);
  });
});
