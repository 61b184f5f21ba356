import { afterEach, describe, expect, it } from 'vitest';
import { ByteConsumer, ByteProducer } from '../src/byte-ring.js';
import { RingError } from '../src/errors.js';
import { FixedConsumer, FixedProducer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { Record } from '../src/layout.js';
import { writeTestRecord } from '../src/test-records.js';
import { type RunningWorker, startWorker } from './workers.js';

type Checked = { received: number; errors: number; firstError: string; ended: boolean };

const running: RunningWorker<unknown>[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map(({ worker }) => worker.terminate()));
});

/** A worker that drains test records (sequence and checksum checked) until the ring closes. */
function checkingConsumer(buffer: SharedArrayBuffer, kind: 'fixed' | 'bytes') {
  const worker = startWorker<Checked>({
    role: kind === 'fixed' ? 'fixed-consumer' : 'byte-consumer',
    buffer,
  });
  running.push(worker as RunningWorker<unknown>);
  return worker.done;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof RingError ? error.code : `not a RingError: ${String(error)}`;
  }
  return undefined;
}

/** `count` fixed test records of `size` bytes, sequences from `first`, end to end. */
function fixedRecords(count: number, size: number, first = 0): Uint8Array {
  const bytes = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) writeTestRecord(bytes, i * size, size, first + i);
  return bytes;
}

describe('fixed ring: waiting for room for a claim or a batch', () => {
  it('claimAsync waits off the event loop until the claimed room is free, then writes in place', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 64, recordSize: 16, fullPolicy: 'block' });
    const producer = FixedProducer.attach(buffer);
    const drained = checkingConsumer(buffer, 'fixed');
    const total = 10_000;
    for (let sent = 0; sent < total; ) {
      const claim = (await producer.claimAsync(Math.min(48, total - sent), { timeoutMs: 10_000 }))!;
      for (let i = 0; i < claim.count; i++)
        writeTestRecord(producer.data, claim.offset + i * 16, 16, sent + i);
      claim.commit();
      sent += claim.count;
    }
    producer.close();
    expect(await drained).toMatchObject({ received: total, errors: 0, ended: true });
  });

  it('claim waits for all `count` slots, not the first one free', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 4, fullPolicy: 'block' });
    const producer = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    producer.pushBatch(new Uint8Array(8 * 4));
    consumer.drain(() => {}, 2); // 2 free: a claim of 4 must wait (and time out here)
    expect(codeOf(() => producer.claim(4, { timeoutMs: 20 }))).toBe('TIMEOUT');
    consumer.drain(() => {}, 2);
    const claim = producer.claim(4, { timeoutMs: 20 })!;
    expect(claim.count).toBe(4);
    claim.abort();
  });

  it('claim under drop never waits: null, counted as dropped, as tryClaim', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 4, recordSize: 4 });
    const producer = FixedProducer.attach(buffer);
    producer.pushBatch(new Uint8Array(16));
    expect(producer.claim(2, { timeoutMs: 60_000 })).toBeNull();
    expect(producer.stats()).toMatchObject({ pushed: 4, dropped: 2 });
  });

  it('pushAll moves a batch many times the ring through it, waiting as the consumer drains', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 32, recordSize: 16, fullPolicy: 'block' });
    const producer = FixedProducer.attach(buffer);
    const drained = checkingConsumer(buffer, 'fixed');
    expect(
      await producer.pushAllAsync(fixedRecords(5000, 16), undefined, { timeoutMs: 10_000 }),
    ).toBe(5000);
    expect(producer.pushAll(fixedRecords(3000, 16, 5000), 3000, { timeoutMs: 10_000 })).toBe(3000);
    producer.close();
    expect(await drained).toMatchObject({ received: 8000, errors: 0, ended: true });
  });

  it('pushAll that times out says how many of the batch went in', async () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 4, fullPolicy: 'block' });
    const producer = FixedProducer.attach(buffer);
    const error = await producer
      .pushAllAsync(new Uint8Array(20 * 4), 20, { timeoutMs: 30 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RingError);
    expect(error).toMatchObject({ code: 'TIMEOUT', pushed: 8 });
    expect((error as Error).message).toMatch(/8 of the batch's 20 records were pushed\.$/);
    expect(() => producer.pushAll(new Uint8Array(4), 1, { timeoutMs: 10 })).toThrow(
      expect.objectContaining({ code: 'TIMEOUT', pushed: 0 }),
    );
  });

  it('refuses a bad count or batch before writing anything', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 4, fullPolicy: 'block' });
    const producer = FixedProducer.attach(buffer);
    expect(codeOf(() => producer.claim(0))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => producer.pushAll(new Uint8Array(8), 3))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => producer.pushAll('abcd' as never))).toBe('INVALID_OPTIONS');
    expect(producer.stats()).toMatchObject({ pushed: 0, dropped: 0 });
  });
});

