import { assertBytes, RingError } from './errors.js';
import type { RingDescriptor } from './header.js';
import { alignRecord, Record } from './layout.js';
import { RecordCopier } from './record-copy.js';
import { type AttachOptions, ConsumerEnd, ProducerEnd } from './ring-end.js';
import type { WaitOptions } from './wait.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  // Record headers are written through Uint32Array views, which use the platform's byte order.
  throw new Error(
    '@ringkit/spsc-ring needs a little-endian platform: its shared layout is little-endian.',
  );
}

/** The data area as u32 words, through which both ends read and write record headers. */
function recordHeaderWords(buffer: SharedArrayBuffer, descriptor: RingDescriptor): Uint32Array {
  return new Uint32Array(buffer, descriptor.dataOffset, descriptor.dataBytes >> 2);
}

/** One record claimed for writing its payload in place. One object per producer, reused. */
export class ByteClaim {
  /** Byte offset of the payload in `producer.data`. */
  offset = 0;
  /** Payload bytes claimed. */
  length = 0;

  constructor(private readonly producer: ByteProducer) {}

  /** The claimed payload as a view (allocates a view; use `offset` with `producer.data` to avoid it). */
  get bytes(): Uint8Array {
    return this.producer.data.subarray(this.offset, this.offset + this.length);
  }

  /** Publishes the record with its `type`, keeping the first `length` payload bytes (default: all claimed). */
  commit(type = 0, length = this.length): void {
    this.producer.commitClaim(type, length);
  }

  /** Gives the claimed space back unpublished. */
  abort(): void {
    this.producer.abortClaim();
  }
}

/** The writing end of a byte-record ring: `[u32 length][u32 type][payload]`, 8-byte aligned. */
export class ByteProducer extends ProducerEnd {
  private readonly words32: Uint32Array;
  private readonly copier = new RecordCopier(this.data, this.dataWords);
  private readonly maxRecord: number;
  private readonly claim = new ByteClaim(this);
  private claimOpen = false;
  private claimStart = 0;
  private claimIndex = 0;

