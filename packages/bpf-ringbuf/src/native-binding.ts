/**
 * What the addon (native/src/addon.cc) exports: the contract between the C++
 * part and the TypeScript API. Every function throws an Error whose `code` is a
 * BpfErrorCode and whose message is one sentence saying what is wrong and how to
 * fix it; src/errors.ts turns it into a BpfError.
 */

/** How a map of the object is typed, for listings and errors. */
export interface RawMapInfo {
  readonly name: string;
  /** The kernel's map type name, e.g. 'ringbuf', 'array_of_maps', 'percpu_array'. */
  readonly type: string;
}

/** A global variable of the object, from its BTF datasec. */
export interface RawGlobalInfo {
  readonly name: string;
  /** '.rodata' (set before load only), '.data', '.bss', or a named one such as '.data.stats'. */
  readonly section: string;
  readonly offset: number;
  readonly size: number;
  /** Integers of 1, 2, 4 or 8 bytes by their signedness; anything else is bytes. */
  readonly kind: 'unsigned' | 'signed' | 'bytes';
}

/** A global's value: a number (integers of up to 4 bytes), a bigint (8 bytes) or its bytes. */
export type RawGlobalValue = number | bigint | Uint8Array;

export interface RawOpenOptions {
  /**
   * Programs to attach (auto-attach by section); null: every loaded program whose section
   * names its target (not SEC("kprobe"), SEC("uprobe"), ...: those wait for attachProgram).
   */
  readonly programs: readonly string[] | null;
  /**
   * The ring map to consume: a RINGBUF (shared topology) or an ARRAY_OF_MAPS of
   * RINGBUF (per-CPU topology: the loader creates one ring per possible CPU and
   * puts it at key = CPU). null: consume nothing (load and attach only).
   */
  readonly ringMap: string | null;
  /** Bytes per ring: a power of two, a multiple of the page size. */
  readonly ringBytes: number;
  /** Another ring map to shrink to one page because the chosen topology leaves it unused, or null. */
  readonly unusedRingMap: string | null;
  /** PERCPU_ARRAY whose key-0 u64s count events the program dropped, or null. */
  readonly dropsMap: string | null;
  /** ARRAY map whose key-0 value is written with `config` after load, before attach; or null. */
  readonly configMap: string | null;
  readonly config: Uint8Array | null;
  /** Kernel BTF to check for (and hand libbpf when it is not the default path). */
  readonly kernelBtfPath: string;
  /** Where tracefs must be mounted when a program attaches to a tracefs tracepoint. */
  readonly tracefsPath: string;
  /** Programs to load (true) or leave out (false) by name, over libbpf's default; or null. */
  readonly autoload: Readonly<Record<string, boolean>> | null;
  /** Global variables to set before load, by name; or null. */
  readonly globals: Readonly<Record<string, RawGlobalValue>> | null;
}

/** One kernel ring of an object (RawObject.ringSources). */
export interface RawRingSource {
  readonly fd: number;
  readonly bytes: number;
  /** The CPU whose ring it is, for an object's per-CPU rings; 0 for a ringbuf map. */
  readonly cpu: number;
}

/**
 * A kernel ring mapped into the process (LAYOUT.md, "The kernel ring, as the reader maps
 * it"), as ArrayBuffers over the mappings: what the direct reader walks.
 */
/**
 * The direct reader's period: Node's setTimeout without its JavaScript timer list, whose
 * bookkeeping was ~30 µs of CPU a wake here (native/src/period_timer.hpp). The callback runs
 * as a timer callback does (its own async context; nextTicks and microtasks run after it; what
 * it throws is an uncaught exception).
 */
export interface RawPeriodTimer {
  /** (Re)starts the timer: the callback runs once, `ms` from now, unless cancelled first. */
  arm(ms: number): void;
  /** Stops an armed timer; nothing happens if it is not armed. */
  cancel(): void;
  /** Stops it for good and lets go of the callback. Idempotent; arm() then throws CLOSED. */
  close(): void;
}

export interface RawRingMapping {
  /** The consumer page, read-write: the consumer position (u64) at offset 0. */
  readonly consumer: ArrayBuffer;
  /**
   * Read-only — a write faults: the producer page (the producer position, u64, at offset
   * 0), then from `pageBytes` the data, mapped twice back to back.
   */
  readonly producer: ArrayBuffer;
  readonly pageBytes: number;
  /** Detaches both buffers (their views read nothing) and unmaps the ring. Idempotent. */
  unmap(): void;
}

/** A ring as the reader takes it: its batches say `index` (Batch.RING). */
export interface RawReaderRing {
  readonly fd: number;
  readonly bytes: number;
  readonly index: number;
  /** Its events' size for counting; 0: the reader's eventBytes. */
  readonly eventBytes: number;
}

