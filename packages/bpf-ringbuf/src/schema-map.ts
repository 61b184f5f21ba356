// A BPF map read and written as objects: its keys and values through schemas
// (map.withSchema), instead of bytes laid out by hand.
import { checkSchema } from './btf.js';
import { BpfError } from './errors.js';
import type { MapKey } from './map-key.js';
import type { BytesMap, EntriesOptions, UpdateFlag } from './map-types.js';
import {
  defineSchema,
  type EventInput,
  type EventObject,
  type FieldSpecs,
  type Schema,
} from './schema.js';
import { SchemaCodec } from './schema-codec.js';

/** The schemas of a map's keys and values; without `key`, keys stay bytes (or a number). */
export interface MapSchemas<K extends FieldSpecs | null, V extends FieldSpecs> {
  readonly key?: K extends FieldSpecs ? Schema<K> : undefined;
  readonly value: Schema<V>;
}

/** A key as given: an object of the key schema's fields, or (no key schema) bytes or a number. */
export type SchemaKeyIn<K extends FieldSpecs | null> = K extends FieldSpecs
  ? EventInput<K>
  : MapKey;
/** A key as handed out: an object of the key schema's fields, or (no key schema) its bytes. */
export type SchemaKeyOut<K extends FieldSpecs | null> = K extends FieldSpecs
  ? EventObject<K>
  : Uint8Array;

/**
 * `map.withSchema({ key, value })`: the same map, its values (and keys, given a key schema)
 * objects of the schemas' fields, encoded and decoded in the program's layout (little-endian).
 * Every field must be given and in range when writing (INVALID_KEY / INVALID_VALUE name the
 * field); u64 fields read as numbers, exact below 2^53, and are written from a number or a
 * bigint. Lookups, updates, deletes and iteration behave as BpfMap's.
 */
export class SchemaMap<
  K extends FieldSpecs | null,
  V extends FieldSpecs,
  M extends BytesMap = BytesMap,
> {
  /** The map underneath (a BpfMap), for bytes. */
  readonly map: M;
  private readonly keyCodec: SchemaCodec<FieldSpecs> | null;
  private readonly values: SchemaCodec<V>;

  /** @internal Use map.withSchema(). */
  constructor(map: M, schemas: MapSchemas<K, V>) {
    if (schemas === null || typeof schemas !== 'object' || schemas.value === undefined)
      throw new BpfError(
        'INVALID_OPTIONS',
        `withSchema takes { key?, value }: at least the schema of map '${map.name}''s values.`,
      );
    // Checked as defineSchema checks them: a schema written out by hand must hold too.
    const key = schemas.key === undefined ? undefined : checked(schemas.key as Schema);
    const value = checked(schemas.value);
    if (key !== undefined) expectSize(map, key, 'key', map.keySize);
    expectSize(map, value, 'value', map.valueSize);
    // Field by field against what the program declared, where its object's BTF says: a schema
    // of the right size with a field at the wrong offset would otherwise misread silently.
    const declared = map.declaredStructs();
    if (key !== undefined && declared?.key) checkSchema(key, declared.key);
    if (declared?.value) checkSchema(value, declared.value);
    this.map = map;
    this.keyCodec = key === undefined ? null : new SchemaCodec(key);
    this.values = new SchemaCodec(value);
  }

  /** The value at `key` as an object, or undefined when the map has none. Per-CPU: lookupPerCpu(). */
  lookup(key: SchemaKeyIn<K>): EventObject<V> | undefined {
    const value = this.map.lookup(this.keyBytes(key));
    return value === undefined ? undefined : this.values.decode(value);
  }

  /** Every possible CPU's value at `key` (index = CPU), or undefined when the map has none. */
  lookupPerCpu(key: SchemaKeyIn<K>): EventObject<V>[] | undefined {
    return this.map.lookupPerCpu(this.keyBytes(key))?.map((value) => this.values.decode(value));
  }

  /**
   * Writes `value` at `key`, as BpfMap.update: per-CPU maps take one object per possible CPU,
   * or one that every CPU gets.
   */
  update(
    key: SchemaKeyIn<K>,
    value: EventInput<V> | readonly EventInput<V>[],
    flag: UpdateFlag = 'any',
  ): void {
    const what = `value of map '${this.map.name}'`;
    const bytes = Array.isArray(value)
      ? value.map((each) => this.values.encode(each, 'INVALID_VALUE', what))
      : this.values.encode(value, 'INVALID_VALUE', what);
    this.map.update(this.keyBytes(key), bytes, flag);
  }

  /** Removes `key`, as BpfMap.delete. */
  delete(key: SchemaKeyIn<K>): void {
    this.map.delete(this.keyBytes(key));
  }

  /** Every key. */
  *keys(): IterableIterator<SchemaKeyOut<K>> {
    for (const key of this.map.keys()) yield this.keyOut(key);
  }

  /** Every key and its value. Per-CPU maps: entriesPerCpu(). */
  *entries(options: EntriesOptions = {}): IterableIterator<[SchemaKeyOut<K>, EventObject<V>]> {
    for (const [key, value] of this.map.entries(options))
      yield [this.keyOut(key), this.values.decode(value)];
  }

  /** Every key and every possible CPU's value at it (index = CPU). */
  *entriesPerCpu(
    options: EntriesOptions = {},
  ): IterableIterator<[SchemaKeyOut<K>, EventObject<V>[]]> {
    for (const [key, values] of this.map.entriesPerCpu(options))
      yield [this.keyOut(key), values.map((value) => this.values.decode(value))];
  }

  private keyBytes(key: SchemaKeyIn<K>): MapKey {
    if (this.keyCodec === null) return key as MapKey;
    return this.keyCodec.encode(key, 'INVALID_KEY', `key of map '${this.map.name}'`);
  }

  private keyOut(key: Uint8Array): SchemaKeyOut<K> {
    return (this.keyCodec === null ? key : this.keyCodec.decode(key)) as SchemaKeyOut<K>;
  }
}

function checked<F extends FieldSpecs>(schema: Schema<F>): Schema<F> {
  return defineSchema({ name: schema.name, size: schema.size, fields: schema.fields });
}

function expectSize(
  map: BytesMap,
  schema: Pick<Schema, 'name' | 'size'>,
  what: 'key' | 'value',
  size: number,
): void {
  if (schema.size !== size)
    throw new BpfError(
      'SCHEMA_MISMATCH',
      `schema "${schema.name}" is ${schema.size} bytes but map '${map.name}' has ${size}-byte ${what}s: define the ${what} schema with size ${size} (schemaFromBtf builds it from the program's struct).`,
    );
}
