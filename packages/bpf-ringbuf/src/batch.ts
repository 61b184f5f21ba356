import { BpfError } from './errors.js';
import { Batch, KernelRecord } from './layout.js';
import {
  type EventObject,
  type FieldReader,
  type FieldSpecs,
  fieldReader,
  type Schema,
} from './schema.js';

/** Typed accessors: `batch.get.cpu(i)` reads field `cpu` of event i, straight from the ring. */
export type FieldAccessors<F extends FieldSpecs> = {
  readonly [K in keyof F]: (index: number) => EventObject<F>[K];
};

/**
 * One batch of events as the reader thread delivered it: a view into the JS ring,
 * valid until the next batch is asked for (the iterator's next step, or the
 * callback's return). Nothing is allocated per event unless `toObjects()` is called.
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
  /** Typed readers, one per schema field. */
  readonly get: FieldAccessors<F>;

  private eventOffsets = new Uint32Array(1024);
  private eventLengths = new Uint32Array(1024);
  private eventRings = new Uint32Array(1024);
  private readonly readers: [string, FieldReader][];

  constructor(
    /** The JS ring's data area (the ring's whole data region). */
    private readonly view: DataView,
    readonly schema: Schema<F> | null,
  ) {
    const fields = schema?.fields ?? ({} as F);
    this.readers = Object.entries(fields).map(([name, spec]) => [name, fieldReader(spec)]);
    const accessors: Record<string, (index: number) => unknown> = {};
    for (const [name, read] of this.readers) {
      accessors[name] = (index: number) => read(this.view, this.offsetOf(index));
    }
    this.get = accessors as FieldAccessors<F>;
  }

  /** Byte offset of event `index` in `data`. */
  offsetOf(index: number): number {
    if (index < 0 || index >= this.length || !Number.isInteger(index))
      throw new RangeError(`event index ${index} is outside this batch of ${this.length} events`);
    return this.eventOffsets[index]!;
  }

  /** Bytes of event `index` (the schema's size, or the record's length without a schema). */
  lengthOf(index: number): number {
    this.offsetOf(index);
    return this.eventLengths[index]!;
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
    const eventSize = this.schema?.size ?? 0;
    let cursor = offset + Batch.HEADER_BYTES;
    const end = cursor + dataBytes;
    let events = 0;
    let records = 0;
    let bytes = 0;
    while (cursor < end) {
      const word = view.getUint32(cursor, true);
      const recordLength = word & ~(KernelRecord.BUSY_BIT | KernelRecord.DISCARD_BIT);
      const payload = cursor + KernelRecord.HEADER_BYTES;
      const next = payload + ((recordLength + 7) & ~7);
      if (next > end) throw this.corrupt(`record of ${recordLength} bytes runs past the batch`);
      if ((word & KernelRecord.DISCARD_BIT) === 0) {
        const recordRing = view.getUint32(cursor + 4, true);
        const count = eventSize === 0 ? 1 : recordLength / eventSize;
        if (!Number.isInteger(count))
          throw new BpfError(
            'INVALID_OPTIONS',
            `a ${recordLength}-byte record is not a whole number of ${eventSize}-byte "${this.schema!.name}" events: the schema does not match what the program writes.`,
          );
        this.ensure(events + count);
        for (let index = 0; index < count; index++) {
          this.eventOffsets[events] = payload + index * eventSize;
          this.eventLengths[events] = eventSize === 0 ? recordLength : eventSize;
          this.eventRings[events] = recordRing;
          events++;
        }
        records++;
        bytes += recordLength;
      }
      cursor = next;
    }
    this.length = events;
    this.records = records;
    this.bytes = bytes;
  }

  private ensure(events: number): void {
    if (events <= this.eventOffsets.length) return;
    const size = Math.max(events, this.eventOffsets.length * 2);
    const grow = (from: Uint32Array) => {
      const to = new Uint32Array(size);
      to.set(from);
      return to;
    };
    this.eventOffsets = grow(this.eventOffsets);
    this.eventLengths = grow(this.eventLengths);
    this.eventRings = grow(this.eventRings);
  }

  private corrupt(why: string): BpfError {
    return new BpfError('READER_FAILED', `a batch from the reader thread is corrupt: ${why}.`);
  }
}
