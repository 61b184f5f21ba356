import { describe, expect, it } from 'vitest';
import { requireNative } from '../src/native.js';
import {
  STATISTICS_BYTE_LENGTH,
  STATISTICS_MAGIC,
  STATISTICS_VERSION,
  statisticsFields,
  statisticsFieldTypes,
} from '../src/statistics.js';
import { skipWithoutAddon } from './helpers.js';

describe.skipIf(skipWithoutAddon)('the statistics block layout', () => {
  it('is the same in TypeScript and C++ (stats_layout.hpp)', () => {
    const native = requireNative('the layout test').statisticsLayout();
    expect(native.magic).toBe(STATISTICS_MAGIC);
    expect(native.version).toBe(STATISTICS_VERSION);
    expect(native.byteLength).toBe(STATISTICS_BYTE_LENGTH);
    const mirrored = Object.entries(statisticsFields).map(([name, offset]) => ({
      name,
      offset,
      type: statisticsFieldTypes[name as keyof typeof statisticsFields],
    }));
    expect(mirrored).toEqual(native.fields);
  });
});