describe('fixed ring: one slot claimed without a claim object', () => {
  it('tryClaimSlot gives the slot to write in place; commitSlot publishes it, abortSlot does not', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 4, recordSize: 16, fullPolicy: 'drop' });
    const producer = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    const { u32 } = producer.views;
    for (let id = 1; id <= 3; id++) {
      const offset = producer.tryClaimSlot();
      expect(offset).toBe((id - 1) * 16);
      u32[offset >> 2] = id;
      producer.commitSlot();
    }
    const aborted = producer.tryClaimSlot();
    u32[aborted >> 2] = 99;
    producer.abortSlot();
    const seen: number[] = [];
    consumer.drain((_data, offset, count, views) => {
      for (let i = 0; i < count; i++) seen.push(views.u32[(offset >> 2) + i * 4]!);
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(producer.stats()).toMatchObject({ pushed: 3, dropped: 0 });
  });

  it('a full ring gives -1: counted dropped under drop, left to the caller under block', () => {
    for (const fullPolicy of ['drop', 'block'] as const) {
      const producer = FixedProducer.attach(
        createRing({ kind: 'fixed', capacity: 2, recordSize: 8, fullPolicy }),
      );
      producer.tryClaimSlot();
      producer.commitSlot();
      producer.tryClaimSlot();
      producer.commitSlot();
      expect(producer.tryClaimSlot()).toBe(-1);
      expect(producer.stats().dropped).toBe(fullPolicy === 'drop' ? 1 : 0);
    }
  });

  it('refuses a second claim while a slot is open, a commit with none, and a closed ring', () => {
    const producer = FixedProducer.attach(
      createRing({ kind: 'fixed', capacity: 4, recordSize: 8 }),
    );
    producer.tryClaimSlot();
    expect(codeOf(() => producer.tryClaimSlot())).toBe('CLAIM_PENDING');
    expect(codeOf(() => producer.tryClaim(1))).toBe('CLAIM_PENDING');
    producer.commitSlot();
    expect(codeOf(() => producer.commitSlot())).toBe('INVALID_OPTIONS');
    producer.close();
    expect(codeOf(() => producer.tryClaimSlot())).toBe('CLOSED');
  });
});

describe('typed views of the data area', () => {
  it('a drain handler reads u32, f64, DataView and bytes of each record in place', () => {
    const buffer = createRing({ kind: 'fixed', capacity: 8, recordSize: 16 });
    const producer = FixedProducer.attach(buffer);
    const consumer = FixedConsumer.attach(buffer);
    let next = 0;
    const writeRecords = (count: number) => {
      const claim = producer.tryClaim(count)!;
      for (let i = 0; i < claim.count; i++, next++) {
        const at = claim.offset + i * 16;
        producer.views.u32[at >> 2] = 1000 + next;
        producer.views.dataView.setUint16(at + 4, 0xbeef - next, true);
        producer.views.f64[(at + 8) >> 3] = next + 0.5;
      }
      claim.commit();
    };
    const seen: number[][] = [];
    const readAll = () => {
      while (
        consumer.drain((data, offset, count, views) => {
          expect(data).toBe(views.bytes);
          for (let i = 0; i < count; i++) {
            const at = offset + i * 16;
            seen.push([
              views.u32[at >> 2]!,
              views.dataView.getUint16(at + 4, true),
              views.f64[(at + 8) >> 3]!,
            ]);
          }
        }) > 0
      );
    };
    writeRecords(6);
    readAll();
    writeRecords(4); // 2 slots before the end of the data area
    writeRecords(2); // then from slot 0
    readAll();
    expect(next).toBe(10);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => [1000 + i, 0xbeef - i, i + 0.5]));
  });
});

