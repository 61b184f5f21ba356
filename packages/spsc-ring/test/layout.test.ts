import { describe, expect, it } from 'vitest';
import { expectSameLayout, layoutConstants } from '../../../test-support/layout-agreement.js';
import { requireOrSkip } from '../../../test-support/skip.js';
import * as layout from '../src/layout.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';

describe('the layout, in both languages', () => {
  const native = nativeBinding();
  const skip = requireOrSkip(
    native !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)('TypeScript and C++ agree on every constant and offset', () => {
    expectSameLayout(layoutConstants(layout), native!.layout(), 40);
  });

  it('keeps each party on its own 128-byte line', () => {
    const lineOf = (offset: number) => Math.floor(offset / layout.LINE_BYTES);
    for (const offset of Object.values(layout.Descriptor)) expect(lineOf(offset)).toBe(0);
    for (const offset of Object.values(layout.Producer)) expect(lineOf(offset)).toBe(1);
    for (const offset of Object.values(layout.Consumer)) expect(lineOf(offset)).toBe(2);
    for (const offset of Object.values(layout.Notification)) expect(lineOf(offset)).toBe(3);
    expect(layout.DATA_OFFSET % 64).toBe(0);
  });

  it('writes "RING" as the first four bytes', () => {
    const bytes = new Uint8Array(new Uint32Array([layout.MAGIC]).buffer);
    expect(String.fromCharCode(...bytes)).toBe('RING');
  });
});
