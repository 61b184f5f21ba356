import { assertBytes, RingError } from './errors.js';
import type { RingDescriptor } from './header.js';
import { alignRecord, Record } from './layout.js';
import { RecordCopier } from './record-copy.js';
import { type AttachOptions, ConsumerEnd, ProducerEnd } from './ring-end.js';
import type { RingViews } from './views.js';
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

/**
 * Room for `count` records of `length` payload bytes each, claimed at once and
 * written in place: record i's payload starts at byte `offset + i * stride` of
 * `producer.data` (8-byte aligned), and `commit` writes every record's header and
 * publishes them with one store. One object per producer, reused.
 */
export class ByteRecordsClaim {
  /** Byte offset of the first record's payload in `producer.data`. */
  offset = 0;
  /** Bytes from one record's payload to the next: the header and padding included. */
  stride = 0;
  /** Records claimed: as many as asked, or fewer where the data area wraps or the ring is nearly full. */
  count = 0;
  /** Payload bytes of every record. */
  length = 0;

  constructor(private readonly producer: ByteProducer) {}

  /**
   * Publishes the first `count` records (default: all claimed), each with `types`
   * — one type for all, or one per record.
   */
  commit(types: number | ArrayLike<number> = 0, count = this.count): void {
    this.producer.commitRecords(types, count);
  }

  /** Gives the claimed room back unpublished. */
  abort(): void {
    this.producer.abortClaim();
  }
}

/** Records laid end to end in one buffer: record i is `lengths[i]` bytes, right after record i − 1. */
export interface PackedRecords {
  readonly bytes: Uint8Array;
  readonly lengths: ArrayLike<number>;
}

/** A batch for pushBatch/pushAll: one `Uint8Array` per record, or records packed in one buffer. */
export type ByteBatch = readonly Uint8Array[] | PackedRecords;

/** Bytes a record of `length` payload bytes takes in the data area, header and alignment included. */
function recordBytes(length: number): number {
  return alignRecord(Record.HEADER_BYTES + length);
}

/** A type the user may give a record (0xFFFFFFFF marks padding). */
function isRecordType(type: number): boolean {
  return type >>> 0 === type && type !== Record.PADDING_TYPE;
}

/** The padding type as a signed word, as drain reads types. */
const PADDING_WORD = Record.PADDING_TYPE | 0;

/**
 * Types below this make a record header (`[u32 length][u32 type]`, little-endian) a double that
 * is neither a NaN nor negative: its exponent bits, the type's bits 20–30, are not all set, and
 * its sign, the type's bit 31, is clear. Such a header survives a round trip through a double
 * bit for bit, and two nonzero ones are the same bytes exactly when they are equal as doubles,
 * so one 8-byte store copies a header and one compare checks it. (+0 equals −0, and a thread
 * that flushes subnormals reads small headers as 0: a zero header is compared word by word.)
 */
const NAN_FREE_TYPES = 0x7ff00000;

/** UTF-8 takes at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_UTF8_PER_UNIT = 3;

/** The writing end of a byte-record ring: `[u32 length][u32 type][payload]`, 8-byte aligned. */
export class ByteProducer extends ProducerEnd {
  private readonly words32: Uint32Array;
  private readonly copier = new RecordCopier(this.data, this.dataWords);
  private readonly maxRecord: number;
  private readonly claim1 = new ByteClaim(this);
  private readonly claimMany = new ByteRecordsClaim(this);
  /** The open claim, if any: one record, or many. */
  private claimOpen: ByteClaim | ByteRecordsClaim | null = null;
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
   * Finds room for a record of `total` bytes (header included), writing a
   * padding record first if it would cross the end of the data area. Returns its
   * byte index in `data`, or -1 when it does not fit now (the write position is
   * then as it was). Advances the local write position past the padding only.
   */
  private reserve(total: number, hoped = 0): number {
    const index = this.writePosition & this.mask;
    const tail = this.capacity - index;
    const needed = total <= tail ? total : tail + total;
    // The consumer's position is re-read when less than `hoped` looks free: a claim of many
    // records wants them all, not just what the cached position allows.
    if (this.freeSpace(Math.max(needed, hoped)) < needed) return -1;
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
    this.writePosition = (this.writePosition + recordBytes(length)) >>> 0;
  }