describe('byte ring: many records claimed at once', () => {
  it('tryClaimRecords lays out count records of one length; one commit publishes them all', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 1024 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    const claim = producer.tryClaimRecords(5, 12)!;
    expect(claim).toMatchObject({ offset: Record.HEADER_BYTES, stride: 24, count: 5, length: 12 });
    for (let i = 0; i < claim.count; i++)
      producer.data.fill(
        i + 1,
        claim.offset + i * claim.stride,
        claim.offset + i * claim.stride + 12,
      );
    expect(consumer.drain(() => {})).toBe(0); // nothing visible before the commit
    claim.commit([10, 11, 12, 13, 14], 4); // the fifth is given back
    const records: [number, number, number][] = [];
    consumer.drain((data, offset, length, type) =>
      records.push([type, length, data[offset + length - 1]!]),
    );
    expect(records).toEqual([
      [10, 12, 1],
      [11, 12, 2],
      [12, 12, 3],
      [13, 12, 4],
    ]);
    expect(producer.stats()).toMatchObject({ pushed: 4, popped: 4, used: 0 });
  });

  it('claims fewer where the data area ends, with padding before the next claim', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 256 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    for (let i = 0; i < 5; i++) producer.tryPush(new Uint8Array(24)); // 5 × 32 bytes
    producer.tryPush(new Uint8Array(8)); // 16 more: 176 used, 80 before the end
    consumer.drain(() => {});
    const first = producer.tryClaimRecords(10, 16)!; // 24 bytes each: 3 fit before the end
    expect(first.count).toBe(3);
    first.commit(1);
    const second = producer.tryClaimRecords(7, 16)!; // padding of 8, then from 0
    expect(second).toMatchObject({ offset: Record.HEADER_BYTES, count: 7 });
    second.commit(2);
    const types: number[] = [];
    while (
      consumer.drain((_data, _offset, length, type) => {
        expect(length).toBe(16);
        types.push(type);
      }) > 0
    );
    expect(types).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
  });

  it('an aborted claim publishes nothing, padding included; drop counts an unfit claim', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 128 });
    const producer = ByteProducer.attach(buffer);
    producer.tryClaimRecords(4, 8)!.abort();
    expect(producer.stats()).toMatchObject({ pushed: 0, used: 0 });
    producer.tryClaimRecords(8, 8)!.commit(); // 128 bytes: full
    expect(producer.tryClaimRecords(3, 8)).toBeNull();
    expect(producer.stats()).toMatchObject({ pushed: 8, dropped: 3 });
  });

  it('claimRecordsAsync waits for room, a worker checks every record', async () => {
    const buffer = createRing({ kind: 'bytes', capacity: 4096, fullPolicy: 'block' });
    const producer = ByteProducer.attach(buffer);
    const drained = checkingConsumer(buffer, 'bytes');
    const total = 20_000;
    for (let sent = 0; sent < total; ) {
      const claim = (await producer.claimRecordsAsync(Math.min(64, total - sent), 24, {
        timeoutMs: 10_000,
      }))!;
      const types: number[] = [];
      for (let i = 0; i < claim.count; i++) {
        writeTestRecord(producer.data, claim.offset + i * claim.stride, 24, sent + i);
        types.push((sent + i) % 1000);
      }
      claim.commit(types);
      sent += claim.count;
    }
    producer.close();
    expect(await drained).toMatchObject({ received: total, errors: 0, ended: true });
  });

  it('a claim that can never fit is refused at once under block, not waited for', () => {
    const producer = ByteProducer.attach(
      createRing({ kind: 'bytes', capacity: 256, fullPolicy: 'block' }),
    );
    const started = performance.now();
    expect(codeOf(() => producer.claim(1000, { timeoutMs: 60_000 }))).toBe('RECORD_TOO_LARGE');
    expect(codeOf(() => producer.claim(-1, { timeoutMs: 60_000 }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => producer.claimRecords(2, 1000, { timeoutMs: 60_000 }))).toBe(
      'RECORD_TOO_LARGE',
    );
    expect(performance.now() - started).toBeLessThan(10_000); // the old claim waited out its timeout
  });

  it('a bad wait option is refused with a code', () => {
    const producer = FixedProducer.attach(
      createRing({ kind: 'fixed', capacity: 2, recordSize: 4, fullPolicy: 'block' }),
    );
    producer.pushBatch(new Uint8Array(8));
    expect(codeOf(() => producer.claim(1, { spin: -1 }))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => producer.claim(1, { timeoutMs: -1 }))).toBe('INVALID_OPTIONS');
  });

  it('refuses a bad claim, commit or type in one sentence, counting nothing', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 256 });
    const producer = ByteProducer.attach(buffer);
    expect(codeOf(() => producer.tryClaimRecords(0, 8))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => producer.tryClaimRecords(2, 1000))).toBe('RECORD_TOO_LARGE');
    const claim = producer.tryClaimRecords(2, 8)!;
    expect(codeOf(() => producer.tryClaimRecords(1, 8))).toBe('CLAIM_PENDING');
    expect(codeOf(() => claim.commit(0, 3))).toBe('INVALID_OPTIONS');
    expect(codeOf(() => claim.commit(Record.PADDING_TYPE))).toBe('INVALID_OPTIONS');
    claim.commit([7, 8]);
    expect(codeOf(() => claim.commit())).toBe('INVALID_OPTIONS');
    expect(producer.stats()).toMatchObject({ pushed: 2, dropped: 0 });
  });
});

