import { BpfError, native } from './errors.js';
import { keyBytes, type MapKey } from './map-key.js';
import type { BytesMap, EntriesOptions, MapStructs, MapType, UpdateFlag } from './map-types.js';
import { requireNative } from './native.js';
import type { RawBatchPage, RawMap } from './native-binding.js';
import type { FieldSpecs } from './schema.js';
import { type MapSchemas, SchemaMap } from './schema-map.js';

export type { EntriesOptions, MapStructs, MapType, UpdateFlag } from './map-types.js';

const DEFAULT_BATCH_SIZE = 256;

/**
 * A BPF map of a loaded object (`object.map(name)`) or pinned on a bpffs
 * (`openPinnedMap(path)`). Keys and values are bytes in the layout the program
 * declared; a 4- or 8-byte key may also be given as an unsigned integer.
 * Looking up an absent key is not an error (undefined); deleting one, or
 * updating it with 'exist', is (KEY_NOT_FOUND).
 */
export class BpfMap implements BytesMap {
  readonly name: string;
  readonly type: MapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** Per-CPU maps: the possible CPUs, one value each; 0 for the others. */
  readonly possibleCpus: number;
  private readonly raw: RawMap;
  private readonly declared: () => MapStructs | null;
  private batchLookups = true;
  private handleClosed = false;

  /**
   * @internal Use object.map() or openPinnedMap(). `declared`: the structs the program
   * declared the key and value as, from its object's BTF (a pinned map has none).
   */
  constructor(raw: RawMap, declared: () => MapStructs | null = () => null) {
    this.raw = raw;
    this.declared = declared;
    this.name = raw.name;
    this.type = raw.type;
    this.keySize = raw.keySize;
    this.valueSize = raw.valueSize;
    this.maxEntries = raw.maxEntries;
    this.possibleCpus = raw.cpus;
  }

  /** Whether each key holds one value per possible CPU (percpu_hash, percpu_array, lru_percpu_hash). */
  get perCpu(): boolean {
    return this.possibleCpus > 0;
  }

  /** Where the map is pinned (by pin(), or the path it was opened from); null when it is not. */
  get pinnedPath(): string | null {
    return native(() => this.raw.pinnedPath()) || null;
  }

  /** The value at `key`, or undefined when the map has none. Per-CPU maps: lookupPerCpu(). */
  lookup(key: MapKey): Uint8Array | undefined {
    this.expectPerCpu(false, 'lookupPerCpu');
    return native(() => this.raw.lookup(this.key(key)))?.[0];
  }

  /** Every possible CPU's value at `key` (index = CPU), or undefined when the map has none. */
  lookupPerCpu(key: MapKey): Uint8Array[] | undefined {
    this.expectPerCpu(true, 'lookup');
    return native(() => this.raw.lookup(this.key(key))) ?? undefined;
  }

  /**
   * Writes `value` at `key`. Per-CPU maps take one value per possible CPU, or one
   * value that every CPU gets. 'noexist' on a present key throws KEY_EXISTS,
   * 'exist' on an absent one KEY_NOT_FOUND.
   */
  update(key: MapKey, value: Uint8Array | readonly Uint8Array[], flag: UpdateFlag = 'any'): void {
    const values = value instanceof Uint8Array ? [value] : value;
    if (!this.perCpu && values.length !== 1)
      throw new BpfError(
        'INVALID_VALUE',
        `${values.length} values for map '${this.name}', which is ${this.described()} (not per-CPU): pass one Uint8Array of ${this.valueSize} bytes.`,
      );
    native(() => this.raw.update(this.key(key), values, flag));
  }

  /** Removes `key`; KEY_NOT_FOUND when it is absent, WRONG_MAP_TYPE for arrays (whose entries always exist). */
  delete(key: MapKey): void {
    native(() => this.raw.delete(this.key(key)));
  }

  /**
   * Every key, walked with bpf_map_get_next_key. The next key is fetched before a
   * key is handed out, so deleting the key just seen does not restart the walk.
   */
  *keys(): IterableIterator<Uint8Array> {
    let key = native(() => this.raw.nextKey(null));
    while (key !== null) {
      const current = key;
      key = native(() => this.raw.nextKey(current));
      yield current;
    }
  }

  /** Every key and its value. Per-CPU maps: entriesPerCpu(). */
  *entries(options: EntriesOptions = {}): IterableIterator<[Uint8Array, Uint8Array]> {
    this.expectPerCpu(false, 'entriesPerCpu');
    for (const [key, values] of this.walk(options)) yield [key, values[0]!];
  }