  /**
   * Copies one record and publishes it. False when it does not fit now: under
   * `drop` it is counted as dropped, under `block` nothing is counted (use `push`).
   */
  tryPush(payload: Uint8Array, type = 0): boolean {
    // One test guards every error; the checks that name the error stay off the hot path.
    if (
      this.closed ||
      this.claimOpen !== null ||
      !(payload instanceof Uint8Array) ||
      payload.length > this.maxRecord ||
      !isRecordType(type)
    )
      this.assertPushable(payload, type);
    const length = payload.length;
    const total = recordBytes(length);
    const position = this.writePosition;
    const index = position & this.mask;
    // The usual case: no padding needed, room by the cached read position. Else the rare path.
    if (
      total > this.capacity - index ||
      total > this.capacity - ((position - this.readPositionCache) >>> 0)
    )
      return this.tryPushAfterPadding(payload, type);
    this.copier.toRing(payload, index + Record.HEADER_BYTES);
    const words = this.words32;
    words[index >> 2] = length;
    words[(index >> 2) + 1] = type;
    this.writePosition = (position + total) >>> 0;
    this.publishCounted(1);
    return true;
  }

  /** tryPush's rare path: the record needs padding before it, or the ring looked full. */
  private tryPushAfterPadding(payload: Uint8Array, type: number): boolean {
    const start = this.writePosition;
    const index = this.reserve(recordBytes(payload.length));
    if (index < 0) {
      this.writePosition = start;
      this.refuse(1);
      return false;
    }
    this.data.set(payload, index + Record.HEADER_BYTES);
    this.writeRecordHeader(index, payload.length, type);
    this.publishCounted(1);
    return true;
  }

  /**
   * Copies records in order until one does not fit, then publishes them all
   * once. The batch is one `Uint8Array` per record, or `{ bytes, lengths }`:
   * records packed end to end in one buffer. `types` is one type for all or one
   * per record. Returns how many were pushed; under `drop` the rest are counted
   * as dropped. Never waits (see pushAll).
   */
  pushBatch(batch: ByteBatch, types: number | ArrayLike<number> = 0): number {
    const total = this.checkBatch(batch, types);
    return this.pushBatchFrom(batch, types, 0, total, 0);
  }

  /**
   * Pushes records `first …` of a checked batch until one does not fit;
   * `byteOffset` is where record `first` starts in a packed batch.
   */
  private pushBatchFrom(
    batch: ByteBatch,
    types: number | ArrayLike<number>,
    first: number,
    total: number,
    byteOffset: number,
  ): number {
    const packed = isPacked(batch) ? batch : null;
    let at = byteOffset;
    let pushed = first;
    for (; pushed < total; pushed++) {
      const length =
        packed === null
          ? (batch as readonly Uint8Array[])[pushed]!.length
          : packed.lengths[pushed]!;
      const start = this.writePosition;
      const index = this.reserve(recordBytes(length));
      if (index < 0) {
        this.writePosition = start;
        break;
      }
      const to = index + Record.HEADER_BYTES;
      if (packed === null) this.data.set((batch as readonly Uint8Array[])[pushed]!, to);
      else this.data.set(packed.bytes.subarray(at, at + length), to);
      at += length;
      this.writeRecordHeader(index, length, typeAt(types, pushed));
    }
    if (pushed > first) this.publishCounted(pushed - first);
    this.refuse(total - pushed);
    return pushed - first;
  }

