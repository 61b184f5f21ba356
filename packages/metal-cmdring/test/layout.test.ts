import { describe, expect, it } from 'vitest';
import { expectSameLayout, layoutConstants } from '../../../test-support/layout-agreement.js';
import * as layout from '../src/layout.js';
import { requireNative } from '../src/native.js';
import { STATISTICS_BYTE_LENGTH } from '../src/statistics.js';
import { skipWithoutAddon } from './helpers.js';

describe('the statistics block and completion record layouts, in both languages', () => {
  it.skipIf(skipWithoutAddon)('TypeScript and C++ agree on every constant and offset', () => {
    const cpp = requireNative('the layout test').statisticsLayout();
    expectSameLayout(layoutConstants(layout), cpp, 31);
  });

  it('packs the u32 words, then the f64 counters, inside one 128-byte line', () => {
    const words = Object.values(layout.Word);
    const counters = Object.values(layout.Counter);
    expect(words).toEqual(words.map((_, i) => i * 4));
    expect(counters).toEqual(counters.map((_, i) => words.length * 4 + i * 8));
    expect(counters.at(-1)! + 8).toBe(layout.FIELDS_END);
    expect(layout.FIELDS_END).toBeLessThanOrEqual(layout.BYTE_LENGTH);
    expect(layout.BYTE_LENGTH % layout.ALIGNMENT).toBe(0);
    expect(STATISTICS_BYTE_LENGTH).toBe(layout.BYTE_LENGTH);
  });

  it('packs a completion record: three u64s, then four u32s, filling RECORD_BYTES', () => {
    const { Field, RECORD_BYTES, CAPACITY } = layout.Completion;
    expect([Field.FENCE, Field.START_NS, Field.END_NS]).toEqual([0, 8, 16]);
    expect([Field.SLOT, Field.STATUS, Field.ERROR_CODE, Field.OP_COUNT]).toEqual([24, 28, 32, 36]);
    expect(Field.OP_COUNT + 4).toBe(RECORD_BYTES);
    expect(RECORD_BYTES % 8).toBe(0);
    expect(CAPACITY & (CAPACITY - 1)).toBe(0);
  });

  it('writes "CMDR" as the first four bytes', () => {
    const bytes = new Uint8Array(new Uint32Array([layout.MAGIC]).buffer);
    expect(String.fromCharCode(...bytes)).toBe('CMDR');
  });
});