  static attach(buffer: SharedArrayBuffer, options: AttachOptions = {}): ByteProducer {
    return new ByteProducer(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: AttachOptions) {
    super(buffer, 'bytes', options);
    this.words32 = recordHeaderWords(buffer, this.descriptor);
    this.maxRecord = this.descriptor.maxRecord;
  }

  /**
   * Finds room for a record of `length` payload bytes, writing a padding record
   * first if it would cross the end of the data area. Returns the record's byte
   * index in `data`, or -1 when it does not fit now. Advances only the local
   * write position.
   */
  private reserve(length: number): number {
    const total = alignRecord(Record.HEADER_BYTES + length);
    const index = this.writePosition & this.mask;
    const tail = this.capacity - index;
    const needed = total <= tail ? total : tail + total;
    if (this.freeSpace(needed) < needed) return -1;
    if (total <= tail) return index;
    const word = index >> 2;
    this.words32[word] = tail - Record.HEADER_BYTES;
    this.words32[word + 1] = Record.PADDING_TYPE;
    this.writePosition = (this.writePosition + tail) >>> 0;
    return 0;
  }

  private writeRecordHeader(index: number, length: number, type: number): void {
    const word = index >> 2;
    this.words32[word] = length;
    this.words32[word + 1] = type;
    this.writePosition = (this.writePosition + alignRecord(Record.HEADER_BYTES + length)) >>> 0;
  }

  /**
   * Copies one record and publishes it. False when it does not fit now: under
   * `drop` it is counted as dropped, under `block` nothing is counted (use `push`).
   */
  tryPush(payload: Uint8Array, type = 0): boolean {
    assertBytes(payload, 'a payload');
    this.assertWritable(payload.length, type);
    const start = this.writePosition;
    const index = this.reserve(payload.length);
    if (index < 0) {
      this.writePosition = start;
      this.refuse(1);
      return false;
    }
    this.copier.toRing(payload, index + Record.HEADER_BYTES);
    this.writeRecordHeader(index, payload.length, type);
    this.publishCounted(1);
    return true;
  }

  /**
   * Copies records in order until one does not fit, then publishes them all
   * once. `types` is one type for all or one per record. Returns how many were
   * pushed; under `drop` the rest are counted as dropped.
   */
  pushBatch(payloads: readonly Uint8Array[], types: number | ArrayLike<number> = 0): number {
    this.assertOpen();
    this.assertNoClaim();
    for (let i = 0; i < payloads.length; i++) {
      assertBytes(payloads[i], `payload ${i}`);
      this.assertWritable(payloads[i]!.length, typeof types === 'number' ? types : (types[i] ?? 0));
    }
    let pushed = 0;
    for (; pushed < payloads.length; pushed++) {
      const payload = payloads[pushed]!;
      const start = this.writePosition;
      const index = this.reserve(payload.length);
      if (index < 0) {
        this.writePosition = start;
        break;
      }
      this.data.set(payload, index + Record.HEADER_BYTES);
      this.writeRecordHeader(
        index,
        payload.length,
        typeof types === 'number' ? types : (types[pushed] ?? 0),
      );
    }
    if (pushed > 0) this.publishCounted(pushed);
    this.refuse(payloads.length - pushed);
    return pushed;
  }

  /**
   * Claims room for one record of `length` payload bytes to write in place, or
   * null when it does not fit now (under `drop` counted as dropped: do not retry it).
   */
  tryClaim(length: number): ByteClaim | null {
    this.assertWritable(length, 0);
    const start = this.writePosition;
    const index = this.reserve(length);
    if (index < 0) {
      this.writePosition = start;
      this.refuse(1);
      return null;
    }
    this.claimStart = start;
    this.claimIndex = index;
    this.claim.offset = index + Record.HEADER_BYTES;
    this.claim.length = length;
    this.claimOpen = true;
    return this.claim;
  }

  /** @internal Called by ByteClaim. */
  commitClaim(type: number, length: number): void {
    if (!this.claimOpen)
      throw new RingError('INVALID_OPTIONS', 'commit() called with no open claim.');
    if (!Number.isInteger(length) || length < 0 || length > this.claim.length) {
      throw new RingError(
        'INVALID_OPTIONS',
        `commit length must be 0 … ${this.claim.length} (the claimed bytes), length=${length}`,
      );
    }
    assertType(type);
    this.claimOpen = false;
    this.writeRecordHeader(this.claimIndex, length, type);
    this.publishCounted(1);
  }

  /** @internal Called by ByteClaim. */
  abortClaim(): void {
    if (!this.claimOpen) return;
    this.claimOpen = false;
    this.writePosition = this.claimStart;
  }

  /** `block` policy: waits (blocking this thread) for room, then pushes; `drop`: same as tryPush. */
  push(payload: Uint8Array, type = 0, options: WaitOptions = {}): boolean {
    // The common case costs what tryPush costs; only a full ring pays for the wait's machinery.
    const pushed = this.tryPush(payload, type);
    if (pushed || this.descriptor.fullPolicy === 'drop') return pushed;
    this.waitForSpaceSync(this.worstCaseBytes(payload.length), options);
    return this.tryPush(payload, type);
  }

  /** `block` policy without blocking the event loop. */
  async pushAsync(payload: Uint8Array, type = 0, options: WaitOptions = {}): Promise<boolean> {
    const pushed = this.tryPush(payload, type);
    if (pushed || this.descriptor.fullPolicy === 'drop') return pushed;
    await this.waitForSpaceAsync(this.worstCaseBytes(payload.length), options);
    return this.tryPush(payload, type);
  }

  /** Room that guarantees the record fits wherever the write position is (padding included). */
  private worstCaseBytes(length: number): number {
    const total = alignRecord(Record.HEADER_BYTES + length);
    const tail = this.capacity - (this.writePosition & this.mask);
    return total <= tail ? total : tail + total;
  }

  private assertWritable(length: number, type: number): void {
    this.assertOpen();
    this.assertNoClaim();
    if (length > this.maxRecord) {
      throw new RingError(
        'RECORD_TOO_LARGE',
        `record of ${length} bytes exceeds this ring's max record of ${this.maxRecord} bytes.`,
      );
    }
    assertType(type);
  }

  private assertNoClaim(): void {
    if (this.claimOpen)
      throw new RingError(
        'CLAIM_PENDING',
        'a claim is open; commit() or abort() it before writing again.',
      );
  }
}

function assertType(type: number): void {
  if (!Number.isInteger(type) || type < 0 || type >= Record.PADDING_TYPE) {
    throw new RingError(
      'INVALID_OPTIONS',
      `record type must be an integer 0 … 0xFFFFFFFE (0xFFFFFFFF marks padding), type=${type}`,
    );
  }
}

/** Called per record: `length` payload bytes at byte `offset` of `data`. */
export type ByteDrainHandler = (
  data: Uint8Array,
  offset: number,
  length: number,
  type: number,
) => void;

/** Where the next record is, for `peek`. One object per consumer, reused. */
export interface PeekedRecord {
  offset: number;
  length: number;
  type: number;
}

/** The reading end of a byte-record ring. One per ring, on one thread. */
export class ByteConsumer extends ConsumerEnd {
  private readonly words32: Uint32Array;
  private readonly maxRecord: number;
  private readonly peeked: PeekedRecord = { offset: 0, length: 0, type: 0 };

