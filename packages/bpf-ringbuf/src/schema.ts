import { BpfError } from './errors.js';

/** Field types an event schema can declare; `char[N]` is a NUL-padded string of N bytes. */
export type FieldType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f64' | `char[${number}]`;

export interface FieldSpec {
  readonly offset: number;
  readonly type: FieldType;
}

export type FieldSpecs = Readonly<Record<string, FieldSpec>>;

/** What a field reads as: strings for char arrays, numbers for the rest (u64 exact below 2^53). */
export type FieldValue<T extends FieldType> = T extends `char[${number}]` ? string : number;

export type EventObject<F extends FieldSpecs> = {
  -readonly [K in keyof F]: FieldValue<F[K]['type']>;
};

/** What a field may be written from (map keys and values): a bigint too for 64-bit integers. */
export type FieldInput<T extends FieldType> = T extends `char[${number}]`
  ? string
  : T extends 'u64' | 'i64'
    ? number | bigint
    : number;

export type EventInput<F extends FieldSpecs> = {
  readonly [K in keyof F]: FieldInput<F[K]['type']>;
};

/** The layout of one fixed-size event, as the BPF program writes it (little-endian). */
export interface Schema<F extends FieldSpecs = FieldSpecs> {
  readonly name: string;
  /** Bytes per event; a record holds one or more whole events. */
  readonly size: number;
  readonly fields: F;
  /** The u64 nanosecond timestamp field (CLOCK_MONOTONIC, bpf_ktime_get_ns) used to merge CPUs, if any. */
  readonly timestamp: (keyof F & string) | null;
}

const WIDTH: Record<string, number> = { u8: 1, u16: 2, u32: 4, i32: 4, u64: 8, i64: 8, f64: 8 };

/** The byte width of a field type, or 0 if it is not one. */
export function fieldWidth(type: string): number {
  const fixed = WIDTH[type];
  if (fixed !== undefined) return fixed;
  const array = /^char\[(\d+)\]$/.exec(type);
  return array ? Number(array[1]) : 0;
}

function invalid(schema: string, why: string): BpfError {
  return new BpfError('INVALID_OPTIONS', `schema "${schema}": ${why}.`);
}

/**
 * Declares an event layout; every field is checked to lie inside the event and to
 * be aligned to its width (up to 8), as the C compiler lays out the struct.
 */
export function defineSchema<F extends FieldSpecs>(spec: {
  readonly name: string;
  readonly size: number;
  readonly fields: F;
  readonly timestamp?: keyof F & string;
}): Schema<F> {
  const { name, size, fields } = spec;
  if (!Number.isInteger(size) || size <= 0)
    throw invalid(name, `size must be a positive whole number of bytes, got ${size}`);
  for (const [field, { offset, type }] of Object.entries(fields)) {
    const width = fieldWidth(type);
    if (width === 0)
      throw invalid(
        name,
        `field ${field} has unknown type ${JSON.stringify(type)} (use u8, u16, u32, i32, u64, i64, f64 or char[N])`,
      );
    if (!Number.isInteger(offset) || offset < 0 || offset + width > size)
      throw invalid(
        name,
        `field ${field} (${type} at offset ${offset}) does not lie inside the ${size}-byte event`,
      );
    if (!type.startsWith('char') && offset % width !== 0)
      throw invalid(
        name,
        `field ${field} (${type}) at offset ${offset} is not aligned to ${width} bytes`,
      );
  }
  const timestamp = spec.timestamp ?? null;
  if (timestamp !== null) {
    const field = fields[timestamp];
    if (field === undefined || field.type !== 'u64')
      throw invalid(name, `timestamp ${timestamp} must name a u64 field`);
  }
  return { name, size, fields, timestamp };
}

/** Reads one field of the event at `offset` of `view`. */
export type FieldReader = (view: DataView, offset: number) => number | string;

const TWO_32 = 2 ** 32;

function charArrayReader(fieldOffset: number, length: number): FieldReader {
  return (view, offset) => {
    let text = '';
    for (let index = 0; index < length; index++) {
      const code = view.getUint8(offset + fieldOffset + index);
      if (code === 0) break;
      text += String.fromCharCode(code);
    }
    return text;
  };
}

/** One reader function per field, specialised by type and offset. */
export function fieldReader({ offset: at, type }: FieldSpec): FieldReader {
  switch (type) {
    case 'u8':
      return (view, offset) => view.getUint8(offset + at);
    case 'u16':
      return (view, offset) => view.getUint16(offset + at, true);
    case 'u32':
      return (view, offset) => view.getUint32(offset + at, true);
    case 'i32':
      return (view, offset) => view.getInt32(offset + at, true);
    case 'u64':
      // Two u32 halves: no BigInt allocated per read; exact below 2^53 (104 days of nanoseconds).
      return (view, offset) =>
        view.getUint32(offset + at, true) + view.getUint32(offset + at + 4, true) * TWO_32;
    case 'i64':
      return (view, offset) =>
        view.getUint32(offset + at, true) + view.getInt32(offset + at + 4, true) * TWO_32;
    case 'f64':
      return (view, offset) => view.getFloat64(offset + at, true);
    default:
      return charArrayReader(at, fieldWidth(type));
  }
}
