import { assertBytes, RingError } from './errors.js';
import { RecordCopier } from './record-copy.js';
import { type AttachOptions, ConsumerEnd, ProducerEnd } from './ring-end.js';
import type { RingViews } from './views.js';
import type { WaitOptions } from './wait.js';

/** A run of contiguous slots claimed for writing in place. One object per producer, reused. */
export class FixedClaim {
  /** Byte offset of the first claimed slot in `producer.data`. */
  offset = 0;
  /** Slots claimed: as many as asked, or fewer where the data area wraps. */
  count = 0;

  constructor(private readonly producer: FixedProducer) {}

  /** The claimed slots as one view (allocates a view; use `offset` with `producer.data` to avoid it). */
  get bytes(): Uint8Array {
    return this.producer.data.subarray(
      this.offset,
      this.offset + this.count * this.producer.descriptor.recordSize,
    );
  }

  /** Publishes the first `count` claimed slots (default: all of them). */
  commit(count = this.count): void {
    this.producer.commitClaim(count);
  }

  /** Gives the claimed slots back unpublished. */
  abort(): void {
    this.producer.abortClaim();
  }
}

/**
 * The writing end of a fixed-slot ring. One per ring, on one thread: every
 * field it writes has no other writer.
 */
export class FixedProducer extends ProducerEnd {
  private readonly recordSize: number;
  private readonly openClaim = new FixedClaim(this);
  private claimOpen = false;
  private readonly copier = new RecordCopier(this.data, this.dataWords);