  /**
   * `block` policy: pushes every record of the batch (as pushBatch), waiting (blocking this
   * thread) for room as the consumer frees it, all within `timeoutMs` — then throws TIMEOUT (or
   * PEER_GONE) with `error.pushed` saying how many went in. Returns the batch's record count.
   * `drop`: the same as pushBatch.
   */
  pushAll(
    batch: ByteBatch,
    types: number | ArrayLike<number> = 0,
    options: WaitOptions = {},
  ): number {
    const total = this.checkBatch(batch, types);
    const starts = batchStarts(batch, total);
    return this.pushEachSync(
      total,
      (first) => this.pushBatchFrom(batch, types, first, total, starts[first]!),
      (first) => this.worstCaseBytes(batchLength(batch, first)),
      options,
    );
  }

  /** pushAll without blocking the event loop. */
  pushAllAsync(
    batch: ByteBatch,
    types: number | ArrayLike<number> = 0,
    options: WaitOptions = {},
  ): Promise<number> {
    const total = this.checkBatch(batch, types);
    const starts = batchStarts(batch, total);
    return this.pushEachAsync(
      total,
      (first) => this.pushBatchFrom(batch, types, first, total, starts[first]!),
      (first) => this.worstCaseBytes(batchLength(batch, first)),
      options,
    );
  }

  /** Checks a whole batch before any of it is written: a bad record refuses the batch. Returns its record count. */
  private checkBatch(batch: ByteBatch, types: number | ArrayLike<number>): number {
    this.assertOpen();
    this.assertNoClaim();
    if (typeof types !== 'number' && (types === null || typeof types !== 'object'))
      throw new RingError(
        'INVALID_OPTIONS',
        `types must be a number or an array of numbers, got ${typeof types}.`,
      );
    if (isPacked(batch)) {
      assertBytes(batch.bytes, "a packed batch's bytes");
      const { lengths } = batch;
      let sum = 0;
      for (let i = 0; i < lengths.length; i++) {
        const length = lengths[i]!;
        if (!(Number.isInteger(length) && length >= 0))
          throw new RingError(
            'INVALID_OPTIONS',
            `record ${i}'s length must be an integer ≥ 0, length=${length}`,
          );
        this.assertPushable(null, typeAt(types, i), length);
        sum += length;
      }
      if (sum > batch.bytes.length)
        throw new RingError(
          'INVALID_OPTIONS',
          `the lengths add up to ${sum} bytes but the packed batch holds ${batch.bytes.length}.`,
        );
      return lengths.length;
    }
    if (!Array.isArray(batch))
      throw new RingError(
        'INVALID_OPTIONS',
        'a batch must be an array of Uint8Array records or { bytes, lengths }.',
      );
    for (let i = 0; i < batch.length; i++) {
      assertBytes(batch[i], `payload ${i}`);
      this.assertPushable(null, typeAt(types, i), batch[i]!.length);
    }
    return batch.length;
  }

  /**
   * Claims room for one record of `length` payload bytes to write in place, or
   * null when it does not fit now (under `drop` counted as dropped: do not retry it).
   */
  tryClaim(length: number): ByteClaim | null {
    this.assertPushable(null, 0, length);
    const start = this.writePosition;
    const index = this.reserve(recordBytes(length));
    if (index < 0) {
      this.writePosition = start;
      this.refuse(1);
      return null;
    }
    this.claimStart = start;
    this.claimIndex = index;
    this.claim1.offset = index + Record.HEADER_BYTES;
    this.claim1.length = length;
    this.claimOpen = this.claim1;
    return this.claim1;
  }

  /**
   * `block` policy: waits (blocking this thread) until a record of `length` bytes fits, then
   * claims it. Throws TIMEOUT after `timeoutMs`, PEER_GONE if the consumer died. `drop`: tryClaim.
   */
  claim(length: number, options: WaitOptions = {}): ByteClaim | null {
    if (this.waitsWhenFull()) this.waitForSpaceSync(this.roomForClaim(length), options);
    return this.tryClaim(length);
  }

