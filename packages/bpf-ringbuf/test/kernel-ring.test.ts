import { describe, expect, it } from 'vitest';
import { KernelRecord } from '../src/abi.js';
import { EventBatch } from '../src/batch.js';
import { KernelRing } from '../src/kernel-ring.js';
import { benchEvent } from '../src/programs.js';

const PAGE = 4096;
const BYTES = 4096;

/**
 * A kernel ring laid out as mapRing() hands it over — consumer page; producer page, then
 * the data twice — written as the kernel writes it, starting at free-running `position`.
 */
function fakeRing(position: bigint) {
  const consumer = new ArrayBuffer(PAGE);
  const producer = new ArrayBuffer(PAGE + 2 * BYTES);
  const consumerPosition = new BigUint64Array(consumer, 0, 1);
  const producerPosition = new BigUint64Array(producer, 0, 1);
  consumerPosition[0] = position;
  producerPosition[0] = position;
  const data = new Uint8Array(producer, PAGE);
  /** Appends a record of `tids.length` bench events with these header bits; returns its offset. */
  const append = (tids: readonly number[], bits = 0) => {
    const at = Number(producerPosition[0]! % BigInt(BYTES));
    const length = tids.length * benchEvent.size;
    const record = new DataView(new ArrayBuffer(KernelRecord.HEADER_BYTES + length));
    record.setUint32(0, length | bits, true);
    for (const [index, tid] of tids.entries())
      record.setUint32(8 + index * benchEvent.size + 12, tid, true);
    // The same bytes at both mappings of the data: a record that wraps reads whole.
    for (let byte = 0; byte < record.byteLength; byte++) {
      const index = (at + byte) % BYTES;
      data[index] = record.getUint8(byte);
      data[index + BYTES] = record.getUint8(byte);
    }
    producerPosition[0]! += BigInt((record.byteLength + 7) & ~7);
    return at;
  };
  const ring = new KernelRing({ consumer, producer, pageBytes: PAGE }, BYTES);
  const batch = new EventBatch(ring.data, benchEvent);
  /** One walk, as the direct reader makes it: the batch, and the bytes it took. */
  const walk = () => {
    const waiting = ring.waiting();
    const taken = batch.loadKernelRun(0, ring.start, ring.start + waiting) - ring.start;
    return { taken, tids: Array.from({ length: batch.length }, (_, i) => batch.get.tid(i)) };
  };
  return { ring, batch, append, walk, consumerPosition, producerPosition };
}

describe('KernelRing and EventBatch.loadKernelRun: the direct reader walk', () => {
  it('reads every committed record in place, skipping and counting discarded ones', () => {
    const fake = fakeRing(0n);
    fake.append([1]);
    fake.append([2], KernelRecord.DISCARD_BIT);
    fake.append([3, 4]);
    const { taken, tids } = fake.walk();
    expect(tids).toEqual([1, 3, 4]);
    expect(fake.batch.records).toBe(2);
    expect(fake.batch.discarded).toBe(1);
    expect(taken).toBe(32 + 32 + 56);
  });

  it('stops at a record still being written and takes it on the next walk', () => {
    const fake = fakeRing(0n);
    fake.append([1]);
    const busyAt = fake.append([2], KernelRecord.BUSY_BIT);
    fake.append([3]);
    const first = fake.walk();
    expect(first.tids).toEqual([1]);
    fake.ring.release(first.taken);
    expect(fake.consumerPosition[0]).toBe(32n);
    // The kernel commits it: the BUSY bit is cleared.
    const header = new DataView(fake.ring.data.buffer, fake.ring.data.byteOffset);
    header.setUint32(busyAt, benchEvent.size, true);
    header.setUint32(busyAt + BYTES, benchEvent.size, true);
    expect(fake.walk().tids).toEqual([2, 3]);
  });

  it('indexes runs of one-event records and leaves them exactly where another kind begins', () => {
    // One-event committed records take the fast run; each other kind ends it and the
    // general loop goes on, then the fast run picks up again on the next walk.
    const fake = fakeRing(0n);
    const singles = (from: number, count: number) => {
      for (let tid = from; tid < from + count; tid++) fake.append([tid]);
    };
    singles(1, 20);
    fake.append([100], KernelRecord.DISCARD_BIT);
    singles(21, 5);
    fake.append([26, 27]);
    singles(28, 3);
    fake.append([31], KernelRecord.BUSY_BIT);
    singles(32, 2);
    const first = fake.walk();
    expect(first.tids).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
    expect(fake.batch.records).toBe(29);
    expect(fake.batch.bytes).toBe(30 * benchEvent.size);
    expect(fake.batch.discarded).toBe(1);
    expect(first.taken).toBe(28 * 32 + 32 + 56);
    expect(Array.from(fake.batch.offsets.slice(0, 3))).toEqual([8, 40, 72]);
    fake.ring.release(first.taken);
    expect(fake.walk().tids).toEqual([]);
  });

  it('reports a one-event record whose payload would run past what the producer committed', () => {
    const fake = fakeRing(0n);
    fake.append([1]);
    fake.append([2]);
    // The run ends 16 bytes into the second record: its header fits, its payload does not.
    expect(() => fake.batch.loadKernelRun(0, 0, 48)).toThrow(/runs past the batch/);
  });

  it("reads a record that wraps past the ring's end whole, through the second mapping", () => {
    // 8 bytes before the end: the header fits, the payload wraps.
    const fake = fakeRing(BigInt(BYTES - 8));
    fake.append([7, 8]);
    const { tids } = fake.walk();
    expect(fake.ring.start).toBe(BYTES - 8);
    expect(tids).toEqual([7, 8]);
    expect(fake.batch.offsetOf(1)).toBeGreaterThan(BYTES);
  });

  it('keeps positions exact past 2^53 and publishes the consumer position once per release', () => {
    const start = 2n ** 60n + 24n;
    const fake = fakeRing(start);
    fake.append([1]);
    fake.append([2]);
    const { taken, tids } = fake.walk();
    expect(tids).toEqual([1, 2]);
    expect(fake.consumerPosition[0]).toBe(start);
    fake.ring.release(taken);
    expect(fake.consumerPosition[0]).toBe(start + 64n);
    expect(fake.ring.waiting()).toBe(0);
  });
});
