import { BatchViews } from './batch-views.js';
import { BpfError } from './errors.js';
import { Batch, KernelRecord } from './layout.js';
import {
  type EventObject,
  type FieldReader,
  type FieldSpec,
  type FieldSpecs,
  fieldReader,
  type Schema,
} from './schema.js';

/** Typed accessors: `batch.get.cpu(i)` reads field `cpu` of event i, straight from the ring. */
export type FieldAccessors<F extends FieldSpecs> = {
  readonly [K in keyof F]: (index: number) => EventObject<F>[K];
};

/**
 * One batch of events as the reader thread delivered it — a view into the JS ring — or,
 * under mode 'direct', a view of the kernel ring itself; valid until the next batch is
 * asked for (the iterator's next step, or the callback's return). Nothing is allocated
 * per event unless `toObjects()` is called. Fields read through `get` (a checked call per
 * field) or in place through `offsets` and `views` (one typed-array load per word).
 */
export class EventBatch<F extends FieldSpecs = FieldSpecs> {
  /**
   * The ring the batch was drained from: its index in `reader.rings` (the CPU, for one
   * object's per-CPU ring map read alone); -1 for a merged batch.
   */
  ring = 0;
  /** True when events from every ring were merged into timestamp order. */
  merged = false;
  /** Events in the batch (kernel records when there is no schema). */
  length = 0;
  /** Kernel records in the batch (a record may hold several events). */
  records = 0;
  /** Payload bytes of the batch's records. */
  bytes = 0;
  /** @internal Records of the run the program discarded (skipped, not in the batch). */
  discarded = 0;
  /**
   * True when every event of the batch starts on a 4-byte boundary of the data area: then a
   * u32 or i32 field at byte `at` of event i is `views.u32[(offsets[i] + at) >>> 2]`, else
   * read it through `views.dataView`. Always true for a reader's batches whose schema size
   * is a multiple of 4, and without a schema. Their records start 8-byte aligned, so where
   * the size is a multiple of 8, an f64 at an 8-aligned `at` is
   * `views.f64[(offsets[i] + at) >>> 3]`.
   */
  wordAligned = false;
  /** Typed readers, one per schema field. */
  readonly get: FieldAccessors<F>;
  /**
   * Typed arrays over the whole data area (`bytes`, `dataView`, `i32`, `u32`, `f32`,
   * `f64`, as @ringkit/spsc-ring's drain `views`): with `offsets`, the in-place fast path.
   * Made once; the same objects for every batch this object hands out.
   */
  readonly views: BatchViews;

  // Per event: its byte offset; its length and ring only where they vary (no
  // schema; a merged batch), so a batch of fixed-size events costs one store per event.
  private eventOffsets = new Uint32Array(1024);
  private eventLengths = new Uint32Array(1024);
  private eventRings = new Uint32Array(1024);
  /** `offsets`, made on first use after each index pass (null until then). */
  private exactOffsets: Uint32Array | null = null;
  private readonly readers: [string, FieldReader][];
  /** The data area as 32-bit words: u32, i32 and u64 fields read without a DataView call. */
  private readonly words: Uint32Array;
  private readonly signedWords: Int32Array;

  constructor(
    /** The JS ring's data area (the ring's whole data region). */
    private readonly view: DataView,
    readonly schema: Schema<F> | null,
  ) {
    const fields = schema?.fields ?? ({} as F);
    this.readers = Object.entries(fields).map(([name, spec]) => [name, fieldReader(spec)]);
    this.views = new BatchViews(view);
    this.words = this.views.u32;
    this.signedWords = this.views.i32;
    const accessors: Record<string, (index: number) => unknown> = {};
    for (const [name, spec] of Object.entries(fields)) accessors[name] = this.accessor(spec);
    this.get = accessors as FieldAccessors<F>;
  }

  /**
   * Each event's byte offset in the data area: event i (0 ≤ i < `length`) lies at
   * `offsets[i]`, and `offsets.length === length`. A view of the batch's own index, made on
   * first use: valid, like the batch, until the next batch is asked for, and read-only (a
   * write would misplace what `get` reads). With `views`, the fast path: one typed-array
   * load per field, no call and no bounds check beyond the array's own (an index past
   * `length` reads `undefined`, which is the caller's error).
   */
  get offsets(): Uint32Array {
    if (this.exactOffsets === null) this.exactOffsets = this.eventOffsets.subarray(0, this.length);
    return this.exactOffsets;
  }

  /** Byte offset of event `index` in `data`. */
  offsetOf(index: number): number {
    // One comparison rejects fractions, negatives and NaN (x >>> 0 !== x) and the end.
    if (index >>> 0 !== index || index >= this.length)
      throw new RangeError(`event index ${index} is outside this batch of ${this.length} events`);
    return this.eventOffsets[index]!;
  }

  /** Bytes of event `index` (the schema's size, or the record's length without a schema). */
  lengthOf(index: number): number {
    this.offsetOf(index);
    return this.schema === null ? this.eventLengths[index]! : this.schema.size;
  }

