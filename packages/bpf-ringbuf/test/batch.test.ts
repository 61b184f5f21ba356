import { describe, expect, it } from 'vitest';
import { Batch, KernelRecord } from '../src/abi.js';
import { EventBatch } from '../src/batch.js';
import { benchEvent } from '../src/programs.js';

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
});
