import { describe, expect, it } from 'vitest';
import { Batch, KernelRecord } from '../src/abi.js';
import { EventBatch } from '../src/batch.js';
import { benchEvent } from '../src/programs.js';
import { defineSchema } from '../src/schema.js';
import { readBatchInPlace, readBatchThroughAccessors } from './helpers/in-place.js';

interface RecordSpec {
  readonly events: readonly { tid: number; index: number }[];
  readonly word?: number;
  readonly discarded?: boolean;
}

/** A batch as the reader thread writes it, at `offset` of a fresh buffer. */
function writeBatch(
  records: readonly RecordSpec[],
  options: { ring?: number; merged?: boolean; offset?: number } = {},
) {
  const offset = options.offset ?? 8;
  const view = new DataView(new ArrayBuffer(256 * 1024));
  let cursor = offset + Batch.HEADER_BYTES;
  let kept = 0;
  for (const record of records) {
    const length = record.events.length * benchEvent.size;
    view.setUint32(cursor, length | (record.discarded ? KernelRecord.DISCARD_BIT : 0), true);
    view.setUint32(cursor + 4, record.word ?? 0, true);
    record.events.forEach((event, index) => {
      const at = cursor + 8 + index * benchEvent.size;
      view.setUint32(at, 1000 + event.index, true);
      view.setUint32(at + 12, event.tid, true);
      view.setUint32(at + 16, event.index, true);
    });
    cursor += 8 + ((length + 7) & ~7);
    if (!record.discarded) kept++;
  }
  const dataBytes = cursor - offset - Batch.HEADER_BYTES;
  view.setUint32(
    offset + Batch.RING,
    options.merged ? Batch.MERGED_RING_INDEX : (options.ring ?? 0),
    true,
  );
  view.setUint32(offset + Batch.RECORDS, kept, true);
  view.setUint32(offset + Batch.DATA_BYTES, dataBytes, true);
  view.setUint32(offset + Batch.FLAGS, options.merged ? Batch.MERGED : 0, true);
  return { view, offset, length: Batch.HEADER_BYTES + dataBytes };
}