  /** claim without blocking the event loop. */
  async claimAsync(length: number, options: WaitOptions = {}): Promise<ByteClaim | null> {
    if (this.waitsWhenFull()) await this.waitForSpaceAsync(this.roomForClaim(length), options);
    return this.tryClaim(length);
  }

  /** Room for a claim of `length`, after the checks tryClaim makes: a record that can never fit is refused, not waited for. */
  private roomForClaim(length: number): number {
    this.assertPushable(null, 0, length);
    return this.worstCaseBytes(length);
  }

  /**
   * Claims room for up to `count` records of `length` payload bytes each, written
   * in place and published by one commit; null when not even one fits now (under
   * `drop` those `count` records are then counted as dropped: do not retry them).
   * Fewer come back where the data area wraps or the ring is nearly full; claim
   * again for the rest.
   */
  tryClaimRecords(count: number, length: number): ByteRecordsClaim | null {
    if (!(Number.isInteger(count) && count >= 1))
      throw new RingError(
        'INVALID_OPTIONS',
        `tryClaimRecords count must be an integer ≥ 1, count=${count}`,
      );
    this.assertPushable(null, 0, length);
    const start = this.writePosition;
    const stride = recordBytes(length);
    const index = this.reserve(stride, Math.min(this.capacity, stride * count));
    if (index < 0) {
      this.writePosition = start;
      this.refuse(count);
      return null;
    }
    const contiguous = Math.floor((this.capacity - index) / stride);
    const free = Math.floor(this.freeSpace(stride) / stride);
    const claim = this.claimMany;
    claim.offset = index + Record.HEADER_BYTES;
    claim.stride = stride;
    claim.count = Math.min(count, contiguous, free);
    claim.length = length;
    this.claimStart = start;
    this.claimIndex = index;
    this.claimOpen = claim;
    return claim;
  }

  /**
   * `block` policy: waits (blocking this thread) until `count` records of `length` bytes fit
   * (as many as the ring can hold, when that is fewer), then claims them as tryClaimRecords.
   * `drop`: tryClaimRecords.
   */
  claimRecords(count: number, length: number, options: WaitOptions = {}): ByteRecordsClaim | null {
    if (this.waitsWhenFull()) this.waitForSpaceSync(this.roomForRecords(count, length), options);
    return this.tryClaimRecords(count, length);
  }

  /** claimRecords without blocking the event loop. */
  async claimRecordsAsync(
    count: number,
    length: number,
    options: WaitOptions = {},
  ): Promise<ByteRecordsClaim | null> {
    if (this.waitsWhenFull())
      await this.waitForSpaceAsync(this.roomForRecords(count, length), options);
    return this.tryClaimRecords(count, length);
  }

  /** Bytes that guarantee `count` records of `length` fit wherever the write position is. */
  private roomForRecords(count: number, length: number): number {
    this.assertPushable(null, 0, length);
    const stride = recordBytes(length);
    const fitting = Math.max(1, Math.min(count, Math.floor(this.capacity / stride) - 1));
    return Math.min(this.capacity, this.worstCaseBytes(length) + (fitting - 1) * stride);
  }

  /** A wait is due before a claim: block policy, and no error the claim itself must raise. */
  private waitsWhenFull(): boolean {
    return this.descriptor.fullPolicy === 'block' && this.claimOpen === null && !this.closed;
  }

  /** @internal Called by ByteClaim. */
  commitClaim(type: number, length: number): void {
    if (this.claimOpen !== this.claim1)
      throw new RingError('INVALID_OPTIONS', 'commit() called with no open claim.');
    if (!Number.isInteger(length) || length < 0 || length > this.claim1.length) {
      throw new RingError(
        'INVALID_OPTIONS',
        `commit length must be 0 … ${this.claim1.length} (the claimed bytes), length=${length}`,
      );
    }
    assertType(type);
    this.claimOpen = null;
    this.writeRecordHeader(this.claimIndex, length, type);
    this.publishCounted(1);
  }