  static attach(buffer: SharedArrayBuffer, options: AttachOptions = {}): FixedProducer {
    return new FixedProducer(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: AttachOptions) {
    super(buffer, 'fixed', options);
    this.recordSize = this.descriptor.recordSize;
  }

  /**
   * Copies one record into the next slot and publishes it. False when the ring is
   * full: under `drop` the record is counted as dropped, under `block` nothing is
   * counted (use `push`). A record shorter than the slot leaves the slot's tail as it was.
   */
  tryPush(record: Uint8Array): boolean {
    // One test guards every error; the checks that name the error stay off the hot path.
    if (
      this.closed ||
      this.claimOpen ||
      !(record instanceof Uint8Array) ||
      record.length > this.recordSize
    )
      this.assertWritable(record);
    if (this.capacity === (this.writePosition - this.readPositionCache) >>> 0 && this.stillFull())
      return false;
    this.copier.toRing(record, (this.writePosition & this.mask) * this.recordSize);
    this.writePosition = (this.writePosition + 1) >>> 0;
    this.publish(1);
    return true;
  }

  /**
   * Copies `count` records laid end to end in `records` (default: as many as it
   * holds) and publishes them once. Returns how many fit; under `drop` the rest
   * are counted as dropped.
   */
  pushBatch(records: Uint8Array, count?: number): number {
    count = this.checkBatch(records, count);
    this.assertOpen();
    this.assertNoClaim();
    const size = this.recordSize;
    const fitting = Math.min(count, this.freeSpace(count));
    if (fitting > 0) {
      const index = this.writePosition & this.mask;
      const first = Math.min(fitting, this.capacity - index);
      this.data.set(records.subarray(0, first * size), index * size);
      if (fitting > first) this.data.set(records.subarray(first * size, fitting * size), 0);
      this.writePosition = (this.writePosition + fitting) >>> 0;
      this.publish(fitting);
    }
    this.refuse(count - fitting);
    return fitting;
  }

  /**
   * `block` policy: pushes every record of `records` (as pushBatch), waiting (blocking this
   * thread) for room as the consumer frees it, all within `timeoutMs` — then throws TIMEOUT
   * (or PEER_GONE) with `error.pushed` saying how many went in. Returns `count`.
   * `drop`: the same as pushBatch.
   */
  pushAll(records: Uint8Array, count?: number, options: WaitOptions = {}): number {
    const total = this.checkBatch(records, count);
    return this.pushEachSync(
      total,
      (first) => this.pushBatch(records.subarray(first * this.recordSize), total - first),
      (first) => Math.min(total - first, this.capacity),
      options,
    );
  }

  /** pushAll without blocking the event loop. */
  pushAllAsync(records: Uint8Array, count?: number, options: WaitOptions = {}): Promise<number> {
    const total = this.checkBatch(records, count);
    return this.pushEachAsync(
      total,
      (first) => this.pushBatch(records.subarray(first * this.recordSize), total - first),
      (first) => Math.min(total - first, this.capacity),
      options,
    );
  }

  /** The records a batch holds, after the checks pushBatch makes. */
  private checkBatch(records: Uint8Array, count = Math.floor(records?.length / this.recordSize)) {
    assertBytes(records, 'a batch');
    const size = this.recordSize;
    if (!Number.isInteger(count) || count < 0 || count * size > records.length) {
      throw new RingError(
        'INVALID_OPTIONS',
        `batch count must be 0 … ${Math.floor(records.length / size)} for ${records.length} bytes of ${size}-byte records, count=${count}`,
      );
    }
    return count;
  }

  /**
   * Claims up to `count` contiguous slots to write in place (zero-copy), or null
   * when none is free — under `drop` those `count` records are then counted as
   * dropped, so do not retry them. Fewer slots than asked come back where the
   * data area wraps or the ring is nearly full; claim again for the rest.
   */
  tryClaim(count = 1): FixedClaim | null {
    // One test guards every error, as in tryPush: a small body is one a caller's JIT inlines whole.
    if (this.closed || this.claimOpen || !(count >= 1 && Number.isInteger(count)))
      this.assertClaimable(count);
    const free = this.freeSpace(count);
    if (free < 1) {
      this.refuse(count);
      return null;
    }
    const index = this.writePosition & this.mask;
    this.openClaim.offset = index * this.recordSize;
    this.openClaim.count = Math.min(count, free, this.capacity - index);
    this.claimOpen = true;
    return this.openClaim;
  }

  /**
   * The cheapest in-place push of one record: the byte offset in `data` of the next free slot,
   * claimed, or -1 when the ring is full (under `drop` counted as dropped, so do not retry it).
   * Write the record there (through `data` or `views`), then `commitSlot()` — or `abortSlot()`.
   * The same claim as `tryClaim(1)` without its object: for producers of one small record at a
   * time on a hot path (an allocation tracker's events), where the object's reads cost more
   * than the record's own stores.
   */
  tryClaimSlot(): number {
    if (this.closed || this.claimOpen) this.assertClaimable(1);
    // stillFull counts the drop.
    if (this.capacity === (this.writePosition - this.readPositionCache) >>> 0 && this.stillFull())
      return -1;
    this.openClaim.count = 1;
    this.claimOpen = true;
    return (this.writePosition & this.mask) * this.recordSize;
  }

  /** Publishes the slot `tryClaimSlot` returned. */
  commitSlot(): void {
    this.commitClaim(1);
  }

  /** Gives the slot `tryClaimSlot` returned back unpublished. */
  abortSlot(): void {
    this.abortClaim();
  }

  /**
   * `block` policy: waits (blocking this thread) until `count` slots are free (all of them,
   * when `count` exceeds the capacity), then claims them — fewer where the data area wraps:
   * claim again for the rest. Throws TIMEOUT after `timeoutMs`, PEER_GONE if the consumer
   * died. `drop`: the same as tryClaim.
   */
  claim(count = 1, options: WaitOptions = {}): FixedClaim | null {
    if (this.descriptor.fullPolicy === 'block' && !this.claimOpen && !this.closed)
      this.waitForSpaceSync(this.roomForClaim(count), options);
    return this.tryClaim(count);
  }

  /** claim without blocking the event loop. */
  async claimAsync(count = 1, options: WaitOptions = {}): Promise<FixedClaim | null> {
    if (this.descriptor.fullPolicy === 'block' && !this.claimOpen && !this.closed)
      await this.waitForSpaceAsync(this.roomForClaim(count), options);
    return this.tryClaim(count);
  }

  private roomForClaim(count: number): number {
    if (!(count >= 1 && Number.isInteger(count))) this.assertClaimable(count);
    return Math.min(count, this.capacity);
  }

  /** @internal Called by FixedClaim. */
  commitClaim(count: number): void {
    if (!(this.claimOpen && count >= 0 && count <= this.openClaim.count && Number.isInteger(count)))
      this.assertCommittable(count);
    this.claimOpen = false;
    if (count === 0) return;
    this.writePosition = (this.writePosition + count) >>> 0;
    this.publish(count);
  }

  /** @internal Called by FixedClaim. */
  abortClaim(): void {
    this.claimOpen = false;
  }

  /** `block` policy: waits (blocking this thread) for a free slot, then pushes; `drop`: same as tryPush. */
  push(record: Uint8Array, options: WaitOptions = {}): boolean {
    // The common case costs what tryPush costs; only a full ring pays for the wait's machinery.
    return this.tryPush(record) || this.pushWhenFull(record, options);
  }

  /**
   * A method of its own, not tiny: V8 inlines tiny callees whatever their frequency, and with the
   * wait inlined into push() it had no budget left for tryPush, which then stayed a call.
   */
  private pushWhenFull(record: Uint8Array, options: WaitOptions): boolean {
    if (this.descriptor.fullPolicy === 'drop') return false;
    this.waitForSpaceSync(1, options);
    return this.tryPush(record);
  }

  /** `block` policy without blocking the event loop. */
  async pushAsync(record: Uint8Array, options: WaitOptions = {}): Promise<boolean> {
    const pushed = this.tryPush(record);
    if (pushed || this.descriptor.fullPolicy === 'drop') return pushed;
    await this.waitForSpaceAsync(1, options);
    return this.tryPush(record);
  }

  /** The ring looked full: true (counted under drop) when it still is after a fresh look. */
  private stillFull(): boolean {
    if (this.freeSpace(1) >= 1) return false;
    this.refuse(1);
    return true;
  }

  private assertWritable(record: Uint8Array): void {
    this.assertOpen();
    this.assertNoClaim();
    assertBytes(record, 'a record');
    const length = record.length;
    if (length > this.recordSize) {
      throw new RingError(
        'RECORD_TOO_LARGE',
        `record of ${length} bytes does not fit a ${this.recordSize}-byte slot.`,
      );
    }
  }

  private assertClaimable(count: number): void {
    this.assertOpen();
    this.assertNoClaim();
    throw new RingError('INVALID_OPTIONS', `tryClaim count must be an integer ≥ 1, count=${count}`);
  }

  private assertCommittable(count: number): void {
    if (!this.claimOpen)
      throw new RingError('INVALID_OPTIONS', 'commit() called with no open claim.');
    throw new RingError(
      'INVALID_OPTIONS',
      `commit count must be 0 … ${this.openClaim.count} (the claimed slots), count=${count}`,
    );
  }

  private assertNoClaim(): void {
    if (this.claimOpen)
      throw new RingError(
        'CLAIM_PENDING',
        'a claim is open; commit() or abort() it before writing again.',
      );
  }
}

/**
 * Called with each contiguous run: `count` records starting at byte `offset` of `data`;
 * `views` are the same bytes as words (`views.u32[offset >> 2]`), a DataView and text.
 */
export type FixedDrainHandler = (
  data: Uint8Array,
  offset: number,
  count: number,
  views: RingViews,
) => void;

/** The reading end of a fixed-slot ring. One per ring, on one thread. */
export class FixedConsumer extends ConsumerEnd {
  private readonly recordSize: number;
  private readonly copier = new RecordCopier(this.data, this.dataWords);

