import { describe, expect, it } from 'vitest';
import { storeCounter } from '../src/counter.js';
import { RingError } from '../src/errors.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { Consumer, Producer } from '../src/layout.js';
import { readRingStats } from '../src/ring-end.js';

function ring(capacity = 8, recordSize = 4, fullPolicy: 'drop' | 'block' = 'drop') {
  const buffer = createRing({ kind: 'fixed', capacity, recordSize, fullPolicy });
  return { buffer, producer: FixedProducer.attach(buffer), consumer: FixedConsumer.attach(buffer) };
}

const record = (...bytes: number[]) => new Uint8Array(bytes);

function drainAll(consumer: FixedConsumer, recordSize = 4): number[] {
  const firstBytes: number[] = [];
  consumer.drain((data, offset, count) => {
    for (let i = 0; i < count; i++) firstBytes.push(data[offset + i * recordSize]!);
  });
  return firstBytes;
}

describe('fixed-slot ring', () => {
  it('delivers pushed records in order', () => {
    const { producer, consumer } = ring();
    for (let i = 1; i <= 5; i++) expect(producer.tryPush(record(i, 0, 0, i))).toBe(true);
    expect(consumer.tryPop()).toEqual(record(1, 0, 0, 1));
    expect(drainAll(consumer)).toEqual([2, 3, 4, 5]);
    expect(consumer.tryPop()).toBeNull();
  });

  it('under drop, refuses a push into a full ring and counts it on the producer line', () => {
    const { producer, consumer } = ring(4);
    for (let i = 0; i < 4; i++) expect(producer.tryPush(record(i))).toBe(true);
    expect(producer.tryPush(record(9))).toBe(false);
    expect(producer.stats()).toMatchObject({ used: 4, pushed: 4, dropped: 1 });
    expect(drainAll(consumer)).toEqual([0, 1, 2, 3]);
  });

  it('under block, tryPush refuses without counting a drop', () => {
    const { producer } = ring(2, 4, 'block');
    producer.tryPush(record(1));
    producer.tryPush(record(2));
    expect(producer.tryPush(record(3))).toBe(false);
    expect(producer.stats().dropped).toBe(0);
  });

  it('under block, push times out with a clear error when the ring stays full', () => {
    const { producer } = ring(2, 4, 'block');
    producer.tryPush(record(1));
    producer.tryPush(record(2));
    expect(() => producer.push(record(3), { timeoutMs: 20, tickMs: 5 })).toThrow(
      /ring stayed full for 20 ms/,
    );
  });

  it('pushes a batch with one publish and wraps it around the end of the data area', () => {
    const { producer, consumer } = ring(8);
    const batch = new Uint8Array(6 * 4).map((_, index) => (index % 4 === 0 ? index / 4 + 1 : 0));
    expect(producer.pushBatch(batch)).toBe(6);
    expect(drainAll(consumer)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(producer.pushBatch(batch)).toBe(6); // positions 6..11 wrap
    const runs: number[] = [];
    consumer.drain((_data, _offset, count) => runs.push(count));
    expect(runs).toEqual([2, 2, 2]); // split where the area wraps and every quarter of the ring
  });

  it("gives room back every quarter of the ring during a drain; a handler's throw keeps the runs before it", () => {
    const { producer, consumer } = ring(16);
    expect(producer.pushBatch(new Uint8Array(16 * 4).fill(1))).toBe(16); // full
    const runs: number[] = [];
    const pushedDuring: boolean[] = [];
    expect(() =>
      consumer.drain((_data, _offset, count) => {
        runs.push(count);
        // Every run before this one is published: the producer has room for it already.
        pushedDuring.push(producer.tryPush(new Uint8Array(4).fill(2)));
        if (runs.length === 3) throw new Error('handler failed');
      }),
    ).toThrow('handler failed');
    expect(runs).toEqual([4, 4, 4]);
    expect(pushedDuring).toEqual([false, true, true]);
    // 8 consumed (two runs), 8 + 2 pushed since: the third run is delivered again.
    expect(producer.stats()).toMatchObject({ popped: 8, used: 10 });
  });

  it('pushes what fits of a batch and counts the rest as dropped', () => {
    const { producer } = ring(4);
    expect(producer.pushBatch(new Uint8Array(6 * 4))).toBe(4);
    expect(producer.stats()).toMatchObject({ pushed: 4, dropped: 2 });
  });

  it('claims slots to write in place, publishing only on commit', () => {
    const { producer, consumer } = ring(8);
    const claim = producer.tryClaim(3)!;
    expect(claim.count).toBe(3);
    claim.bytes.set([7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0]);
    expect(consumer.peek()).toBe(-1);
    claim.commit();
    expect(drainAll(consumer)).toEqual([7, 8, 9]);
  });

  it('commits fewer than claimed, and abort publishes nothing', () => {
    const { producer, consumer } = ring(8);
    const claim = producer.tryClaim(4)!;
    producer.data.set([1], claim.offset);
    producer.data.set([2], claim.offset + 4);
    claim.commit(2);
    expect(drainAll(consumer)).toEqual([1, 2]);
    producer.tryClaim(2)!.abort();
    expect(consumer.tryPop()).toBeNull();
    expect(producer.stats().pushed).toBe(2);
  });

  it('stops a claim at the end of the data area; the rest is claimed again', () => {
    const { producer, consumer } = ring(8);
    producer.pushBatch(new Uint8Array(6 * 4));
    drainAll(consumer);
    const first = producer.tryClaim(5)!;
    expect(first.count).toBe(2);
    first.commit();
    expect(producer.tryClaim(3)!.count).toBe(3);
  });

  it('counts a claim refused by a full ring as dropped under drop', () => {
    const { producer } = ring(2);
    producer.tryPush(record(1));
    producer.tryPush(record(2));
    expect(producer.tryClaim(3)).toBeNull();
    expect(producer.stats().dropped).toBe(3);
  });

  it('refuses to write while a claim is open', () => {
    const { producer } = ring();
    producer.tryClaim(1);
    expect(() => producer.tryPush(record(1))).toThrow(
      expect.objectContaining({ code: 'CLAIM_PENDING' }),
    );
  });

  it('names each misuse of a claim, and a refused claim or commit changes nothing', () => {
    const { producer, consumer } = ring(8);
    const invalid = (message: RegExp) =>
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(message) });
    for (const count of [0, -1, 1.5, Number.NaN])
      expect(() => producer.tryClaim(count)).toThrow(
        invalid(/tryClaim count must be an integer ≥ 1/),
      );
    const claim = producer.tryClaim(2)!;
    expect(() => producer.tryClaim(1)).toThrow(expect.objectContaining({ code: 'CLAIM_PENDING' }));
    for (const count of [3, -1, 0.5])
      expect(() => claim.commit(count)).toThrow(invalid(/commit count must be 0 … 2/));
    claim.commit(1);
    expect(() => claim.commit(1)).toThrow(invalid(/no open claim/));
    expect(drainAll(consumer)).toHaveLength(1);
    producer.close();
    expect(() => producer.tryClaim(1)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(producer.stats()).toMatchObject({ pushed: 1, dropped: 0 });
  });

  it('refuses a record larger than the slot', () => {
    const { producer } = ring(8, 4);
    expect(() => producer.tryPush(new Uint8Array(5))).toThrow(
      expect.objectContaining({ code: 'RECORD_TOO_LARGE' }),
    );
  });

  it('refuses a record that is not a Uint8Array, in one sentence, and counts nothing', () => {
    const { producer, consumer } = ring(8, 4);
    const notBytes = (code: string, message: RegExp) =>
      expect.objectContaining({ code, message: expect.stringMatching(message) });
    expect(() => producer.tryPush('abcd' as never)).toThrow(
      notBytes('INVALID_OPTIONS', /a record must be a Uint8Array, got a string/),
    );
    expect(() => producer.push(undefined as never)).toThrow(
      notBytes('INVALID_OPTIONS', /got undefined/),
    );
    expect(() => producer.pushBatch([1, 2, 3, 4] as never)).toThrow(
      notBytes('INVALID_OPTIONS', /got an Array/),
    );
    expect(() => consumer.tryPop({ length: 4 } as never)).toThrow(
      notBytes('INVALID_OPTIONS', /tryPop's target must be a Uint8Array, got an object/),
    );
    expect(producer.stats()).toMatchObject({ pushed: 0, dropped: 0, used: 0 });
    expect(producer.tryPush(Buffer.from([1, 2, 3, 4]))).toBe(true); // a Buffer is a Uint8Array
  });

  it('refuses a push after close, and the consumer sees end-of-stream only after draining', () => {
    const { producer, consumer } = ring();
    producer.tryPush(record(1));
    producer.close();
    producer.close();
    expect(() => producer.tryPush(record(2))).toThrow(
      new RingError('CLOSED', 'ring is closed; no record may be pushed after close().'),
    );
    expect(consumer.isEnded()).toBe(false);
    expect(consumer.wait({ timeoutMs: 0 })).toBe('ready');
    drainAll(consumer);
    expect(consumer.isEnded()).toBe(true);
    expect(consumer.wait({ timeoutMs: 0 })).toBe('closed');
  });

  it('limits a drain and peeks without consuming', () => {
    const { producer, consumer } = ring();
    for (let i = 1; i <= 4; i++) producer.tryPush(record(i));
    expect(consumer.drain(() => {}, 3)).toBe(3);
    expect(consumer.data[consumer.peek()]).toBe(4);
    expect(consumer.stats()).toMatchObject({ popped: 3, used: 1 });
  });

  it('counts pushed and popped by the positions themselves: no counter word can lag them', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 16, recordSize: 4 });
    const words = new Int32Array(buffer, 0, 128);
    const first = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    first.pushBatch(new Uint8Array(5 * 4));
    consumer.drain(() => {}, 3);
    // The counters' own low words are not used by fixed rings: what was there does not matter.
    storeCounter(words, Producer.PUSHED, 2);
    storeCounter(words, Consumer.POPPED, 1);
    expect(readRingStats(buffer)).toMatchObject({ pushed: 5, popped: 3, used: 2 });
    // A replacement producer (the first one killed at any point) continues from the position.
    const replacement = FixedProducer.attach(buffer);
    replacement.tryPush(record(9));
    expect(replacement.stats()).toMatchObject({ pushed: 6, popped: 3 });
    expect(FixedConsumer.attach(buffer).stats()).toMatchObject({ pushed: 6, popped: 3 });
  });

  it('reads stats without attaching, leaving the identities of both sides alone', () => {
    const { buffer, producer, consumer } = ring(8);
    producer.tryPush(record(1));
    producer.tryPush(record(2));
    consumer.tryPop();
    const words = new Int32Array(buffer, 0, 128);
    words[Consumer.PID >> 2] = 4242; // as if a consumer in another process
    expect(readRingStats(buffer)).toEqual({
      capacity: 8,
      used: 1,
      pushed: 2,
      popped: 1,
      dropped: 0,
      closed: false,
      fillMark: 0, // tryPop is no drain: only drains raise the mark
    });
    expect(words[Consumer.PID >> 2]).toBe(4242);
    expect(() => readRingStats(new SharedArrayBuffer(16))).toThrow(
      expect.objectContaining({ code: 'BUFFER_TOO_SMALL' }),
    );
  });

  it('keeps positions right across the u32 wrap', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 4, recordSize: 4 });
    const words = new Int32Array(buffer, 0, 128);
    words[Producer.WRITE_POSITION >> 2] = -2; // 0xFFFFFFFE
    words[Consumer.READ_POSITION >> 2] = -2;
    const fresh = {
      producer: FixedProducer.attach(buffer),
      consumer: FixedConsumer.attach(buffer),
    };
    for (let i = 1; i <= 4; i++) expect(fresh.producer.tryPush(record(i))).toBe(true);
    expect(fresh.producer.tryPush(record(5))).toBe(false);
    expect(drainAll(fresh.consumer)).toEqual([1, 2, 3, 4]);
    expect(fresh.consumer.stats().used).toBe(0);
    expect(Atomics.load(words, Producer.WRITE_POSITION >> 2)).toBe(2);
  });

  it('reads counters past 2³² exactly, without BigInt', () => {
    const { buffer, producer, consumer } = ring(4);
    const words = new Int32Array(buffer, 0, 128);
    // As after 2³² − 1 records pushed and popped: in a fixed ring the positions are the counts' low words.
    words[Producer.WRITE_POSITION >> 2] = -1;
    words[Consumer.READ_POSITION >> 2] = -1;
    expect(readRingStats(buffer)).toMatchObject({ pushed: 2 ** 32 - 1, popped: 2 ** 32 - 1 });
    const resumed = FixedProducer.attach(buffer);
    const resumedConsumer = FixedConsumer.attach(buffer);
    resumed.tryPush(record(1));
    resumed.tryPush(record(2));
    // The second push wrapped the position: the high words went up around its store.
    expect(resumed.stats().pushed).toBe(2 ** 32 + 1);
    expect(readRingStats(buffer)).toMatchObject({ pushed: 2 ** 32 + 1, popped: 2 ** 32 - 1 });
    expect(drainAll(resumedConsumer)).toEqual([1, 2]);
    expect(readRingStats(buffer)).toMatchObject({ pushed: 2 ** 32 + 1, popped: 2 ** 32 + 1 });
    // A side attaching after the wrap reads the high word back.
    expect(FixedProducer.attach(buffer).stats()).toMatchObject({ pushed: 2 ** 32 + 1 });
    storeCounter(words, Producer.DROPPED, 5 * 2 ** 32 + 7);
    expect(consumer.stats().dropped).toBe(5 * 2 ** 32 + 7);
    expect(typeof producer.stats().pushed).toBe('number');
  });

  it('counts batches that wrap the positions a second time past 2³²', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 4 });
    const words = new Int32Array(buffer, 0, 128);
    // As after 2·2³² − 3 records pushed and popped: high words 1, positions 2³² − 3.
    storeCounter(words, Producer.PUSHED, 2 * 2 ** 32 - 3);
    storeCounter(words, Consumer.POPPED, 2 * 2 ** 32 - 3);
    words[Producer.WRITE_POSITION >> 2] = -3;
    words[Consumer.READ_POSITION >> 2] = -3;
    const producer = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    expect(producer.stats()).toMatchObject({ pushed: 2 * 2 ** 32 - 3, used: 0 });
    const toTheEnd = producer.tryClaim(5)!;
    expect(toTheEnd.count).toBe(3); // slots 5 … 7: the claim stops at the end of the data area
    toTheEnd.commit(); // the position reaches 2³² and reads 0: the high words go to 2
    producer.tryClaim(2)!.commit();
    expect(readRingStats(buffer)).toMatchObject({ pushed: 2 * 2 ** 32 + 2, used: 5 });
    expect(consumer.drain(() => {})).toBe(5); // one publish of the read position across the wrap
    expect(readRingStats(buffer)).toMatchObject({
      pushed: 2 * 2 ** 32 + 2,
      popped: 2 * 2 ** 32 + 2,
      used: 0,
    });
  });

  it('beats on its side of the header once every 1024 records', () => {
    const { buffer, producer, consumer } = ring(2048);
    const words = new Int32Array(buffer, 0, 128);
    words[Producer.HEARTBEAT >> 2] = 0;
    words[Consumer.HEARTBEAT >> 2] = 0;
    for (let i = 0; i < 1023; i++) producer.tryPush(record(i & 0xff));
    expect(consumer.drain(() => {}, 1023)).toBe(1023);
    expect(words[Producer.HEARTBEAT >> 2]).toBe(0);
    expect(words[Consumer.HEARTBEAT >> 2]).toBe(0);
    producer.tryPush(record(1));
    consumer.tryPop();
    expect(words[Producer.HEARTBEAT >> 2]).not.toBe(0);
    expect(words[Consumer.HEARTBEAT >> 2]).not.toBe(0);
  });
});
