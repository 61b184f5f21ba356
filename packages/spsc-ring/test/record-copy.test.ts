import { afterEach, describe, expect, it, vi } from 'vitest';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { MAX_WORD_COPY_BYTES, RecordCopier } from '../src/record-copy.js';

function dataArea(bytes = 256) {
  const buffer = new SharedArrayBuffer(bytes);
  return {
    bytes: new Uint8Array(buffer),
    copier: new RecordCopier(new Uint8Array(buffer), new Int32Array(buffer)),
  };
}

/** Node 20 has resizable ArrayBuffers; the project's TypeScript lib (ES2022) does not describe them. */
type Resizable = ArrayBuffer & { resize(byteLength: number): void };
const ResizableArrayBuffer = ArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => Resizable;

const pattern = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (seed * 31 + i * 7) & 0xff);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('record copies', () => {
  it('copies a record pushed again and again as words, without TypedArray set after the first', () => {
    const { bytes, copier } = dataArea();
    const record = new Uint8Array(32);
    const set = vi.spyOn(Uint8Array.prototype, 'set');
    for (let i = 0; i < 4; i++) {
      record.set(pattern(32, i));
      const callsBefore = set.mock.calls.length;
      copier.toRing(record, i * 32);
      // The first copy of a new record object goes through set; later ones do not.
      expect(set.mock.calls.length - callsBefore).toBe(i === 0 ? 1 : 0);
      expect(bytes.subarray(i * 32, i * 32 + 32)).toEqual(pattern(32, i));
    }
  });

  it('copies every shape of record byte for byte, word path or not', () => {
    const backing = new Uint8Array(512);
    const shapes = [
      backing.subarray(0, 32), // aligned
      backing.subarray(1, 33), // odd offset
      backing.subarray(4, 10), // length not a multiple of 4
      backing.subarray(0, MAX_WORD_COPY_BYTES + 4), // longer than the word path takes
      new Uint8Array(0),
    ];
    for (const record of shapes) {
      for (const offset of [0, 4, 6]) {
        const { bytes, copier } = dataArea();
        for (let round = 0; round < 3; round++) {
          record.set(pattern(record.length, round));
          copier.toRing(record, offset);
          expect(bytes.subarray(offset, offset + record.length)).toEqual(
            pattern(record.length, round),
          );
        }
      }
    }
  });

  it('reads records back into a reused target as words, and into any other target byte for byte', () => {
    const { bytes, copier } = dataArea();
    bytes.set(pattern(256, 3));
    const reused = new Uint8Array(16);
    for (let i = 0; i < 3; i++) {
      copier.fromRing(reused, i * 16, 16);
      expect(reused).toEqual(pattern(256, 3).subarray(i * 16, i * 16 + 16));
    }
    const shorter = new Uint8Array(16).fill(0xee);
    copier.fromRing(shorter, 20, 6); // fewer bytes than the target holds: its tail stays
    copier.fromRing(shorter, 20, 6);
    expect(shorter.subarray(0, 6)).toEqual(pattern(256, 3).subarray(20, 26));
    expect(shorter.subarray(6)).toEqual(new Uint8Array(10).fill(0xee));
  });

  it('notices a record over a resizable buffer that shrank, and copies what it now holds', () => {
    const { bytes, copier } = dataArea();
    const resizable = new ResizableArrayBuffer(32, { maxByteLength: 64 });
    const record = new Uint8Array(resizable); // tracks the buffer's length
    record.set(pattern(32, 1));
    copier.toRing(record, 0);
    copier.toRing(record, 0); // now the word view exists
    resizable.resize(16);
    bytes.fill(0);
    copier.toRing(record, 64);
    expect(bytes.subarray(64, 96)).toEqual(
      Uint8Array.from([...pattern(32, 1).subarray(0, 16), ...new Uint8Array(16)]),
    );
  });

  it('moves records intact through a fixed ring whose slots are not word-aligned', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 6 });
    const producer = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    const record = new Uint8Array(6);
    const target = new Uint8Array(6);
    for (let i = 0; i < 20; i++) {
      record.set(pattern(6, i));
      expect(producer.tryPush(record)).toBe(true);
      expect(consumer.tryPop(target)).toEqual(pattern(6, i));
    }
  });
});