describe('byte ring: records drained in runs', () => {
  type Run = { count: number; stride: number; length: number; type: number; firsts: number[] };

  /** Every run drainRuns hands out (with each record's first payload byte), until it is empty. */
  function drainRunsAll(consumer: ByteConsumer, limit?: number): Run[] {
    const runs: Run[] = [];
    consumer.drainRuns((data, offset, count, stride, length, type) => {
      const firsts: number[] = [];
      for (let i = 0; i < count; i++) firsts.push(data[offset + i * stride]!);
      runs.push({ count, stride, length, type, firsts });
    }, limit);
    return runs;
  }

  it('hands a claimRecords batch over in one call, its records a stride apart', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 16_384 }); // a quarter holds the batch
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    const claim = producer.claimRecords(100, 20)!;
    for (let i = 0; i < claim.count; i++) producer.data[claim.offset + i * claim.stride] = i;
    claim.commit(3);
    const runs = drainRunsAll(consumer);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ count: 100, stride: 32, length: 20, type: 3 });
    expect(runs[0]!.firsts).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(producer.stats()).toMatchObject({ pushed: 100, popped: 100, used: 0 });
  });

  it('splits where the length or the type changes, where the ring wraps and every quarter ring', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 256 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    producer.tryPush(new Uint8Array(8).fill(1), 1);
    producer.tryPush(new Uint8Array(8).fill(2), 1);
    producer.tryPush(new Uint8Array(8).fill(3), 2); // another type
    producer.tryPush(new Uint8Array(16).fill(4), 2); // another length
    expect(drainRunsAll(consumer).map(({ count, type, length }) => [count, type, length])).toEqual([
      [2, 1, 8],
      [1, 2, 8],
      [1, 2, 16],
    ]);
    // 80 bytes used so far: records of 24 bytes, 7 fit before the end, then padding, then 0.
    for (let i = 0; i < 10; i++)
      expect(producer.tryPush(new Uint8Array(16).fill(10 + i), 5)).toBe(true);
    const runs = drainRunsAll(consumer);
    // Split where the ring wraps (7 | 3), and every quarter of the ring (64 bytes: 2 records).
    expect(runs.map(({ count }) => count)).toEqual([2, 2, 2, 1, 2, 1]);
    expect(runs.flatMap(({ firsts }) => firsts)).toEqual(
      Array.from({ length: 10 }, (_, i) => 10 + i),
    );
  });

  it('groups by the header bytes whatever the type: the types whose header reads as 0, −0 or a NaN', () => {
    // Headers are copied and compared as 8-byte doubles where that is exact (byte-ring.ts,
    // NAN_FREE_TYPES); these types make a header +0, −0, the largest such double, +Infinity, a
    // NaN and a negative word, each beside a neighbour that differs in one bit.
    const batches: Array<[length: number, type: number]> = [
      [0, 0],
      [0, 0x8000_0000],
      [0, 0],
      [8, 0x7fef_ffff],
      [8, 0x7ff0_0000],
      [0, 0x7ff0_0000],
      [8, 0x7ff8_0000],
      [8, 0x7ff8_0001],
      [8, 0xffff_fffe],
      [16, 0],
      [16, 1],
    ];
    const buffer = createRing({ kind: 'bytes', capacity: 16_384 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    for (const [length, type] of batches) {
      const claim = producer.tryClaimRecords(3, length)!;
      expect(claim.count).toBe(3);
      claim.commit(type);
    }
    const runs = drainRunsAll(consumer).map(({ count, length, type }) => [length, type, count]);
    expect(runs).toEqual(batches.map(([length, type]) => [length, type, 3]));
    expect(producer.stats()).toMatchObject({ pushed: 33, popped: 33, used: 0 });
  });

  it('stops at `limit` records, and a handler that throws consumes nothing of its run', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 1024 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    for (let i = 0; i < 10; i++) producer.tryPush(new Uint8Array(8).fill(i));
    expect(drainRunsAll(consumer, 4).map(({ count }) => count)).toEqual([4]);
    expect(() =>
      consumer.drainRuns(() => {
        throw new Error('handler failed');
      }),
    ).toThrow('handler failed');
    expect(producer.stats()).toMatchObject({ popped: 4, used: 6 * 16 });
    expect(drainRunsAll(consumer).flatMap(({ firsts }) => firsts)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('delivers what drain delivers, in order, for random lengths and types', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 1024 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    let state = 12345;
    const random = (n: number) => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) % n;
    };
    const sent: string[] = [];
    const seen: string[] = [];
    for (let sequence = 0; sequence < 5000; ) {
      // Bursts of equal records (the runs) between records of other lengths and types.
      const burst = 1 + random(12);
      const length = 1 + random(3) * 7;
      const type = random(2);
      for (let i = 0; i < burst; i++, sequence++) {
        const record = new Uint8Array(length).fill(sequence & 0xff);
        if (!producer.tryPush(record, type)) break;
        sent.push(`${type}:${length}:${sequence & 0xff}`);
      }
      if (random(3) === 0)
        consumer.drainRuns((data, offset, count, stride, length, type) => {
          for (let i = 0; i < count; i++) {
            const at = offset + i * stride;
            // Every byte of every record is the one it was pushed with.
            expect(data.subarray(at, at + length).every((byte) => byte === data[at])).toBe(true);
            seen.push(`${type}:${length}:${data[at]}`);
          }
        });
    }
    consumer.drainRuns((data, offset, count, stride, length, type) => {
      for (let i = 0; i < count; i++) seen.push(`${type}:${length}:${data[offset + i * stride]}`);
    });
    expect(seen).toEqual(sent);
  });

  it('reports a corrupted frame inside a run as CORRUPTED, never reading past it', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 256 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    for (let i = 0; i < 4; i++) producer.tryPush(new Uint8Array(8));
    // The third record's length word overwritten: larger than the ring.
    new Uint32Array(buffer, producer.descriptor.dataOffset, 64)[2 * 4] = 100_000;
    const counts: number[] = [];
    expect(() => consumer.drainRuns((_data, _offset, count) => counts.push(count))).toThrow(
      expect.objectContaining({ code: 'CORRUPTED' }),
    );
    expect(counts).toEqual([2]);
  });
});