describe('EventBatch', () => {
  it('splits records into events, skips discarded records and reads fields in place', () => {
    const { view, offset, length } = writeBatch(
      [
        { events: [{ tid: 7, index: 0 }] },
        { events: [{ tid: 9, index: 0 }], discarded: true },
        {
          events: [
            { tid: 7, index: 1 },
            { tid: 7, index: 2 },
            { tid: 7, index: 3 },
          ],
        },
      ],
      { ring: 1 },
    );
    const batch = new EventBatch(view, benchEvent);
    batch.load(offset, length);
    expect(batch.length).toBe(4);
    expect(batch.records).toBe(2);
    expect(batch.bytes).toBe(4 * benchEvent.size);
    expect(batch.ring).toBe(1);
    expect(batch.merged).toBe(false);
    expect([0, 1, 2, 3].map((i) => batch.get.index(i))).toEqual([0, 1, 2, 3]);
    expect(batch.get.tid(3)).toBe(7);
    expect(batch.ringOf(2)).toBe(1);
    expect(batch.toObjects()[1]).toMatchObject({ tid: 7, index: 1, timestampNs: 1001 });
    expect(() => batch.get.tid(4)).toThrow(RangeError);
  });

  it('gives each event of a merged batch the ring it came from', () => {
    const { view, offset, length } = writeBatch(
      [
        { events: [{ tid: 1, index: 0 }], word: 0 },
        { events: [{ tid: 2, index: 0 }], word: 1 },
      ],
      { merged: true },
    );
    const batch = new EventBatch(view, benchEvent);
    batch.load(offset, length);
    expect(batch.merged).toBe(true);
    expect(batch.ring).toBe(-1);
    expect([batch.ringOf(0), batch.ringOf(1)]).toEqual([0, 1]);
  });

  it('without a schema, each record is one event of its own length', () => {
    const { view, offset, length } = writeBatch([
      {
        events: [
          { tid: 1, index: 0 },
          { tid: 1, index: 1 },
        ],
      },
      { events: [{ tid: 1, index: 2 }] },
    ]);
    const batch = new EventBatch(view, null);
    batch.load(offset, length);
    expect(batch.length).toBe(2);
    expect([batch.lengthOf(0), batch.lengthOf(1)]).toEqual([48, 24]);
    expect(batch.offsetOf(1) - batch.offsetOf(0)).toBe(8 + 48);
  });

  it('says so when records are not whole events of the schema', () => {
    const { view, offset, length } = writeBatch([{ events: [{ tid: 1, index: 0 }] }]);
    view.setUint32(offset + Batch.HEADER_BYTES, 20, true);
    const batch = new EventBatch(view, benchEvent);
    expect(() => batch.load(offset, length)).toThrow(
      /not a whole number of 24-byte "bench" events/,
    );
  });

  it('reports a batch whose records run past its end instead of reading on', () => {
    const { view, offset, length } = writeBatch([{ events: [{ tid: 1, index: 0 }] }]);
    view.setUint32(offset + Batch.HEADER_BYTES, 4000, true);
    const batch = new EventBatch(view, benchEvent);
    expect(() => batch.load(offset, length)).toThrow(
      expect.objectContaining({ code: 'READER_FAILED' }),
    );
    view.setUint32(offset + Batch.DATA_BYTES, 1 << 20, true);
    expect(() => batch.load(offset, length)).toThrow(/says 1048576 data bytes/);
  });

  it('grows its index for batches of many events', () => {
    const records = Array.from({ length: 300 }, (_, r) => ({
      events: Array.from({ length: 16 }, (_, i) => ({ tid: r, index: i })),
    }));
    const { view, offset, length } = writeBatch(records);
    const batch = new EventBatch(view, benchEvent);
    batch.load(offset, length);
    expect(batch.length).toBe(4800);
    expect(batch.get.tid(4799)).toBe(299);
    expect(batch.get.index(4799)).toBe(15);
  });

  it('reads every field type the same from a word-aligned batch and an unaligned one', () => {
    const wide = defineSchema({
      name: 'wide',
      size: 40,
      fields: {
        count: { offset: 0, type: 'u64' },
        delta: { offset: 8, type: 'i64' },
        level: { offset: 16, type: 'i32' },
        pid: { offset: 20, type: 'u32' },
        ratio: { offset: 24, type: 'f64' },
        port: { offset: 32, type: 'u16' },
        flag: { offset: 34, type: 'u8' },
        name: { offset: 35, type: 'char[5]' },
      },
    });
    const expected = {
      count: 2 ** 40 + 7,
      delta: -(2 ** 35) - 3,
      level: -5,
      pid: 0xfffffff0,
      ratio: 0.25,
      port: 443,
      flag: 1,
      name: 'abc',
    };
    // At 8 the reader's alignment (word reads), at 9 none (DataView reads).
    for (const offset of [8, 9]) {
      const view = new DataView(new ArrayBuffer(4096));
      const payload = offset + Batch.HEADER_BYTES + KernelRecord.HEADER_BYTES;
      view.setUint32(offset + Batch.HEADER_BYTES, wide.size, true);
      view.setBigUint64(payload, BigInt(expected.count), true);
      view.setBigInt64(payload + 8, BigInt(expected.delta), true);
      view.setInt32(payload + 16, expected.level, true);
      view.setUint32(payload + 20, expected.pid, true);
      view.setFloat64(payload + 24, expected.ratio, true);
      view.setUint16(payload + 32, expected.port, true);
      view.setUint8(payload + 34, expected.flag);
      for (const [i, char] of [...'abc'].entries())
        view.setUint8(payload + 35 + i, char.charCodeAt(0));
      const dataBytes = KernelRecord.HEADER_BYTES + wide.size;
      view.setUint32(offset + Batch.DATA_BYTES, dataBytes, true);
      const batch = new EventBatch(view, wide);
      batch.load(offset, Batch.HEADER_BYTES + dataBytes);
      expect(batch.toObjects()).toEqual([expected]);
      const { get } = batch;
      expect(Object.keys(expected).map((field) => get[field as keyof typeof get](0))).toEqual(
        Object.values(expected),
      );
      expect(batch.lengthOf(0)).toBe(wide.size);
    }
  });

  it('rejects event indices that are fractions, negative or past the end', () => {
    const { view, offset, length } = writeBatch([{ events: [{ tid: 3, index: 0 }] }]);
    const batch = new EventBatch(view, benchEvent);
    batch.load(offset, length);
    expect(batch.get.tid(0)).toBe(3);
    for (const index of [0.5, -1, 1, Number.NaN, 2 ** 32])
      expect(() => batch.get.tid(index)).toThrow(RangeError);
  });
});