  /** Every key and every possible CPU's value at it (index = CPU). */
  *entriesPerCpu(options: EntriesOptions = {}): IterableIterator<[Uint8Array, Uint8Array[]]> {
    this.expectPerCpu(true, 'entries');
    yield* this.walk(options);
  }

  /**
   * This map read and written as objects: values (and keys, given a key schema) through
   * schemas whose sizes must be the map's, and whose fields must be the structs' the program
   * declared the key and value as, when its object's BTF has them (SCHEMA_MISMATCH otherwise).
   * See SchemaMap.
   */
  withSchema<K extends FieldSpecs | null = null, V extends FieldSpecs = FieldSpecs>(
    schemas: MapSchemas<K, V>,
  ): SchemaMap<K, V, BpfMap> {
    return new SchemaMap(this, schemas);
  }

  /**
   * A stack-trace map's instruction addresses for `stackId` (what bpf_get_stackid
   * returned), innermost first; undefined when the map holds no such stack.
   */
  stackTrace(stackId: number): bigint[] | undefined {
    const frames = native(() => this.raw.stackTrace(stackId));
    return frames === null ? undefined : Array.from(frames);
  }

  /**
   * Pins the map at `path` on a bpffs (e.g. under /sys/fs/bpf): it then outlives
   * this process, and openPinnedMap(path) finds it again with its contents.
   */
  pin(path: string): void {
    native(() => this.raw.pin(path));
  }

  /** Removes this map's pin at `path` (default: where pin() put it); the map lives while it is open. */
  unpin(path?: string): void {
    native(() => this.raw.unpin(path ?? null));
  }

  /** Closes this handle's fd (the kernel frees the map when nothing else holds it). Idempotent. */
  close(): void {
    this.handleClosed = true;
    this.raw.close();
  }

  /** Whether this handle was closed, by close() or by its object's close(). */
  get closed(): boolean {
    return this.handleClosed;
  }

  /** @internal The structs the key and value are declared as, where the object's BTF says. */
  declaredStructs(): MapStructs | null {
    return this.declared();
  }

  private key(key: MapKey): Uint8Array {
    return keyBytes(key, this.keySize, this.name);
  }

  private expectPerCpu(perCpu: boolean, instead: string): void {
    if (this.perCpu === perCpu) return;
    throw new BpfError(
      'WRONG_MAP_TYPE',
      perCpu
        ? `map '${this.name}' is ${this.described()}, with one value per key: use ${instead}().`
        : `map '${this.name}' is ${this.described()}, with one value per possible CPU: use ${instead}(), which returns ${this.possibleCpus} values.`,
    );
  }

  /** "a hash map", "an array map". */
  private described(): string {
    return `${/^[aeiou]/.test(this.type) ? 'an' : 'a'} ${this.type} map`;
  }

  /** Entries by batch lookups where the kernel has them for this map, else key by key. */
  private *walk(options: EntriesOptions): IterableIterator<[Uint8Array, Uint8Array[]]> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 2 ** 20)
      throw new BpfError(
        'INVALID_OPTIONS',
        `batchSize must be a whole number from 1 to 2^20, got ${batchSize}.`,
      );
    if ((options.batch ?? true) && this.batchLookups) {
      const first = native(() => this.raw.lookupBatch(null, batchSize));
      if (first !== null) return yield* this.pages(first, batchSize);
      // EINVAL / EOPNOTSUPP: this kernel has no batch lookup for this map type.
      this.batchLookups = false;
    }
    for (const key of this.keys()) {
      const values = native(() => this.raw.lookup(key));
      if (values !== null) yield [key, values]; // deleted since its key was listed
    }
  }

  /** The entries of `first` and of the batch lookups that follow it, to the last. */
  private *pages(
    first: RawBatchPage,
    batchSize: number,
  ): IterableIterator<[Uint8Array, Uint8Array[]]> {
    let page: RawBatchPage = first;
    for (;;) {
      for (let i = 0; i < page.keys.length; i++)
        yield [page.keys[i]!, page.values[i]! as Uint8Array[]];
      const cursor: Uint8Array | null = page.next;
      if (cursor === null) return;
      const next: RawBatchPage | null = native(() => this.raw.lookupBatch(cursor, batchSize));
      if (next === null)
        throw new BpfError(
          'MAP_FAILED',
          `the batch lookup of map '${this.name}' stopped being available mid-walk: iterate with { batch: false }.`,
        );
      page = next;
    }
  }
}

/** The map pinned at `path` on a bpffs (PIN_NOT_FOUND when nothing is pinned there). */
export function openPinnedMap(path: string): BpfMap {
  const binding = requireNative('openPinnedMap');
  return new BpfMap(native(() => binding.openPinnedMap(path)));
}