  /** @internal Called by ByteRecordsClaim. */
  commitRecords(types: number | ArrayLike<number>, count: number): void {
    const claim = this.claimMany;
    if (this.claimOpen !== claim)
      throw new RingError('INVALID_OPTIONS', 'commit() called with no open claim.');
    if (!(Number.isInteger(count) && count >= 0 && count <= claim.count))
      throw new RingError(
        'INVALID_OPTIONS',
        `commit count must be 0 … ${claim.count} (the claimed records), count=${count}`,
      );
    if (typeof types === 'number') assertType(types);
    else for (let i = 0; i < count; i++) assertType(typeAt(types, i));
    this.claimOpen = null;
    if (count === 0) {
      this.writePosition = this.claimStart;
      return;
    }
    const words = this.words32;
    const step = claim.stride >> 2;
    const length = claim.length;
    const first = this.claimIndex >> 2;
    // One type for all (the usual case) keeps the per-record test out of the loop.
    if (typeof types === 'number' && types < NAN_FREE_TYPES) {
      // The first header as two words, then every other one as a copy of its 8 bytes: one store
      // a record instead of two. (Read back as a double, a header whose type word had the
      // NaN bits could come back with other bits; below NAN_FREE_TYPES it cannot be a NaN.)
      words[first] = length;
      words[first + 1] = types;
      const headers = this.views.f64;
      const header = headers[first >> 1]!;
      const doubles = step >> 1;
      for (let i = 1, slot = (first >> 1) + doubles; i < count; i++, slot += doubles)
        headers[slot] = header;
    } else if (typeof types === 'number')
      for (let i = 0, word = first; i < count; i++, word += step) {
        words[word] = length;
        words[word + 1] = types;
      }
    else
      for (let i = 0, word = first; i < count; i++, word += step) {
        words[word] = length;
        words[word + 1] = types[i] ?? 0;
      }
    this.writePosition = (this.writePosition + count * claim.stride) >>> 0;
    this.publishCounted(count);
  }

  /** @internal Called by ByteClaim and ByteRecordsClaim. */
  abortClaim(): void {
    if (this.claimOpen === null) return;
    this.claimOpen = null;
    this.writePosition = this.claimStart;
  }

  /**
   * Encodes `text` as UTF-8 straight into the ring (no scratch buffer, no copy)
   * and publishes it as one record of `type`. False when it does not fit now:
   * under `drop` counted as dropped, under `block` nothing is counted (use
   * pushString). Read it back in a drain handler with `views.text(offset, length)`.
   */
  tryPushString(text: string, type = 0): boolean {
    if (typeof text !== 'string')
      throw new RingError('INVALID_OPTIONS', `tryPushString needs a string, got ${typeof text}.`);
    this.assertPushable(null, type, 0);
    // Room for the longest encoding when that is allowed; else the exact length (a scan).
    const longest = text.length * MAX_UTF8_PER_UNIT;
    const start = this.writePosition;
    let room = longest <= this.maxRecord ? longest : this.exactLength(text);
    let index = this.reserve(recordBytes(room));
    if (index < 0 && room === longest && longest > 0) {
      this.writePosition = start;
      room = this.exactLength(text);
      index = this.reserve(recordBytes(room));
    }
    if (index < 0) {
      this.writePosition = start;
      this.refuse(1);
      return false;
    }
    const written = this.views.writeText(text, index + Record.HEADER_BYTES, room);
    this.writeRecordHeader(index, written, type);
    this.publishCounted(1);
    return true;
  }

  /** `block` policy: waits (blocking this thread) for room, then pushes the string; `drop`: tryPushString. */
  pushString(text: string, type = 0, options: WaitOptions = {}): boolean {
    return this.tryPushString(text, type) || this.pushStringWhenFull(text, type, options);
  }