  /** The ring event `index` came from: its index in `reader.rings` (the CPU under per-CPU). */
  ringOf(index: number): number {
    this.offsetOf(index);
    return this.merged ? this.eventRings[index]! : this.ring;
  }

  /** The ring's data area as a DataView: events lie at `offsetOf(i)`. */
  get data(): DataView {
    return this.view;
  }

  /** Copies the batch's events out as plain objects (allocates; for logging and tests). */
  toObjects(): EventObject<F>[] {
    const objects: EventObject<F>[] = [];
    for (let index = 0; index < this.length; index++) {
      const object: Record<string, unknown> = {};
      const offset = this.eventOffsets[index]!;
      for (const [name, read] of this.readers) object[name] = read(this.view, offset);
      objects.push(object as EventObject<F>);
    }
    return objects;
  }

  /**
   * One accessor per field, each its own function literal per type: a loop that
   * reads several fields calls each monomorphically, so V8 inlines the read and a
   * u64 never comes back as a boxed number. 32-bit words where the batch is
   * word-aligned (the reader's batches always are), the DataView otherwise.
   */
  private accessor({ offset: at, type }: FieldSpec): (index: number) => number | string {
    const view = this.view;
    const words = this.words;
    const signedWords = this.signedWords;
    switch (type) {
      case 'u32':
        return (index) => {
          const offset = this.offsetOf(index) + at;
          return this.wordAligned ? words[offset >>> 2]! : view.getUint32(offset, true);
        };
      case 'i32':
        return (index) => {
          const offset = this.offsetOf(index) + at;
          return this.wordAligned ? signedWords[offset >>> 2]! : view.getInt32(offset, true);
        };
      case 'u64':
        // Two u32 halves: no BigInt allocated per read; exact below 2^53 (104 days of nanoseconds).
        // 2 ** 32 written out: V8 folds a literal, a module-level constant is a load per read.
        return (index) => {
          const offset = this.offsetOf(index) + at;
          if (!this.wordAligned)
            return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * 2 ** 32;
          const word = offset >>> 2;
          return words[word]! + words[word + 1]! * 2 ** 32;
        };
      case 'i64':
        return (index) => {
          const offset = this.offsetOf(index) + at;
          if (!this.wordAligned)
            return view.getUint32(offset, true) + view.getInt32(offset + 4, true) * 2 ** 32;
          const word = offset >>> 2;
          return words[word]! + signedWords[word + 1]! * 2 ** 32;
        };
      default: {
        const read = fieldReader({ offset: at, type });
        return (index) => read(view, this.offsetOf(index));
      }
    }
  }

  /**
   * @internal Indexes the batch record at byte `offset` (payload `length` bytes)
   * of the data area: one pass over its kernel record headers.
   */
  load(offset: number, length: number): void {
    const view = this.view;
    if (length < Batch.HEADER_BYTES) throw this.corrupt(`a batch of ${length} bytes has no header`);
    const ring = view.getUint32(offset + Batch.RING, true);
    const dataBytes = view.getUint32(offset + Batch.DATA_BYTES, true);
    this.merged = (view.getUint32(offset + Batch.FLAGS, true) & Batch.MERGED) !== 0;
    this.ring = this.merged ? -1 : ring;
    if (Batch.HEADER_BYTES + dataBytes > length)
      throw this.corrupt(`batch says ${dataBytes} data bytes in a ${length}-byte record`);
    const end = offset + Batch.HEADER_BYTES + dataBytes;
    // The reader thread never copies out a record still being written.
    if (this.index(offset, offset + Batch.HEADER_BYTES, end) !== end)
      throw this.corrupt('it holds a record still being written');
  }

  /**
   * @internal Indexes the kernel records of ring `ring` that lie in place in the data area
   * from byte `start` (8-aligned) to `end`, up to the first one still being written; returns
   * where it stopped. The direct reader's batches: a view of the kernel ring itself.
   */
  loadKernelRun(ring: number, start: number, end: number): number {
    this.merged = false;
    this.ring = ring;
    return this.index(start, start, end);
  }

