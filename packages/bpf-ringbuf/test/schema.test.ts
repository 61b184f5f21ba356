import { describe, expect, it } from 'vitest';
import { defineSchema, fieldReader } from '../src/schema.js';

describe('event schemas', () => {
  it('reads every field type little-endian, u64 without BigInt', () => {
    const view = new DataView(new ArrayBuffer(40));
    view.setUint8(0, 200);
    view.setUint16(2, 60_000, true);
    view.setUint32(4, 4_000_000_000, true);
    view.setBigUint64(8, 2n ** 52n + 7n, true);
    view.setInt32(16, -5, true);
    view.setBigInt64(24, -(2n ** 40n), true);
    new Uint8Array(view.buffer, 32, 8).set([104, 105, 0, 120]);
    const read = (offset: number, type: Parameters<typeof fieldReader>[0]['type']) =>
      fieldReader({ offset, type })(view, 0);
    expect(read(0, 'u8')).toBe(200);
    expect(read(2, 'u16')).toBe(60_000);
    expect(read(4, 'u32')).toBe(4_000_000_000);
    expect(read(8, 'u64')).toBe(2 ** 52 + 7);
    expect(read(16, 'i32')).toBe(-5);
    expect(read(24, 'i64')).toBe(-(2 ** 40));
    expect(read(32, 'char[8]')).toBe('hi');
  });

  it('refuses fields outside the event, misaligned fields, unknown types and a bad timestamp', () => {
    const bad =
      (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      () =>
        defineSchema({ name: 'x', size: 16, fields: fields as never, ...extra });
    expect(bad({ a: { offset: 12, type: 'u64' } })).toThrow(
      /does not lie inside the 16-byte event/,
    );
    expect(bad({ a: { offset: 2, type: 'u32' } })).toThrow(/not aligned to 4 bytes/);
    expect(bad({ a: { offset: 0, type: 'u128' } })).toThrow(/unknown type "u128"/);
    expect(bad({ a: { offset: 0, type: 'u32' } }, { timestamp: 'a' })).toThrow(
      /must name a u64 field/,
    );
    expect(() => defineSchema({ name: 'x', size: 0, fields: {} })).toThrow(
      /size must be a positive/,
    );
    expect(bad({ a: { offset: 0, type: 'u32' } })).not.toThrow();
  });
});
