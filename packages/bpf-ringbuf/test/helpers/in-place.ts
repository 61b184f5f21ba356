import type { EventBatch } from '../../src/batch.js';
import { type FieldSpec, type FieldSpecs, fieldReader } from '../../src/schema.js';

const TWO_32 = 2 ** 32;

/**
 * Field `spec` of the event at byte `offset`, read the way a consumer on the fast path
 * reads it: one typed-array load per 32-bit word from `batch.views` (the DataView where
 * the batch is not word-aligned, or for types with no word view).
 */
function readInPlace<F extends FieldSpecs>(
  batch: EventBatch<F>,
  offset: number,
  spec: FieldSpec,
): number | string {
  const { u32, i32, f64, dataView } = batch.views;
  const at = offset + spec.offset;
  if (batch.wordAligned)
    switch (spec.type) {
      case 'u32':
        return u32[at >>> 2]!;
      case 'i32':
        return i32[at >>> 2]!;
      case 'u64':
        return u32[at >>> 2]! + u32[(at >>> 2) + 1]! * TWO_32;
      case 'i64':
        return u32[at >>> 2]! + i32[(at >>> 2) + 1]! * TWO_32;
      case 'f64':
        if (at % 8 === 0) return f64[at >>> 3]!;
    }
  return fieldReader({ offset: spec.offset, type: spec.type })(dataView, offset);
}

/**
 * Every event of `batch` read in place through `offsets` and `views`, as plain objects:
 * what `toObjects()` and `get` must agree with. Without a schema, each event's offset
 * and its first byte.
 */
export function readBatchInPlace<F extends FieldSpecs>(
  batch: EventBatch<F>,
): Record<string, unknown>[] {
  const { offsets } = batch;
  const events: Record<string, unknown>[] = [];
  for (let i = 0; i < offsets.length; i++) {
    const event: Record<string, unknown> = {};
    if (batch.schema === null) {
      event.offset = offsets[i];
      event.firstByte = batch.views.bytes[offsets[i]!];
    } else
      for (const [name, spec] of Object.entries(batch.schema.fields))
        event[name] = readInPlace(batch, offsets[i]!, spec);
    events.push(event);
  }
  return events;
}

/** Every event of `batch` read through `get` (or offsetOf without a schema), for comparison. */
export function readBatchThroughAccessors<F extends FieldSpecs>(
  batch: EventBatch<F>,
): Record<string, unknown>[] {
  return Array.from({ length: batch.length }, (_, i) => {
    if (batch.schema === null)
      return { offset: batch.offsetOf(i), firstByte: batch.data.getUint8(batch.offsetOf(i)) };
    const event: Record<string, unknown> = {};
    for (const name of Object.keys(batch.schema.fields))
      event[name] = batch.get[name as keyof F](i);
    return event;
  });
}