export interface RawReaderOptions {
  /** The rings to consume, in the order of the ring stats block. */
  readonly rings: readonly RawReaderRing[];
  /** A Uint8Array over a SharedArrayBuffer of RingStats.WORDS f64 per ring. */
  readonly ringStats: Uint8Array;
  /** A Uint8Array over the whole SharedArrayBuffer of an spsc-ring byte ring, wait domain 'os'. */
  readonly ring: Uint8Array;
  /** A Uint8Array over the stats SharedArrayBuffer (STATS_WORDS f64). */
  readonly stats: Uint8Array;
  /** 0 adaptive, 1 timer, 2 watermark. */
  readonly policy: number;
  readonly periodMs: number;
  readonly maxBatchBytes: number;
  readonly eventBytes: number;
  readonly merge: boolean;
  readonly timestampOffset: number;
  readonly mergeSlackNs: number;
  readonly dropWhenFull: boolean;
  /** stop(): the longest the final drain waits for room in the JS ring without progress. */
  readonly finalDrainTimeoutMs: number;
}

export interface RawReader {
  pause(): void;
  resume(): void;
  /**
   * Asks the thread to finish and returns at once: it drains what the kernel
   * rings hold (waiting for room in the JS ring while JavaScript consumes, at
   * most `finalDrainTimeoutMs` without progress; what it then leaves is counted
   * as dropped), closes the JS ring (end of stream) and exits (state stopped).
   */
  stop(): void;
  /**
   * Waits for the thread to exit (after stop()); a final drain still waiting for
   * room gives up at once, counting what it leaves as dropped. Idempotent.
   */
  join(): void;
}

/** One batch lookup's entries: views over one copy of what the kernel returned. */
export interface RawBatchPage {
  readonly keys: readonly Uint8Array[];
  /** One value per key: per-CPU maps one per possible CPU, other maps one. */
  readonly values: readonly (readonly Uint8Array[])[];
  /** The kernel's cursor for the next page; null after the last. */
  readonly next: Uint8Array | null;
}

/**
 * A map of a loaded object or pinned on a bpffs, by its own fd (a duplicate for an
 * object's map). Keys and values are Uint8Arrays of exactly keySize / valueSize bytes.
 */
export interface RawMap {
  readonly name: string;
  /** libbpf's name of the map type: 'hash', 'lru_hash', 'percpu_array', 'stack_trace', … */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** Per-CPU maps: the possible CPUs, one value each; 0 for other maps. */
  readonly cpus: number;
  /** The value (per-CPU maps: one per possible CPU), or null when the key is absent. */
  lookup(key: Uint8Array): Uint8Array[] | null;
  /** One value, or for per-CPU maps one per possible CPU (one alone sets every CPU). */
  update(key: Uint8Array, values: readonly Uint8Array[], flag: 'any' | 'noexist' | 'exist'): void;
  delete(key: Uint8Array): void;
  /** The key after `key` (the first for null); null after the last (bpf_map_get_next_key). */
  nextKey(key: Uint8Array | null): Uint8Array | null;
  /** Up to `count` entries from `cursor` (null: the start); null when the kernel has no batch lookup for this map. */
  lookupBatch(cursor: Uint8Array | null, count: number): RawBatchPage | null;
  /** A stack-trace map's frames for a stack id, or null when it holds none. */
  stackTrace(stackId: number): BigUint64Array | null;
  /** Where pin() pinned it, or where it was opened from; '' when neither. */
  pinnedPath(): string;
  pin(path: string): void;
  /** Removes this map's pin at `path` (null: the one pin() made). */
  unpin(path: string | null): void;
  /** Closes the fd. Idempotent; later calls throw CLOSED. */
  close(): void;
}

/** src/attach.ts's AttachTarget, checked field by field by the addon. */
export type RawAttachTarget = { readonly kind: string } & Readonly<Record<string, unknown>>;

/** The links of one attach (one per CPU for perf_event), or one reopened from its pin. */
export interface RawLink {
  /** "program 'x' on kprobe f+0", "the link pinned at PATH". */
  readonly subject: string;
  detached(): boolean;
  /** Where pin() pinned it, or where it was opened from; '' when neither. */
  pinnedPath(): string;
  pin(path: string): void;
  /** Removes this link's pin at `path` (null: the one pin() made). */
  unpin(path: string | null): void;
  /** Removes this handle's pin and closes the links: the program stops. Idempotent. */
  detach(): void;
}

/** A member of a BTF struct, its type resolved through typedefs and const/volatile. */
export interface RawBtfMember {
  /** '' for an anonymous struct or union member. */
  readonly name: string;
  readonly bitOffset: number;
  /** A bitfield's width in bits; 0 for other members. */
  readonly bitSize: number;
  readonly kind: 'int' | 'enum' | 'float' | 'array' | 'pointer' | 'struct' | 'union' | 'other';
  /** Bytes (an array: all its elements). */
  readonly size: number;
  readonly signed: boolean;
  /** Arrays: the elements, their kind and size; 0 and '' otherwise. */
  readonly length: number;
  readonly elementKind: string;
  readonly elementSize: number;
  /** The type as the C source spells it: '__u32', 'char[16]', 'const char *'. */
  readonly typeName: string;
}

