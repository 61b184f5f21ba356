// The shapes of a BPF map's API, shared by BpfMap (map.ts) and SchemaMap (schema-map.ts),
// which reads and writes through a BpfMap without importing it.
import type { MapKey } from './map-key.js';
import type { RawBtfStruct } from './native-binding.js';

/** How update() treats the key: BPF_ANY (add or replace), BPF_NOEXIST (add only), BPF_EXIST (replace only). */
export type UpdateFlag = 'any' | 'noexist' | 'exist';

/** The map types whose every operation is tested; others open and work as far as the kernel allows. */
export type MapType =
  | 'hash'
  | 'lru_hash'
  | 'array'
  | 'percpu_hash'
  | 'percpu_array'
  | 'lru_percpu_hash'
  | 'stack_trace'
  | (string & {});

export interface EntriesOptions {
  /**
   * Read with the kernel's batch lookup (BPF_MAP_LOOKUP_BATCH), a page of entries per
   * system call, where it has one for the map's type; false walks key by key (default true).
   */
  readonly batch?: boolean;
  /** Entries per batch lookup (default 256). */
  readonly batchSize?: number;
}

/** The structs a map's key and value are declared as in the program (null: not a struct). */
export interface MapStructs {
  readonly key: RawBtfStruct | null;
  readonly value: RawBtfStruct | null;
}

/** What SchemaMap needs of a map: BpfMap's calls on bytes. */
export interface BytesMap {
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  lookup(key: MapKey): Uint8Array | undefined;
  lookupPerCpu(key: MapKey): Uint8Array[] | undefined;
  update(key: MapKey, value: Uint8Array | readonly Uint8Array[], flag?: UpdateFlag): void;
  delete(key: MapKey): void;
  keys(): IterableIterator<Uint8Array>;
  entries(options?: EntriesOptions): IterableIterator<[Uint8Array, Uint8Array]>;
  entriesPerCpu(options?: EntriesOptions): IterableIterator<[Uint8Array, Uint8Array[]]>;
  /** The structs the key and value are declared as, where the object's BTF says. */
  declaredStructs(): MapStructs | null;
}
