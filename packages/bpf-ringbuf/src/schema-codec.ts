// A schema's struct as bytes and back: decoding into a plain object (the readers of
// schema.ts) and encoding one, every field checked, for map keys and values
// (SchemaMap) — where a wrong value must be refused, not written as something else.
import { BpfError, type BpfErrorCode } from './errors.js';
import {
  type EventObject,
  type FieldReader,
  type FieldSpec,
  type FieldSpecs,
  fieldReader,
  fieldWidth,
  type Schema,
} from './schema.js';

/** Writes one field into `view` at the struct's `offset`; returns why not, or '' when written. */
type FieldWriter = (view: DataView, offset: number, value: unknown) => string;

/** Integer fields: the range a value must lie in, as numbers and as bigints. */
const INTEGER_RANGES: Record<string, readonly [bigint, bigint]> = {
  u8: [0n, 2n ** 8n - 1n],
  u16: [0n, 2n ** 16n - 1n],
  u32: [0n, 2n ** 32n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  u64: [0n, 2n ** 64n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** The integer `value` as a bigint when it is one within [low, high], else null. */
function integerWithin(value: unknown, low: bigint, high: bigint): bigint | null {
  let wide: bigint;
  if (typeof value === 'bigint') wide = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) wide = BigInt(value);
  else return null;
  return wide >= low && wide <= high ? wide : null;
}

function fieldWriter({ offset: at, type }: FieldSpec): FieldWriter {
  const range = INTEGER_RANGES[type];
  if (range !== undefined) {
    const [low, high] = range;
    const wide = fieldWidth(type) === 8;
    const expected = `an integer from ${low} to ${high}${wide ? ' (a bigint above 2^53)' : ''}`;
    return (view, offset, value) => {
      const integer = integerWithin(value, low, high);
      if (integer === null) return `must be ${expected}, got ${describe(value)}`;
      const where = offset + at;
      if (type === 'u8') view.setUint8(where, Number(integer));
      else if (type === 'u16') view.setUint16(where, Number(integer), true);
      else if (type === 'u32') view.setUint32(where, Number(integer), true);
      else if (type === 'i32') view.setInt32(where, Number(integer), true);
      else if (type === 'u64') view.setBigUint64(where, integer, true);
      else view.setBigInt64(where, integer, true);
      return '';
    };
  }
  if (type === 'f64')
    return (view, offset, value) => {
      if (typeof value !== 'number') return `must be a number, got ${describe(value)}`;
      view.setFloat64(offset + at, value, true);
      return '';
    };
  // char[N]: a string of at most N Latin-1 characters, NUL-padded (as the reader reads it back).
  const length = fieldWidth(type);
  return (view, offset, value) => {
    if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
    if (value.length > length)
      return `is ${value.length} characters, more than its ${length} bytes hold`;
    for (let index = 0; index < length; index++) {
      const code = index < value.length ? value.charCodeAt(index) : 0;
      if (code > 0xff)
        return `holds ${JSON.stringify(value[index])}, which is not one byte (Latin-1 only)`;
      view.setUint8(offset + at + index, code);
    }
    return '';
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}

/** A schema's struct decoded into plain objects and encoded from them, fields checked. */
export class SchemaCodec<F extends FieldSpecs> {
  readonly schema: Schema<F>;
  private readonly readers: [string, FieldReader][];
  private readonly writers: Map<string, FieldWriter>;

  constructor(schema: Schema<F>) {
    this.schema = schema;
    const fields = Object.entries(schema.fields);
    this.readers = fields.map(([name, spec]) => [name, fieldReader(spec)]);
    this.writers = new Map(fields.map(([name, spec]) => [name, fieldWriter(spec)]));
  }

  /** The struct in `bytes` (its first `schema.size`) as an object of its fields. */
  decode(bytes: Uint8Array): EventObject<F> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const object: Record<string, number | string> = {};
    for (const [name, read] of this.readers) object[name] = read(view, 0);
    return object as EventObject<F>;
  }

  /**
   * `object` as the struct's bytes: every field of the schema given and in range, no other
   * property; bytes no field covers (padding) are 0. A failure is `code` (INVALID_KEY or
   * INVALID_VALUE) with one sentence naming `what` ("key of map 'counts'", say) and the field.
   */
  encode(object: unknown, code: BpfErrorCode, what: string): Uint8Array {
    const name = this.schema.name;
    if (typeof object !== 'object' || object === null || object instanceof Uint8Array)
      throw new BpfError(
        code,
        `the ${what} is read through schema "${name}": pass an object with its fields (${[...this.writers.keys()].join(', ')}), got ${describe(object)}.`,
      );
    const bytes = new Uint8Array(this.schema.size);
    const view = new DataView(bytes.buffer);
    for (const [field, write] of this.writers) {
      const value = (object as Record<string, unknown>)[field];
      const problem =
        value === undefined ? 'is missing (every field must be given)' : write(view, 0, value);
      if (problem !== '')
        throw new BpfError(code, `the ${what}: field ${field} of schema "${name}" ${problem}.`);
    }
    for (const field of Object.keys(object))
      if (!this.writers.has(field))
        throw new BpfError(
          code,
          `the ${what}: schema "${name}" has no field ${field} (its fields: ${[...this.writers.keys()].join(', ')}).`,
        );
    return bytes;
  }
}
