import { describe, expect, it } from 'vitest';
import { ByteConsumer, ByteProducer } from '../src/byte-ring.js';
import { createRing } from '../src/header.js';
import { Record } from '../src/layout.js';

function ring(capacity = 256, fullPolicy: 'drop' | 'block' = 'drop', maxRecord?: number) {
  const buffer = createRing({
    kind: 'bytes',
    capacity,
    fullPolicy,
    ...(maxRecord === undefined ? {} : { maxRecord }),
  });
  return { buffer, producer: ByteProducer.attach(buffer), consumer: ByteConsumer.attach(buffer) };
}

const payload = (length: number, fill: number) => new Uint8Array(length).fill(fill);

function drainAll(consumer: ByteConsumer) {
  const seen: { type: number; length: number; first: number | undefined }[] = [];
  consumer.drain((data, offset, length, type) =>
    seen.push({ type, length, first: length > 0 ? data[offset] : undefined }),
  );
  return seen;
}

describe('byte-record ring', () => {
  it('frames each record as [length][type][payload], 8-byte aligned', () => {
    const { producer, consumer } = ring();
    producer.tryPush(payload(3, 0xaa), 7);
    const words = new Uint32Array(producer.buffer, producer.descriptor.dataOffset, 4);
    expect([words[0], words[1]]).toEqual([3, 7]);
    expect(producer.stats().used).toBe(16);
    expect(consumer.tryPop()).toEqual({ type: 7, payload: payload(3, 0xaa) });
  });

  it('refuses a payload that is not a Uint8Array, in one sentence, and counts nothing', () => {
    const { producer } = ring();
    expect(() => producer.tryPush('abc' as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTIONS',
        message: 'a payload must be a Uint8Array, got a string.',
      }),
    );
    expect(() => producer.pushBatch([new Uint8Array(4), new Float64Array(1)] as never)).toThrow(
      expect.objectContaining({ message: 'payload 1 must be a Uint8Array, got a Float64Array.' }),
    );
    expect(producer.stats()).toMatchObject({ pushed: 0, dropped: 0, used: 0 });
  });

  it('delivers records of every length, including empty ones, in order', () => {
    const { producer, consumer } = ring(1024);
    for (let length = 0; length <= 20; length++) producer.tryPush(payload(length, length), length);
    const seen = drainAll(consumer);
    expect(seen.map((record) => record.length)).toEqual([...Array(21).keys()]);
    expect(seen.every((record) => record.type === record.length)).toBe(true);
  });

  it('writes a padding record at the wrap so every record stays contiguous', () => {
    const { producer, consumer } = ring(256); // max record 24
    for (let i = 0; i < 7; i++) producer.tryPush(payload(24, i)); // 7 × 32 = 224 bytes
    drainAll(consumer);
    expect(producer.tryPush(payload(24, 9), 3)).toBe(true); // 32 left: fits exactly
    expect(producer.tryPush(payload(20, 8), 4)).toBe(true); // wraps: starts at 0
    const seen = drainAll(consumer);
    expect(seen).toEqual([
      { type: 3, length: 24, first: 9 },
      { type: 4, length: 20, first: 8 },
    ]);
    expect(producer.stats().pushed).toBe(9);
  });

  it('skips padding when the record after it is written at the start', () => {
    const { producer, consumer } = ring(256);
    for (let i = 0; i < 6; i++) producer.tryPush(payload(24, i)); // 192 bytes, 64 left
    drainAll(consumer);
    producer.tryPush(payload(24, 1)); // 224
    const words = new Uint32Array(producer.buffer, producer.descriptor.dataOffset, 64);
    producer.tryPush(payload(24, 2)); // needs 32, 32 left → fits at 224
    producer.tryPush(payload(16, 3)); // wraps to 0, no padding needed (exactly at end)
    expect(drainAll(consumer).map((record) => record.first)).toEqual([1, 2, 3]);
    producer.tryPush(payload(24, 4)); // at 24
    for (let i = 0; i < 5; i++) producer.tryPush(payload(24, 5)); // 56..216
    drainAll(consumer);
    expect(producer.tryPush(payload(24, 6), 6)).toBe(true); // 40 left at 216: fits
    expect(producer.tryPush(payload(8, 7), 7)).toBe(true); // 8 left at 248 → padding, then at 0
    expect(words[248 / 4 + 1]).toBe(Record.PADDING_TYPE);
    expect(drainAll(consumer).map((record) => record.type)).toEqual([6, 7]);
  });

  it('refuses a record over the max record with a clear error', () => {
    const { producer } = ring(256, 'drop', 16);
    expect(() => producer.tryPush(payload(17, 0))).toThrow(
      /record of 17 bytes exceeds this ring's max record of 16 bytes/,
    );
  });

  it('refuses the padding type for user records', () => {
    const { producer } = ring();
    expect(() => producer.tryPush(payload(1, 0), Record.PADDING_TYPE)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
  });

  it('counts a record that does not fit as dropped, and pushes it once there is room', () => {
    const { producer, consumer } = ring(256);
    let pushed = 0;
    while (producer.tryPush(payload(24, 1))) pushed++;
    expect(pushed).toBe(8);
    expect(producer.stats().dropped).toBe(1);
    consumer.tryPop();
    expect(producer.tryPush(payload(24, 2))).toBe(true);
  });

  it('pushes a batch with one publish and counts what did not fit', () => {
    const { producer, consumer } = ring(256);
    const batch = Array.from({ length: 10 }, (_, i) => payload(24, i));
    expect(producer.pushBatch(batch, [...Array(10).keys()])).toBe(8);
    expect(producer.stats()).toMatchObject({ pushed: 8, dropped: 2 });
    expect(drainAll(consumer).map((record) => record.type)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('claims a record to write in place and commits it shorter, with its type', () => {
    const { producer, consumer } = ring();
    const claim = producer.tryClaim(20)!;
    claim.bytes.fill(5);
    claim.commit(42, 12);
    expect(drainAll(consumer)).toEqual([{ type: 42, length: 12, first: 5 }]);
    expect(producer.stats().used).toBe(0);
  });

  it('aborting a claim gives its space back, padding included', () => {
    const { producer, consumer } = ring(256);
    for (let i = 0; i < 7; i++) producer.tryPush(payload(24, i));
    drainAll(consumer);
    const usedBefore = producer.stats().pushed;
    producer.tryPush(payload(8, 1)); // 232
    drainAll(consumer);
    const claim = producer.tryClaim(24)!; // needs padding of 24 then 32 at 0
    claim.abort();
    expect(producer.tryPush(payload(8, 2), 2)).toBe(true); // still at 232: no padding written
    expect(drainAll(consumer)).toEqual([{ type: 2, length: 8, first: 2 }]);
    expect(producer.stats().pushed).toBe(usedBefore + 2);
  });

  it('peeks at the next record without consuming it', () => {
    const { producer, consumer } = ring();
    producer.tryPush(payload(4, 9), 3);
    expect(consumer.peek()).toMatchObject({ length: 4, type: 3 });
    expect(consumer.peek()).toMatchObject({ length: 4, type: 3 });
    expect(consumer.stats().popped).toBe(0);
  });

  it('consumes a peeked record on request and refuses when there is none', () => {
    const { producer, consumer } = ring();
    producer.tryPush(payload(4, 9), 3);
    producer.tryPush(payload(8, 5), 4);
    expect(consumer.peek()).toMatchObject({ length: 4, type: 3 });
    consumer.consumePeek();
    expect(consumer.stats().popped).toBe(1);
    expect(consumer.peek()).toMatchObject({ length: 8, type: 4 });
    consumer.consumePeek();
    expect(() => consumer.consumePeek()).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    );
    expect(consumer.stats().popped).toBe(2);
  });

  it('reports a corrupted frame instead of reading past it', () => {
    const { producer, consumer } = ring();
    producer.tryPush(payload(4, 1));
    new Uint32Array(producer.buffer, producer.descriptor.dataOffset, 2)[0] = 1000;
    expect(() => consumer.tryPop()).toThrow(expect.objectContaining({ code: 'CORRUPTED' }));
  });

  it('drain reports a corrupted frame met in its fast loop, after the records before it', () => {
    const { producer, consumer } = ring(1024);
    for (let i = 0; i < 3; i++) producer.tryPush(payload(8, i));
    new Int32Array(producer.buffer, producer.descriptor.dataOffset, 16)[4 * 2] = -8; // 3rd length
    const seen: number[] = [];
    expect(() => consumer.drain((data, offset) => seen.push(data[offset]!))).toThrow(
      expect.objectContaining({ code: 'CORRUPTED' }),
    );
    expect(seen).toEqual([0, 1]);
  });

  it('a long drain gives room back every quarter of the ring, not only at its end', () => {
    const { producer, consumer } = ring(1024);
    while (producer.tryPush(payload(24, 1))) {} // 32 bytes each: 32 records
    const poppedSeen: number[] = [];
    expect(consumer.drain(() => poppedSeen.push(producer.stats().popped))).toBe(32);
    // Records 9, 17 and 25 see the room of 8, 16 and 24 records given back (a quarter is 256 bytes).
    expect(poppedSeen.filter((popped, i) => popped !== poppedSeen[i - 1])).toEqual([0, 8, 16, 24]);
    expect(producer.stats()).toMatchObject({ popped: 32, used: 0 });
  });

  it('under block, push waits for room and times out clearly', () => {
    const blocking = ring(256, 'block');
    while (blocking.producer.tryPush(payload(24, 0))) {}
    expect(blocking.producer.stats().dropped).toBe(0);
    expect(() => blocking.producer.push(payload(24, 0), 0, { timeoutMs: 10, tickMs: 5 })).toThrow(
      /ring stayed full/,
    );
  });
});