describe('EventBatch, read in place (offsets and views)', () => {
  const threeRecords: RecordSpec[] = [
    { events: [{ tid: 7, index: 0 }] },
    { events: [{ tid: 9, index: 0 }], discarded: true },
    {
      events: [
        { tid: 7, index: 1 },
        { tid: 7, index: 2 },
        { tid: 7, index: 3 },
      ],
    },
    { events: [{ tid: 8, index: 4 }] },
  ];

  it('reads through offsets and views exactly what get and toObjects() read', () => {
    const { view, offset, length } = writeBatch(threeRecords, { ring: 1 });
    const batch = new EventBatch(view, benchEvent);
    batch.load(offset, length);
    expect(batch.wordAligned).toBe(true);
    expect(batch.offsets.length).toBe(batch.length);
    expect(Array.from(batch.offsets)).toEqual([0, 1, 2, 3, 4].map((i) => batch.offsetOf(i)));
    const inPlace = readBatchInPlace(batch);
    expect(inPlace).toEqual(batch.toObjects());
    expect(inPlace).toEqual(readBatchThroughAccessors(batch));
    expect(inPlace.map((event) => event.tid)).toEqual([7, 7, 7, 7, 8]);
  });

  it('gives a merged batch the same offsets and reads, each event keeping its ring', () => {
    const { view, offset, length } = writeBatch(
      [
        { events: [{ tid: 1, index: 0 }], word: 1 },
        { events: [{ tid: 2, index: 0 }], word: 0 },
        { events: [{ tid: 3, index: 1 }], word: 1 },
      ],
      { merged: true },
    );
    const batch = new EventBatch(view, benchEvent);
    batch.load(offset, length);
    expect(batch.merged).toBe(true);
    expect(readBatchInPlace(batch)).toEqual(batch.toObjects());
    expect(readBatchInPlace(batch).map((event) => event.tid)).toEqual([1, 2, 3]);
    expect([0, 1, 2].map((i) => batch.ringOf(i))).toEqual([1, 0, 1]);
  });

  it('without a schema, gives each record’s payload offset', () => {
    const { view, offset, length } = writeBatch(threeRecords);
    const batch = new EventBatch(view, null);
    batch.load(offset, length);
    expect(batch.length).toBe(3);
    expect(batch.wordAligned).toBe(true);
    expect(readBatchInPlace(batch)).toEqual(readBatchThroughAccessors(batch));
    // Each record's first event: its timestamp's low byte is 1000 + index.
    expect(readBatchInPlace(batch).map((event) => event.firstByte)).toEqual([
      1000 & 0xff,
      1001 & 0xff,
      1004 & 0xff,
    ]);
  });

  it('reads an unaligned batch through views.dataView, and says it is not word-aligned', () => {
    const { view, offset, length } = writeBatch(threeRecords, { offset: 9 });
    const batch = new EventBatch(view, benchEvent);
    batch.load(offset, length);
    expect(batch.wordAligned).toBe(false);
    expect(readBatchInPlace(batch)).toEqual(batch.toObjects());
  });

  it('reads f64 fields through views.f64 where events are 8-byte aligned', () => {
    const sample = defineSchema({
      name: 'sample',
      size: 16,
      fields: { ratio: { offset: 0, type: 'f64' }, id: { offset: 8, type: 'u32' } },
    });
    const view = new DataView(new ArrayBuffer(4096));
    const start = 8 + Batch.HEADER_BYTES;
    view.setUint32(start, 2 * sample.size, true);
    for (const [i, ratio] of [0.5, -3.25].entries()) {
      view.setFloat64(start + 8 + i * 16, ratio, true);
      view.setUint32(start + 8 + i * 16 + 8, i, true);
    }
    view.setUint32(8 + Batch.DATA_BYTES, 8 + 2 * sample.size, true);
    const batch = new EventBatch(view, sample);
    batch.load(8, Batch.HEADER_BYTES + 8 + 2 * sample.size);
    const { offsets, views } = batch;
    expect(Array.from(offsets, (at) => views.f64[at >>> 3])).toEqual([0.5, -3.25]);
    expect(readBatchInPlace(batch)).toEqual(batch.toObjects());
  });

  it('offsets holds exactly the current batch’s events; views stay the same objects', () => {
    const first = writeBatch(threeRecords);
    const batch = new EventBatch(first.view, benchEvent);
    batch.load(first.offset, first.length);
    const views = batch.views;
    expect(batch.offsets.length).toBe(5);
    // A second, shorter batch in the same data area, further on.
    const at = first.offset + first.length + 8;
    const cursor = at + Batch.HEADER_BYTES;
    first.view.setUint32(cursor, benchEvent.size, true);
    first.view.setUint32(cursor + 8 + 12, 42, true);
    first.view.setUint32(at + Batch.DATA_BYTES, 8 + benchEvent.size, true);
    batch.load(at, Batch.HEADER_BYTES + 8 + benchEvent.size);
    expect(batch.offsets.length).toBe(1);
    expect(batch.offsets[0]).toBe(cursor + 8);
    expect(batch.offsets[1]).toBeUndefined(); // past length: the caller's error, never stale data
    expect(batch.views).toBe(views);
    expect(views.u32[(batch.offsets[0]! + benchEvent.fields.tid.offset) >>> 2]).toBe(42);
  });

  it('keeps checking records once their length has been seen, and when it changes', () => {
    const { view, offset, length } = writeBatch([
      { events: [{ tid: 1, index: 0 }] },
      { events: [{ tid: 1, index: 1 }] },
      { events: [{ tid: 1, index: 2 }] },
    ]);
    // The third record says 20 bytes: not a whole 24-byte event, after two that were.
    view.setUint32(offset + Batch.HEADER_BYTES + 2 * (8 + benchEvent.size), 20, true);
    const batch = new EventBatch(view, benchEvent);
    expect(() => batch.load(offset, length)).toThrow(
      /a 20-byte record is not a whole number of 24-byte "bench" events/,
    );
  });

  it('stops at a record still being written, after records of the same length', () => {
    const { view, offset } = writeBatch([
      { events: [{ tid: 1, index: 0 }] },
      { events: [{ tid: 1, index: 1 }] },
      { events: [{ tid: 1, index: 2 }] },
    ]);
    const start = offset + Batch.HEADER_BYTES;
    const busy = start + 2 * (8 + benchEvent.size);
    view.setUint32(busy, benchEvent.size | KernelRecord.BUSY_BIT, true);
    const batch = new EventBatch(view, benchEvent);
    expect(batch.loadKernelRun(3, start, start + 3 * (8 + benchEvent.size))).toBe(busy);
    expect(batch.length).toBe(2);
    expect(batch.offsets.length).toBe(2);
    expect(batch.ring).toBe(3);
  });
});
