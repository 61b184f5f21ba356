import { describe, expect, it } from 'vitest';
import { expectSameLayout, layoutConstants } from '../../../test-support/layout-agreement.js';
import * as layout from '../src/layout.js';
import { requireNative } from '../src/native.js';
import { STATISTICS_BYTE_LENGTH } from '../src/statistics.js';
import { skipWithoutAddon } from './helpers.js';

describe('the statistics block layout, in both languages', () => {
  it.skipIf(skipWithoutAddon)('TypeScript and C++ agree on every constant and offset', () => {
    const cpp = requireNative('the layout test').statisticsLayout();
    expectSameLayout(layoutConstants(layout), cpp, 16);
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

  it('writes "CMDR" as the first four bytes', () => {
    const bytes = new Uint8Array(new Uint32Array([layout.MAGIC]).buffer);
    expect(String.fromCharCode(...bytes)).toBe('CMDR');
  });
});