describe('byte ring: a batch packed in one buffer', () => {
  it('pushBatch takes one buffer plus the records lengths', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 256 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    const bytes = new TextEncoder().encode('onetwothreefour');
    expect(producer.pushBatch({ bytes, lengths: [3, 3, 5, 4] }, [1, 2, 3, 4])).toBe(4);
    const seen: string[] = [];
    consumer.drain((_data, offset, length, type, views) =>
      seen.push(`${type}:${views.text(offset, length)}`),
    );
    expect(seen).toEqual(['1:one', '2:two', '3:three', '4:four']);
  });

  it('pushAllAsync moves a packed batch many times the ring, a worker checks every record', async () => {
    const buffer = createRing({ kind: 'bytes', capacity: 1024, fullPolicy: 'block' });
    const producer = ByteProducer.attach(buffer);
    const drained = checkingConsumer(buffer, 'bytes');
    const total = 3000;
    const lengths = Array.from({ length: total }, (_, i) => 8 + (i % 50));
    const bytes = new Uint8Array(lengths.reduce((sum, length) => sum + length, 0));
    for (let i = 0, at = 0; i < total; at += lengths[i]!, i++)
      writeTestRecord(bytes, at, lengths[i]!, i);
    const types = lengths.map((_, i) => i % 1000);
    expect(await producer.pushAllAsync({ bytes, lengths }, types, { timeoutMs: 10_000 })).toBe(
      total,
    );
    producer.close();
    expect(await drained).toMatchObject({ received: total, errors: 0, ended: true });
  });

  it('refuses lengths that overrun the buffer and a record over max record, pushing none', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 256 });
    const producer = ByteProducer.attach(buffer);
    expect(codeOf(() => producer.pushBatch({ bytes: new Uint8Array(10), lengths: [6, 6] }))).toBe(
      'INVALID_OPTIONS',
    );
    expect(codeOf(() => producer.pushBatch({ bytes: new Uint8Array(100), lengths: [4, 30] }))).toBe(
      'RECORD_TOO_LARGE',
    );
    expect(codeOf(() => producer.pushBatch({ bytes: new Uint8Array(8), lengths: [-1] }))).toBe(
      'INVALID_OPTIONS',
    );
    expect(codeOf(() => producer.pushBatch({ bytes: 'x', lengths: [1] } as never))).toBe(
      'INVALID_OPTIONS',
    );
    expect(producer.stats()).toMatchObject({ pushed: 0, used: 0 });
  });
});