  private pushStringWhenFull(text: string, type: number, options: WaitOptions): boolean {
    if (this.descriptor.fullPolicy === 'drop') return false;
    this.waitForSpaceSync(this.worstCaseBytes(this.exactLength(text)), options);
    return this.tryPushString(text, type);
  }

  /** pushString without blocking the event loop. */
  async pushStringAsync(text: string, type = 0, options: WaitOptions = {}): Promise<boolean> {
    const pushed = this.tryPushString(text, type);
    if (pushed || this.descriptor.fullPolicy === 'drop') return pushed;
    await this.waitForSpaceAsync(this.worstCaseBytes(this.exactLength(text)), options);
    return this.tryPushString(text, type);
  }

  /** UTF-8 bytes of `text`; RECORD_TOO_LARGE over max record. */
  private exactLength(text: string): number {
    const length = Buffer.byteLength(text, 'utf8');
    if (length > this.maxRecord)
      throw new RingError(
        'RECORD_TOO_LARGE',
        `a string of ${length} UTF-8 bytes exceeds this ring's max record of ${this.maxRecord} bytes.`,
      );
    return length;
  }

  /** `block` policy: waits (blocking this thread) for room, then pushes; `drop`: same as tryPush. */
  push(payload: Uint8Array, type = 0, options: WaitOptions = {}): boolean {
    // The common case costs what tryPush costs; only a full ring pays for the wait's machinery.
    return this.tryPush(payload, type) || this.pushWhenFull(payload, type, options);
  }

  /** push's rare path, a method of its own so that tryPush stays inlinable (see FixedProducer.pushWhenFull). */
  private pushWhenFull(payload: Uint8Array, type: number, options: WaitOptions): boolean {
    if (this.descriptor.fullPolicy === 'drop') return false;
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
    const total = recordBytes(length);
    const tail = this.capacity - (this.writePosition & this.mask);
    return total <= tail ? total : tail + total;
  }

  /**
   * Every error a push or claim can raise, named: closed, a claim open, not a
   * Uint8Array (`payload`, when one is given), over max record, a bad type.
   */
  private assertPushable(payload: unknown, type: number, length?: number): void {
    this.assertOpen();
    this.assertNoClaim();
    if (payload !== null) assertBytes(payload, 'a payload');
    const bytes = length ?? (payload as Uint8Array).length;
    if (!(Number.isInteger(bytes) && bytes >= 0))
      throw new RingError(
        'INVALID_OPTIONS',
        `a record's length must be an integer ≥ 0, length=${bytes}`,
      );
    if (bytes > this.maxRecord) {
      throw new RingError(
        'RECORD_TOO_LARGE',
        `record of ${bytes} bytes exceeds this ring's max record of ${this.maxRecord} bytes.`,
      );
    }
    assertType(type);
  }

  private assertNoClaim(): void {
    if (this.claimOpen !== null)
      throw new RingError(
        'CLAIM_PENDING',
        'a claim is open; commit() or abort() it before writing again.',
      );
  }
}

/** Record `i`'s type: one for all, or one per record (0 past the end of a short array). */
function typeAt(types: number | ArrayLike<number>, i: number): number {
  return typeof types === 'number' ? types : (types[i] ?? 0);
}

function isPacked(batch: ByteBatch): batch is PackedRecords {
  return !Array.isArray(batch) && typeof batch === 'object' && batch !== null && 'lengths' in batch;
}

/** Record `i`'s payload length. */
function batchLength(batch: ByteBatch, i: number): number {
  return isPacked(batch) ? batch.lengths[i]! : (batch as readonly Uint8Array[])[i]!.length;
}

/** Where each record of a packed batch starts (all zeros for an array batch, which needs none). */
function batchStarts(batch: ByteBatch, total: number): Float64Array {
  const starts = new Float64Array(total + 1);
  if (isPacked(batch))
    for (let i = 0; i < total; i++) starts[i + 1] = starts[i]! + batch.lengths[i]!;
  return starts;
}