  /**
   * One pass over the kernel record headers from `cursor` to `end` (the run begins at
   * `start`): each event's offset, the counts, and the records skipped as discarded. Stops
   * at a record still being written (BUSY) and returns where.
   */
  private index(start: number, cursor: number, end: number): number {
    const view = this.view;
    const eventSize = this.schema?.size ?? 0;
    const words = this.words;
    // Record headers lie 8-aligned from the run: word reads whenever it is 4-aligned.
    const wordHeaders = words.length > 0 && start % 4 === 0;
    const plainLoads = wordHeaders && PLAIN_LOADS_ACQUIRE;
    this.wordAligned = wordHeaders && eventSize % 4 === 0;
    this.exactOffsets = null;
    const merged = this.merged;
    // Per event beyond its offset: its length (no schema) or its ring (merged).
    const moreThanOffsets = eventSize === 0 || merged;
    // Locals, not KernelRecord's properties: they stay in registers through the loop.
    const busyBit = KernelRecord.BUSY_BIT;
    const discardBit = KernelRecord.DISCARD_BIT;
    const lengthMask = ~(busyBit | discardBit);
    const headerBytes = KernelRecord.HEADER_BYTES;
    let offsets: Uint32Array = this.eventOffsets;
    let events = 0;
    let records = 0;
    let bytes = 0;
    let discarded = 0;
    // A program writes records of one length, nearly always: the events per record are
    // worked out (and checked) again only when the length changes.
    let lastLength = -1;
    let count = 0;
    // The common case first: one schema-sized event per record, committed. Such a record's
    // header word is exactly the event size (no BUSY or DISCARD bit), so a run of them is
    // indexed with one load, one compare and one store each (about half the general loop's
    // cost). The first record that differs, if any, falls through to the general loop.
    if (plainLoads && !moreThanOffsets) {
      const stride = headerBytes + ((eventSize + 7) & ~7);
      const most = events + Math.floor((end - cursor) / stride);
      if (most > offsets.length) offsets = this.ensure(most);
      while (cursor + stride <= end && (words[cursor >>> 2]! | 0) === eventSize) {
        offsets[events++] = cursor + headerBytes;
        cursor += stride;
      }
      records = events;
      bytes = events * eventSize;
    }
    while (cursor < end) {
      // The header must be read with acquire, pairing with the kernel's commit (an xchg
      // after the payload writes), so that the payload reads that follow see what the
      // program wrote. x64 orders loads with loads, and V8 moves no load across the calls
      // and stores between this one and the payload's: a plain load is an acquire there.
      // Elsewhere Atomics.load (ldar on arm64), which costs ~20 ns per record on an
      // ArrayBuffer that is not shared (V8 calls a builtin). Both as int32 (`| 0`): one
      // representation for the loop, which then stays in 32-bit registers.
      const word = plainLoads ? words[cursor >>> 2]! | 0 : this.acquireHeader(cursor);
      if ((word & busyBit) !== 0) break;
      const recordLength = word & lengthMask;
      const payload = cursor + headerBytes;
      const next = payload + ((recordLength + 7) & ~7);
      if (next > end) throw this.corrupt(`record of ${recordLength} bytes runs past the batch`);
      cursor = next;
      if ((word & discardBit) !== 0) {
        discarded++;
        continue;
      }
      records++;
      bytes += recordLength;
      if (recordLength !== lastLength) {
        count = this.eventsPerRecord(recordLength, eventSize);
        lastLength = recordLength;
      }
      if (events + count > offsets.length) offsets = this.ensure(events + count);
      if (count === 1 && !moreThanOffsets) {
        // One event per record is the common case: one store.
        offsets[events++] = payload;
        continue;
      }
      if (eventSize === 0) this.eventLengths[events] = recordLength;
      for (let index = 0; index < count; index++)
        offsets[events + index] = payload + index * eventSize;
      if (merged) {
        // A merged batch's record header holds its ring in its second word (LAYOUT.md).
        const ring = view.getUint32(payload - 4, true);
        if (count === 1) this.eventRings[events] = ring;
        else this.eventRings.fill(ring, events, events + count);
      }
      events += count;
    }
    this.length = events;
    this.records = records;
    this.bytes = bytes;
    this.discarded = discarded;
    return cursor;
  }

  /** The record header at byte `cursor`, read with acquire where a plain load is not one. */
  private acquireHeader(cursor: number): number {
    if (this.words.length === 0 || cursor % 4 !== 0) return this.view.getInt32(cursor, true);
    return Atomics.load(this.words, cursor >>> 2) | 0;
  }

  /** Events in a record of `recordLength` bytes: one without a schema, else its whole events. */
  private eventsPerRecord(recordLength: number, eventSize: number): number {
    if (eventSize === 0 || recordLength === eventSize) return 1;
    const count = recordLength / eventSize;
    if (!Number.isInteger(count))
      throw new BpfError(
        'INVALID_OPTIONS',
        `a ${recordLength}-byte record is not a whole number of ${eventSize}-byte "${this.schema!.name}" events: the schema does not match what the program writes.`,
      );
    return count | 0; // an int32, so the loop's event count stays one
  }

  /** Grows the per-event arrays to hold `events`; returns the offsets array. */
  private ensure(events: number): Uint32Array {
    if (events <= this.eventOffsets.length) return this.eventOffsets;
    const size = Math.max(events, this.eventOffsets.length * 2);
    const grow = (from: Uint32Array) => {
      const to = new Uint32Array(size);
      to.set(from);
      return to;
    };
    this.eventOffsets = grow(this.eventOffsets);
    this.eventLengths = grow(this.eventLengths);
    this.eventRings = grow(this.eventRings);
    return this.eventOffsets;
  }

  private corrupt(why: string): BpfError {
    return new BpfError('READER_FAILED', `a batch of kernel records is corrupt: ${why}.`);
  }
}

/** True where a plain load of a record header is an acquire (see index()). */
const PLAIN_LOADS_ACQUIRE = process.arch === 'x64';