describe('byte ring: string records', () => {
  it('pushes UTF-8 straight into the ring and reads it back in place', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 1024 });
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    const texts = ['', 'plain ascii', 'héllo wörld', '日本語のログ', 'emoji 🚀🛰️', 'a'.repeat(120)];
    for (const [i, text] of texts.entries()) expect(producer.tryPushString(text, i)).toBe(true);
    const seen: [number, string, number][] = [];
    consumer.drain((_data, offset, length, type, views) =>
      seen.push([type, views.text(offset, length), length]),
    );
    expect(seen).toEqual(texts.map((text, i) => [i, text, Buffer.byteLength(text)]));
  });

  it('fits a string by its exact length when its longest encoding would not fit', () => {
    const buffer = createRing({ kind: 'bytes', capacity: 256 }); // max record 24
    const producer = ByteProducer.attach(buffer);
    const consumer = ByteConsumer.attach(buffer);
    expect(producer.tryPushString('twenty-four ascii bytes!')).toBe(true); // 24 × 3 > 24
    producer.tryPush(new Uint8Array(24));
    producer.tryPush(new Uint8Array(24));
    producer.tryPush(new Uint8Array(24));
    producer.tryPush(new Uint8Array(24));
    producer.tryPush(new Uint8Array(24));
    producer.tryPush(new Uint8Array(24)); // 7 × 32 = 224: 32 bytes left
    expect(producer.tryPushString('ten bytes!')).toBe(true); // 30 would not fit, 10 does
    const texts: string[] = [];
    consumer.drain((_data, offset, length, _type, views) => {
      if (length !== 24 || texts.length === 0) texts.push(views.text(offset, length));
    });
    expect(texts).toEqual(['twenty-four ascii bytes!', 'ten bytes!']);
  });

  it('pushStringAsync waits under block; a full drop ring counts the string dropped', async () => {
    const blocking = createRing({ kind: 'bytes', capacity: 4096, fullPolicy: 'block' });
    const producer = ByteProducer.attach(blocking);
    const consumer = ByteConsumer.attach(blocking);
    while (producer.tryPushString('filling the ring up')) {}
    const pending = producer.pushStringAsync('the last one', 7, { timeoutMs: 10_000 });
    consumer.drain(() => {}, 5);
    expect(await pending).toBe(true);
    const dropping = ByteProducer.attach(createRing({ kind: 'bytes', capacity: 128 }));
    while (dropping.tryPushString('abc')) {}
    expect(dropping.stats().dropped).toBe(1);
  });

  it('refuses a string over max record and a value that is not a string', () => {
    const producer = ByteProducer.attach(createRing({ kind: 'bytes', capacity: 256 }));
    expect(codeOf(() => producer.tryPushString('x'.repeat(25)))).toBe('RECORD_TOO_LARGE');
    expect(codeOf(() => producer.tryPushString('ü'.repeat(13)))).toBe('RECORD_TOO_LARGE'); // 26 bytes
    expect(codeOf(() => producer.tryPushString(42 as never))).toBe('INVALID_OPTIONS');
    expect(producer.stats()).toMatchObject({ pushed: 0, dropped: 0 });
  });
});