function assertType(type: number): void {
  if (!Number.isInteger(type) || type < 0 || type >= Record.PADDING_TYPE) {
    throw new RingError(
      'INVALID_OPTIONS',
      `record type must be an integer 0 … 0xFFFFFFFE (0xFFFFFFFF marks padding), type=${type}`,
    );
  }
}

/**
 * Called per record: `length` payload bytes at byte `offset` of `data`; `views`
 * are the same bytes as words (`views.u32[offset >> 2]`), a DataView and text
 * (`views.text(offset, length)` for a record pushed with pushString).
 */
export type ByteDrainHandler = (
  data: Uint8Array,
  offset: number,
  length: number,
  type: number,
  views: RingViews,
) => void;

/**
 * Called per run: `count` consecutive records of the same `length` and `type`, the first
 * record's payload at byte `offset` of `data` and each next one `stride` bytes further
 * (`stride` = the record's whole frame: header and padding included). A claimRecords batch,
 * or records pushed one by one with equal lengths and types, arrive as one run (split where
 * the ring wraps); a handler reads them as a fixed ring's drain handler does.
 */
export type ByteRunHandler = (
  data: Uint8Array,
  offset: number,
  count: number,
  stride: number,
  length: number,
  type: number,
  views: RingViews,
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
      const total = recordBytes(length);
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
    this.readPosition = (this.readPosition + recordBytes(this.peeked.length)) >>> 0;
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
   * (valid only inside the handler), publishing the read position every quarter of the ring
   * and at the end. Returns the records consumed. A handler that throws keeps the records
   * before it consumed. For records that come in runs of one length and type, drainRuns.
   */
  drain(handler: ByteDrainHandler, limit = Number.POSITIVE_INFINITY): number {
    // The usual record is read here, against bytes known to be published (`available`, re-read
    // from the producer only when used up); padding and any frame that looks wrong take next(),
    // which skips the one and reports the other. Each record's place depends on the length
    // before it, so that chain is kept in int32 arithmetic (lengths and types read as signed
    // words, positions as int32 bits): u32 values are widened to doubles by V8, which doubled
    // a record's cost.
    const { data, views, mask, capacity, maxRecord } = this;
    const headerWords = this.dataWords;
    // Constants as locals: V8 reloads module-level bindings and their fields in every pass.
    const headerBytes = Record.HEADER_BYTES;
    const roundUp = Record.HEADER_BYTES + Record.ALIGNMENT - 1;
    const alignMask = -Record.ALIGNMENT;
    const paddingWord = PADDING_WORD;
    // A long drain gives room back every quarter of the ring, not only at its end: a producer
    // waiting for room then writes while this side reads, instead of each waiting for the other.
    const publishEvery = capacity >> 2;
    let position = this.readPosition | 0;
    let published = position;
    let publishedRecords = 0;
    let records = 0;
    let available = this.availableWithin();
    if (available > 0) this.noteFill(available);
    while (available > 0 && records < limit) {
      const index = position & mask;
      const length = headerWords[index >> 2]!;
      const type = headerWords[(index >> 2) + 1]!;
      const total = (length + roundUp) & alignMask;
      if (
        type === paddingWord ||
        length < 0 ||
        length > maxRecord ||
        total > available ||
        index + total > capacity
      ) {
        if (!this.next()) break;
        position = this.readPosition | 0;
        available = this.availableWithin();
        continue;
      }
      handler(data, index + headerBytes, length, type >>> 0, views);
      position = (position + total) | 0;
      this.readPosition = position >>> 0; // per record: a handler that throws keeps what it consumed
      available = (available - total) | 0;
      records++;
      if (((position - published) | 0) >= publishEvery) {
        this.publishReadCounted(records - publishedRecords);
        published = position;
        publishedRecords = records;
      }
      if (available === 0) available = this.availableWithin();
    }
    if (position !== published) this.publishReadCounted(records - publishedRecords);
    return records;
  }

  /**
   * Hands each run of consecutive records with the same length and type to `handler` in one
   * call (see ByteRunHandler), up to `limit` records in all, publishing the read position
   * every quarter of the ring and at the end. Every record's header is still checked (it must repeat
   * the run's first), but the per-record call is gone, so a run of small records costs about
   * what a fixed ring's drain does. A handler that throws consumes nothing of its run.
   * Returns the records consumed.
   */
  drainRuns(handler: ByteRunHandler, limit = Number.POSITIVE_INFINITY): number {
    // drain()'s loop, int32 arithmetic and all; after a run's first record each next header is
    // compared with it, which is all the checking a frame that repeats it needs. drain() keeps
    // a loop of its own: handing records that seldom repeat through runs cost twice as much.
    const { data, views, mask, capacity, maxRecord } = this;
    const headerWords = this.dataWords;
    const headerDoubles = views.f64;
    // Constants as locals: V8 reloads module-level bindings and their fields in every pass.
    const headerBytes = Record.HEADER_BYTES;
    const roundUp = Record.HEADER_BYTES + Record.ALIGNMENT - 1;
    const alignMask = -Record.ALIGNMENT;
    const paddingWord = PADDING_WORD;
    // A long drain gives room back every quarter of the ring, not only at its end: a producer
    // waiting for room then writes while this side reads, instead of each waiting for the other.
    const publishEvery = capacity >> 2;
    let position = this.readPosition | 0;
    let published = position;
    let publishedRecords = 0;
    let records = 0;
    let available = this.availableWithin();
    if (available > 0) this.noteFill(available);
    while (available > 0 && records < limit) {
      const index = position & mask;
      const word = index >> 2;
      const length = headerWords[word]!;
      const type = headerWords[word + 1]!;
      const total = (length + roundUp) & alignMask;
      if (
        type === paddingWord ||
        length < 0 ||
        length > maxRecord ||
        total > available ||
        index + total > capacity
      ) {
        if (!this.next()) break;
        position = this.readPosition | 0;
        available = this.availableWithin();
        continue;
      }
      // The run: while the next frame is published, before the ring's end, within a quarter of
      // the ring (so room is given back as it goes), and repeats this one.
      const most = Math.min(
        limit - records,
        ((capacity - index) / total) | 0,
        (available / total) | 0,
        Math.max(1, (publishEvery / total) | 0),
      );
      const step = total >> 2;
      let count = 1;
      const header = headerDoubles[word >> 1]!;
      if (header !== 0 && type >= 0 && type < NAN_FREE_TYPES) {
        // One compare a frame: equal as doubles means the same 8 bytes (see NAN_FREE_TYPES).
        const doubles = step >> 1;
        for (let next = (word >> 1) + doubles; count < most; next += doubles, count++)
          if (headerDoubles[next] !== header) break;
      } else
        for (let next = word + step; count < most; next += step, count++)
          if (headerWords[next] !== length || headerWords[next + 1] !== type) break;
      handler(data, index + headerBytes, count, total, length, type >>> 0, views);
      const bytes = Math.imul(count, total);
      position = (position + bytes) | 0;
      this.readPosition = position >>> 0;
      available = (available - bytes) | 0;
      records += count;
      if (((position - published) | 0) >= publishEvery) {
        this.publishReadCounted(records - publishedRecords);
        published = position;
        publishedRecords = records;
      }
      if (available === 0) available = this.availableWithin();
    }
    if (position !== published) this.publishReadCounted(records - publishedRecords);
    return records;
  }

  /** available(), at most 2³¹ − 8 (an int32: a 2 GiB ring that is full is drained in two passes). */
  private availableWithin(): number {
    return Math.min(this.available(), 0x7ffffff8);
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