  static attach(buffer: SharedArrayBuffer, options: AttachOptions = {}): ByteConsumer {
    return new ByteConsumer(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: AttachOptions) {
    super(buffer, 'bytes', options);
    this.words32 = recordHeaderWords(buffer, this.descriptor);
    this.maxRecord = this.descriptor.maxRecord;
  }

  /**
   * Skips padding and checks the next record's frame; fills `peeked` and returns
   * true, or false when nothing is published. A frame that cannot be right
   * (too long, past the published bytes) is reported, never read past.
   */
  private next(): boolean {
    for (;;) {
      const available = this.available();
      if (available === 0) return false;
      const index = this.readPosition & this.mask;
      const word = index >> 2;
      const length = this.words32[word]!;
      const type = this.words32[word + 1]!;
      if (type === Record.PADDING_TYPE) {
        if (
          index + Record.HEADER_BYTES + length !== this.capacity ||
          length + Record.HEADER_BYTES > available
        ) {
          throw this.corrupted(
            index,
            `padding of ${length} bytes does not end at the end of the data area`,
          );
        }
        this.readPosition = (this.readPosition + Record.HEADER_BYTES + length) >>> 0;
        continue;
      }
      const total = alignRecord(Record.HEADER_BYTES + length);
      if (length > this.maxRecord || total > available || index + total > this.capacity) {
        throw this.corrupted(index, `record length ${length} with ${available} bytes published`);
      }
      this.peeked.offset = index + Record.HEADER_BYTES;
      this.peeked.length = length;
      this.peeked.type = type;
      return true;
    }
  }

  private corrupted(index: number, why: string): RingError {
    return new RingError(
      'CORRUPTED',
      `byte ring is corrupted at data offset ${index}: ${why}; the producer did not write this frame.`,
    );
  }

  private consumePeeked(): void {
    this.readPosition =
      (this.readPosition + alignRecord(Record.HEADER_BYTES + this.peeked.length)) >>> 0;
  }

  /** Copies the next record out and consumes it; null when empty. */
  tryPop(): { type: number; payload: Uint8Array } | null {
    if (!this.next()) return null;
    const { offset, length, type } = this.peeked;
    const payload = this.data.slice(offset, offset + length);
    this.consumePeeked();
    this.publishReadCounted(1);
    return { type, payload };
  }

  /**
   * Hands up to `limit` records to `handler`, each as a view into the data area
   * (valid only inside the handler), then publishes the read position once.
   * Returns the records consumed.
   */
  drain(handler: ByteDrainHandler, limit = Number.POSITIVE_INFINITY): number {
    let records = 0;
    const start = this.readPosition;
    while (records < limit && this.next()) {
      handler(this.data, this.peeked.offset, this.peeked.length, this.peeked.type);
      this.consumePeeked();
      records++;
    }
    if (this.readPosition !== start) this.publishReadCounted(records);
    return records;
  }

  /** The next record's place, length and type without consuming it, or null when empty. */
  peek(): Readonly<PeekedRecord> | null {
    return this.next() ? this.peeked : null;
  }

  /**
   * Consumes the record the last `peek()` returned and publishes the read
   * position: for a consumer that must hand a record out of a callback (an async
   * iterator yielding views into the ring) and release it later.
   */
  consumePeek(): void {
    if (!this.next())
      throw new RingError('INVALID_OPTIONS', 'consumePeek() called with no record to consume.');
    this.consumePeeked();
    this.publishReadCounted(1);
  }
}