  static attach(buffer: SharedArrayBuffer, options: AttachOptions = {}): FixedConsumer {
    return new FixedConsumer(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: AttachOptions) {
    super(buffer, 'fixed', options);
    this.recordSize = this.descriptor.recordSize;
  }

  /** Copies the next record into `target` (default: a new array) and consumes it; null when empty. */
  tryPop(target: Uint8Array = new Uint8Array(this.recordSize)): Uint8Array | null {
    if (!(target instanceof Uint8Array)) assertBytes(target, "tryPop's target");
    if (this.available() === 0) return null;
    this.copier.fromRing(
      target,
      (this.readPosition & this.mask) * this.recordSize,
      Math.min(this.recordSize, target.length),
    );
    this.readPosition = (this.readPosition + 1) >>> 0;
    this.publishRead(1);
    return target;
  }

  /**
   * Hands up to `limit` records to `handler` as contiguous runs, then returns the records
   * consumed. A run ends where the data area wraps and after a quarter of the ring: each run's
   * read position is published once its handler returns, so a producer waiting for room (a
   * full ring) writes while this side reads on, instead of each side waiting for the other (a
   * byte ring's drain does the same). A handler that throws keeps the runs before it consumed.
   * The views are valid only inside the handler.
   */
  drain(handler: FixedDrainHandler, limit = Number.POSITIVE_INFINITY): number {
    const available = this.available();
    if (available <= 0) return 0;
    this.noteFill(available);
    const count = Math.min(available, limit);
    if (count <= 0) return 0;
    const { capacity, recordSize } = this;
    const quarter = Math.max(1, capacity >> 2);
    for (let left = count; left > 0; ) {
      const index = this.readPosition & this.mask;
      const run = Math.min(left, capacity - index, quarter);
      handler(this.data, index * recordSize, run, this.views);
      this.readPosition = (this.readPosition + run) >>> 0;
      this.publishRead(run);
      left -= run;
    }
    return count;
  }

  /** Byte offset in `data` of the next record without consuming it, or -1 when empty. */
  peek(): number {
    return this.available() === 0 ? -1 : (this.readPosition & this.mask) * this.recordSize;
  }
}