/** A struct of the object's BTF. */
export interface RawBtfStruct {
  readonly name: string;
  readonly size: number;
  readonly members: readonly RawBtfMember[];
}

export interface RawObject {
  /** Every program in the object, by name. */
  readonly programs: readonly string[];
  /** The programs attached at open. */
  readonly attached: readonly string[];
  /** The programs attached now. */
  attachedNow(): string[];
  /** Destroys every link: the programs stop running but stay loaded, maps and rings kept. Idempotent. */
  detach(): void;
  /** Attaches the selected programs again (all or none); returns their names. Idempotent. */
  attach(): string[];
  readonly maps: readonly RawMapInfo[];
  /** The rings consumed: 1 (shared) or one per possible CPU; 0 when ringMap was null. */
  readonly ringCount: number;
  /** Sum over CPUs of the drops map's key-0 counter (0 when there is none). */
  dropped(): number;
  /** Every global variable of the object. */
  readonly globals: readonly RawGlobalInfo[];
  /** A global's value now (UNKNOWN_GLOBAL listing the globals when there is none of that name). */
  readGlobal(name: string): RawGlobalValue;
  /** Writes a .data or .bss global (READ_ONLY_GLOBAL for .rodata, INVALID_VALUE when it does not fit). */
  writeGlobal(name: string, value: RawGlobalValue): void;
  /** The struct of that name in the object's BTF, or null when it has none (or no BTF). */
  btfStruct(name: string): RawBtfStruct | null;
  /** The structs map `name`'s key and value are declared as; null for either that is not one. */
  mapBtfStructs(name: string): { key: RawBtfStruct | null; value: RawBtfStruct | null };
  /** Rewrites the config map's key-0 value (same length as at open). */
  writeConfig(config: Uint8Array): void;
  /** A map of the object by name (UNKNOWN_MAP listing its maps when there is none). */
  openMap(name: string): RawMap;
  /** Attaches a loaded program to a target; the object's close() releases the link (a pin keeps it). */
  attachProgram(name: string, target: RawAttachTarget): RawLink;
  /**
   * The kernel rings of ring map `name`: the ring map the object was opened with (one per
   * possible CPU under per-CPU), or any other ringbuf map (UNKNOWN_MAP, INVALID_OPTIONS for
   * a map that holds no ring). The fds stay the object's.
   */
  ringSources(name: string): RawRingSource[];
  /** Detaches every program, closes the object (readers keep their mappings of its rings). Idempotent. */
  close(): void;
}

export interface RawSyscallLoadOptions {
  /** One thread per entry, pinned to that CPU (-1: not pinned). */
  readonly cpus: readonly number[];
  /** getpgid() calls per thread. */
  readonly callsPerThread: number;
  /** Calls per second per thread; 0 = as fast as possible. */
  readonly ratePerSecond: number;
}

export interface RawSyscallLoadResult {
  /** Each thread's kernel thread id, in the order of `cpus`. */
  readonly tids: readonly number[];
  readonly calls: readonly number[];
  /** Each thread's CPU time in ns (its thread CPU clock at the end, the BPF program's runs included). */
  readonly cpuNs: readonly number[];
  readonly seconds: number;
}

export interface NativeBinding {
  /**
   * Every constant of native/include/ringkit/bpf_ringbuf/layout.hpp by its src/layout.ts name
   * (numbers; the map names are strings), for test/layout.test.ts; and this build's number of
   * the bench program's syscall.
   */
  abi(): { readonly [name: string]: number | string; readonly 'syscall.getpgid': number };
  openObject(path: string, options: RawOpenOptions): RawObject;
  /** Starts a reader thread over rings of one or several objects. */
  startReader(options: RawReaderOptions): RawReader;
  /** Maps the kernel ring of ring map `fd` (max_entries `bytes`) for JavaScript to walk itself. */
  mapRing(fd: number, bytes: number): RawRingMapping;
  /** A one-shot libuv timer on this thread's event loop that calls `callback` when it fires. */
  createPeriodTimer(callback: () => void): RawPeriodTimer;
  /** The map pinned at `path` (PIN_NOT_FOUND when nothing is). */
  openPinnedMap(path: string): RawMap;
  /** The link pinned at `path` (PIN_NOT_FOUND when nothing is). */
  openPinnedLink(path: string): RawLink;
  /** Threads calling getpgid(): the bench program's trigger. Resolves when all are done. */
  startSyscallLoad(options: RawSyscallLoadOptions): {
    readonly tids: readonly number[];
    readonly done: Promise<RawSyscallLoadResult>;
    stop(): void;
  };
  /** Calls getpgid() `calls` times on this thread; returns the nanoseconds it took. */
  getpgidLoop(calls: number): number;
  /** Names of every BPF program loaded in the kernel now (BPF_PROG_GET_NEXT_ID), for leak checks. */
  loadedProgramNames(): string[];
  /** The number of possible CPUs (libbpf_num_possible_cpus). */
  possibleCpus(): number;
}
