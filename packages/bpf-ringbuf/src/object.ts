import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import { BpfProgram } from './attach.js';
import { checkSchema, type SchemaFromBtfOptions, schemaFromStruct } from './btf.js';
import type { DirectReader, DirectReaderStats } from './direct-reader.js';
import { BpfError, native } from './errors.js';
import { BpfGlobals, type GlobalValue } from './globals.js';
import { Bench, Config, MapName, Policy } from './layout.js';
import { BpfMap } from './map.js';
import { requireNative } from './native.js';
import type { RawBtfStruct, RawObject } from './native-binding.js';
import type {
  BpfReader,
  ReaderStats,
  ReaderTiming,
  ReadOptions,
  ResolvedRing,
  RingSpec,
} from './reader.js';
import { type RingReader, startRingReader } from './rings.js';
import type { FieldSpecs, Schema } from './schema.js';

/**
 * When the kernel wakes the reader thread:
 * - `adaptive`: the kernel's default — a wakeup whenever the reader had caught
 *   up; lowest latency, ~1 µs per event on the producing CPU under load.
 * - `timer`: never (BPF_RB_NO_WAKEUP); the reader drains every `periodMs`.
 *   Cheapest for the producer; latency up to one period.
 * - `watermark`: once unread bytes cross `bytes`, with a `periodMs` backstop.
 * The built-in programs (and programs built on bpf/ringkit.bpf.h) read it from
 * their config map; for other programs it sets the reader's timing only.
 */
export type WakeupPolicy =
  | { readonly kind: 'adaptive'; readonly backstopMs?: number }
  | { readonly kind: 'timer'; readonly periodMs?: number }
  | { readonly kind: 'watermark'; readonly bytes?: number; readonly periodMs?: number };

/** One ring shared by every CPU, or one ring per CPU (single writer each). */
export type Topology = 'shared' | 'per-cpu';

export interface OpenOptions {
  /**
   * Programs to attach by their sections at open (default: every program loaded whose
   * section names its target; SEC("kprobe"), SEC("uprobe"), SEC("usdt"),
   * SEC("perf_event") and other sections without one are left to
   * `object.program(name).attach(target)`). [] attaches none.
   */
  readonly programs?: readonly string[];
  /**
   * Programs to load (true) or leave out (false), by name; the rest keep libbpf's
   * default: loaded, but for those whose section starts with '?'. Leaving out a
   * program this kernel refuses makes the rest of the object usable; a program left
   * out is not attached either.
   */
  readonly autoload?: Readonly<Record<string, boolean>>;
  /**
   * Global variables to set before load, by name: `const volatile` configuration in
   * `.rodata` (the verifier then sees the value as a constant), or the initial value
   * of a `.data` or `.bss` variable. After load: `object.globals`.
   */
  readonly globals?: Readonly<Record<string, GlobalValue>>;
  /**
   * Maps by name. `ring`: a RINGBUF (shared) or ARRAY_OF_MAPS of RINGBUF (per-CPU)
   * to consume — default `ringkit_rings` or `ringkit_ring` by `topology`. `drops`:
   * a PERCPU_ARRAY whose key-0 u64 counts dropped events; `config`: an ARRAY whose
   * key-0 value is a struct ringkit_config — both default to ringkit's names when
   * `ring` is defaulted, else to none.
   */
  readonly maps?: {
    readonly ring?: string | null;
    readonly drops?: string | null;
    readonly config?: string | null;
  };
  /** For objects with both ringkit ring maps (the built-in programs): default 'per-cpu'. */
  readonly topology?: Topology;
  /** Default `{ kind: 'timer', periodMs: 2 }`. */
  readonly policy?: WakeupPolicy;
  /** Bytes per kernel ring (per CPU under per-CPU): a power of two ≥ the page size; default 1 MiB. */
  readonly ringBytes?: number;
  /** Only this process's events (the config map's target); default every process. */
  readonly targetPid?: number;
  /** The bench program's knobs: events per getpgid() call and events per record. */
  readonly bench?: { readonly eventsPerSyscall?: number; readonly eventsPerRecord?: number };
  /** Where the kernel's BTF is (default /sys/kernel/btf/vmlinux). */
  readonly kernelBtfPath?: string;
  /** Where tracefs is, or is to be mounted, for tracepoint programs (default /sys/kernel/tracing). */
  readonly tracefsPath?: string;
}

export interface ObjectStats {
  readonly topology: Topology | null;
  readonly policy: WakeupPolicy['kind'];
  readonly rings: number;
  /** Events the program found no room for in its ring (the drops map, summed over CPUs). */
  readonly kernelDropped: number;
  /** The reader's figures, null before read(). */
  readonly reader: ReaderStats | DirectReaderStats | null;
  /** Rates since the previous stats() call (or since read()). */
  readonly eventsPerSecond: number;
  readonly bytesPerSecond: number;
}

const KiB = 1024;
// Map values are in the host's byte order, as the program wrote them.
const littleEndian = endianness() === 'LE';
const open = new Set<BpfObject>();
let exitHookInstalled = false;

/** Detaches what is still attached when the process exits normally (the kernel does it on any exit). */
function closeAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const object of open) object.close();
  });
}

function pageSize(): number {
  return 4 * KiB;
}

function checkRingBytes(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < pageSize() || (bytes & (bytes - 1)) !== 0)
    throw new BpfError(
      'INVALID_OPTIONS',
      `ringBytes must be a power of two of at least the page size (${pageSize()}), got ${bytes}.`,
    );
  return bytes;
}

function policyTiming(policy: WakeupPolicy, ringBytes: number) {
  const period = (value: number | undefined, fallback: number, what: string) => {
    const ms = value ?? fallback;
    if (!Number.isInteger(ms) || ms < 1 || ms > 60_000)
      throw new BpfError(
        'INVALID_OPTIONS',
        `${what} must be a whole number of milliseconds from 1 to 60000, got ${ms}.`,
      );
    return ms;
  };
  switch (policy.kind) {
    case 'adaptive':
      return {
        code: Policy.ADAPTIVE,
        periodMs: period(policy.backstopMs, 100, 'policy.backstopMs'),
        watermark: 0,
      };
    case 'timer':
      return {
        code: Policy.TIMER,
        periodMs: period(policy.periodMs, 2, 'policy.periodMs'),
        watermark: 0,
      };
    case 'watermark': {
      const watermark = policy.bytes ?? ringBytes / 4;
      if (!Number.isInteger(watermark) || watermark < 8 || watermark >= ringBytes)
        throw new BpfError(
          'INVALID_OPTIONS',
          `policy.bytes must be a whole number from 8 to below ringBytes (${ringBytes}), got ${watermark}.`,
        );
      return {
        code: Policy.WATERMARK,
        periodMs: period(policy.periodMs, 10, 'policy.periodMs'),
        watermark,
      };
    }
    default:
      throw new BpfError(
        'INVALID_OPTIONS',
        `policy.kind must be 'adaptive', 'timer' or 'watermark', got ${JSON.stringify((policy as { kind?: unknown }).kind)}.`,
      );
  }
}

function boundedCount(
  value: number | undefined,
  fallback: number,
  max: number,
  what: string,
): number {
  const count = value ?? fallback;
  if (!Number.isInteger(count) || count < 1 || count > max)
    throw new BpfError(
      'INVALID_OPTIONS',
      `${what} must be a whole number from 1 to ${max}, got ${count}.`,
    );
  return count;
}

/** A loaded, attached BPF object and (after read()) the reader of its rings. */
export class BpfObject {
  readonly path: string;
  /** Every program in the object. */
  readonly programs: readonly string[];
  readonly maps: readonly { readonly name: string; readonly type: string }[];
  readonly topology: Topology | null;
  readonly policy: WakeupPolicy;
  /** The object's global variables, read and written by name. */
  readonly globals: BpfGlobals;
  private raw: RawObject | null;
  /** The last reader read() started: what stats() reports. */
  private reader: RingReader | null = null;
  /** The reader of each ring map being read now. */
  private readonly ringReaders = new Map<string, RingReader>();
  private readonly ringMap: string | null;
  private readonly dropsMap: string | null;
  private readonly timing: { code: number; periodMs: number };
  private readonly hasDrops: boolean;
  private last = { at: performance.now(), events: 0, bytes: 0 };
  private droppedAtClose = 0;
  /** Each ring's drops, by drops map and CPU: read at close() for readers asking later. */
  private readonly ringDropsAtClose = new Map<string, number>();
  private readonly openMaps = new Map<string, BpfMap>();

  /** @internal Use openObject(). */
  constructor(path: string, options: OpenOptions) {
    const binding = requireNative('openObject');
    const ringBytes = checkRingBytes(options.ringBytes ?? 1024 * KiB);
    const policy = options.policy ?? { kind: 'timer', periodMs: 2 };
    const timing = policyTiming(policy, ringBytes);
    const topology = options.topology ?? 'per-cpu';
    if (topology !== 'shared' && topology !== 'per-cpu')
      throw new BpfError(
        'INVALID_OPTIONS',
        `topology must be 'shared' or 'per-cpu', got ${JSON.stringify(topology)}.`,
      );
    const conventional = options.maps?.ring === undefined;
    const ringMap = conventional
      ? topology === 'per-cpu'
        ? MapName.PER_CPU_RINGS
        : MapName.SHARED_RING
      : options.maps!.ring!;
    const dropsMap =
      options.maps?.drops !== undefined ? options.maps.drops : conventional ? MapName.DROPS : null;
    const configMap =
      options.maps?.config !== undefined
        ? options.maps.config
        : conventional
          ? MapName.CONFIG
          : null;
    const targetPid = options.targetPid ?? 0;
    if (!Number.isInteger(targetPid) || targetPid < 0)
      throw new BpfError(
        'INVALID_OPTIONS',
        `targetPid must be a process id (a whole number ≥ 0), got ${targetPid}.`,
      );
    const config = configMap === null ? null : new Uint8Array(Config.BYTES);
    if (config !== null) {
      const words = new DataView(config.buffer);
      words.setUint32(Config.POLICY, timing.code, true);
      words.setUint32(Config.WATERMARK_BYTES, timing.watermark, true);
      words.setUint32(Config.PER_CPU, topology === 'per-cpu' && conventional ? 1 : 0, true);
      words.setUint32(Config.TARGET_TGID, targetPid, true);
      words.setUint32(Config.BENCH_SYSCALL_NR, binding.abi()['syscall.getpgid']!, true);
      words.setUint32(
        Config.EVENTS_PER_SYSCALL,
        boundedCount(
          options.bench?.eventsPerSyscall,
          1,
          Bench.MAX_EVENTS_PER_SYSCALL,
          'bench.eventsPerSyscall',
        ),
        true,
      );
      words.setUint32(
        Config.EVENTS_PER_RECORD,
        boundedCount(
          options.bench?.eventsPerRecord,
          1,
          Bench.MAX_EVENTS_PER_RECORD,
          'bench.eventsPerRecord',
        ),
        true,
      );
    }
    if (!existsSync(path))
      throw new BpfError(
        'OBJECT_NOT_FOUND',
        `BPF object ${path} does not exist: check the path (built-in programs are in this package's bpf/ folder; "npm run build:bpf" rebuilds them).`,
      );
    const raw = native(() =>
      binding.openObject(path, {
        programs: options.programs ?? null,
        ringMap,
        ringBytes,
        unusedRingMap: conventional
          ? topology === 'per-cpu'
            ? MapName.SHARED_RING
            : MapName.PER_CPU_RINGS
          : null,
        dropsMap,
        configMap,
        config,
        kernelBtfPath: options.kernelBtfPath ?? '/sys/kernel/btf/vmlinux',
        tracefsPath: options.tracefsPath ?? '/sys/kernel/tracing',
        autoload: options.autoload ?? null,
        globals: options.globals ?? null,
      }),
    );
    this.raw = raw;
    this.path = path;
    this.programs = raw.programs;
    this.maps = raw.maps;
    this.globals = new BpfGlobals(() => this.live(), raw.globals);
    const ringType = raw.maps.find((map) => map.name === ringMap)?.type;
    this.topology = ringType === undefined ? null : ringType === 'ringbuf' ? 'shared' : 'per-cpu';
    this.policy = policy;
    this.timing = timing;
    this.hasDrops = dropsMap !== null;
    this.ringMap = ringMap;
    this.dropsMap = dropsMap;
    open.add(this);
    closeAllOnExit();
  }

  /**
   * Starts a native reader thread over the object's ring map (or the ring maps
   * `options.rings` names) and returns the reader to consume batches from — or, with
   * `mode: 'direct'`, a reader that walks the kernel rings on the JS thread itself. A ring
   * has one reader at a time; several readers may read different rings of one object.
   */
  read<F extends FieldSpecs = FieldSpecs>(
    options: ReadOptions<F> & { readonly mode: 'direct' },
  ): DirectReader<F>;
  read<F extends FieldSpecs = FieldSpecs>(options?: ReadOptions<F>): BpfReader<F>;
  read<F extends FieldSpecs = FieldSpecs>(options: ReadOptions<F> = {}): RingReader<F> {
    this.live();
    const rings = options.rings ?? (this.ringMap === null ? [] : [this.ringMap]);
    if (!Array.isArray(rings) || rings.length === 0)
      throw new BpfError(
        'INVALID_OPTIONS',
        `${this.path} was opened with no ring map to read (maps: { ring: null }): name its ring maps with read({ rings: ['name'] }).`,
      );
    const reader = startRingReader<F>(
      rings.map((spec) =>
        typeof spec === 'string' ? { object: this, map: spec } : { ...spec, object: this },
      ),
      options,
    );
    this.reader = reader as unknown as RingReader;
    this.last = { at: performance.now(), events: 0, bytes: 0 };
    return reader;
  }

  /** @internal The reader of ring map `map` now, or null. */
  ringReaderOf(map: string): RingReader | null {
    return this.ringReaders.get(map) ?? null;
  }

  /** @internal The reader thread's timing, from the wakeup policy. */
  readerTiming(): ReaderTiming {
    return { policy: this.timing.code, periodMs: this.timing.periodMs };
  }

  /** @internal The kernel rings of `spec.map`, their schema checked against the BTF. */
  resolveRing(spec: RingSpec, options: ReadOptions<FieldSpecs>): ResolvedRing[] {
    const raw = this.live();
    const sources = native(() => raw.ringSources(spec.map));
    const own = spec.schema !== undefined;
    const schema = own ? (spec.schema ?? null) : (options.schema ?? null);
    if (schema !== null && options.btfStruct !== false) {
      const struct =
        own || options.btfStruct === undefined
          ? native(() => raw.btfStruct(schema.name))
          : this.btfStruct(options.btfStruct);
      if (struct !== null) checkSchema(schema as Schema, struct);
    }
    const drops =
      spec.drops !== undefined ? spec.drops : spec.map === this.ringMap ? this.dropsMap : null;
    if (drops !== null) this.map(drops);
    const perCpu = this.maps.find((map) => map.name === spec.map)?.type === 'array_of_maps';
    const dropsKey = (map: string | null, cpu: number | null) => {
      if (map === null) return () => 0;
      const key = `${map}@${cpu ?? 'all'}`;
      this.ringDropsAtClose.set(key, 0);
      return () => this.ringDropped(key);
    };
    return sources.map((source) => ({
      object: this.path,
      map: spec.map,
      source,
      perCpu,
      schema,
      kernelDropped: dropsKey(drops, perCpu ? source.cpu : null),
    }));
  }

  /** @internal */
  claimRing(map: string, reader: RingReader): void {
    this.ringReaders.set(map, reader);
  }

  /** @internal Frees the rings `reader` took: it stopped. */
  releaseRings(reader: RingReader): void {
    for (const [map, holder] of this.ringReaders)
      if (holder === reader) this.ringReaders.delete(map);
  }

  /**
   * A ring's kernel drops: the key-0 u64 of its drops map (`key`: map@CPU, or map@all for
   * the sum over CPUs); once the object is closed, what it said at close().
   */
  private ringDropped(key: string): number {
    if (this.raw === null) return this.ringDropsAtClose.get(key) ?? 0;
    const [drops, cpu] = key.split('@') as [string, string];
    const map = this.map(drops);
    const values = map.perCpu ? map.lookupPerCpu(0) : [map.lookup(0)];
    const count = (value: Uint8Array | undefined) =>
      value === undefined || value.byteLength < 8
        ? 0
        : Number(new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, littleEndian));
    return cpu === 'all'
      ? (values ?? []).reduce((sum, value) => sum + count(value), 0)
      : count(values?.[Number(cpu)]);
  }

  /**
   * The schema of the struct `name` in the object's BTF (clang -g writes it): the one
   * defineSchema() would build from its members' offsets and types (UNKNOWN_STRUCT when
   * the BTF has no such struct, UNSUPPORTED_BTF_TYPE naming a member no field type holds).
   */
  schemaFromBtf(name: string, options: SchemaFromBtfOptions = {}): Schema {
    return schemaFromStruct(this.btfStruct(name), options);
  }

  private btfStruct(name: string): RawBtfStruct {
    const raw = this.live();
    const struct = native(() => raw.btfStruct(name));
    if (struct === null)
      throw new BpfError(
        'UNKNOWN_STRUCT',
        `${this.path} has no struct ${name} in its BTF: check the name (without "struct "), that the object was built with clang -g, and that a global or map of the struct keeps it in the BTF.`,
      );
    return struct;
  }

  /**
   * A map of the object by name, to read and write from JavaScript (UNKNOWN_MAP,
   * listing the object's maps, when it has none of that name). One handle per
   * name, until it is closed; close() closes them all.
   */
  map(name: string): BpfMap {
    const raw = this.live();
    const known = this.openMaps.get(name);
    if (known !== undefined && !known.closed) return known;
    const map = new BpfMap(
      native(() => raw.openMap(name)),
      () => native(() => this.live().mapBtfStructs(name)),
    );
    this.openMaps.set(name, map);
    return map;
  }

  /**
   * A program of the object by name, to attach explicitly (UNKNOWN_PROGRAM, listing the
   * object's programs, when it has none of that name).
   */
  program(name: string): BpfProgram {
    this.live();
    if (!this.programs.includes(name))
      throw new BpfError(
        'UNKNOWN_PROGRAM',
        `program '${name}' is not in ${this.path}: choose from its programs (${this.programs.map((known) => `'${known}'`).join(', ')}).`,
      );
    return new BpfProgram(name, () => this.live());
  }

  /** The programs attached by their sections now (none after detach() or close()); program().attach() links are not listed. */
  get attached(): readonly string[] {
    return this.raw === null ? [] : native(() => this.raw!.attachedNow());
  }

  /**
   * Stops the programs attached by their sections, without unloading them (links from
   * program().attach() keep running): nothing runs on the hooks, the
   * maps, rings and reader stay, and attach() resumes in microseconds, with no
   * verification. Idempotent.
   */
  detach(): void {
    const raw = this.live();
    native(() => raw.detach());
  }

  /** Attaches the selected programs again after detach(); all or none. Idempotent. */
  attach(): void {
    const raw = this.live();
    native(() => raw.attach());
  }

  /** Events the program dropped for want of room (summed over CPUs). */
  kernelDropped(): number {
    return this.hasDrops ? native(() => this.live().dropped()) : 0;
  }

  stats(): ObjectStats {
    const reader = this.reader?.stats() ?? null;
    const now = performance.now();
    const seconds = Math.max((now - this.last.at) / 1000, 1e-9);
    const events = reader?.events ?? 0;
    const bytes = reader?.bytes ?? 0;
    const rates = {
      eventsPerSecond: (events - this.last.events) / seconds,
      bytesPerSecond: (bytes - this.last.bytes) / seconds,
    };
    this.last = { at: now, events, bytes };
    return {
      topology: this.topology,
      policy: this.policy.kind,
      rings: this.raw?.ringCount ?? 0,
      kernelDropped: this.raw === null ? this.droppedAtClose : this.kernelDropped(),
      reader,
      ...rates,
    };
  }

  /**
   * Stops the reader at once, detaches every program (but those whose links were
   * pinned) and closes the object.
   * Idempotent. Records the kernel rings still hold and the JS ring has no room
   * for are counted as dropped: `await reader.stop()` first to deliver them all.
   */
  close(): void {
    const raw = this.raw;
    if (raw === null) return;
    try {
      // What each ring's drops map says now, for readers asked after close().
      for (const key of this.ringDropsAtClose.keys())
        this.ringDropsAtClose.set(key, this.ringDropped(key));
    } catch {
      // A drops map that cannot be read now keeps its last value: close() must go on.
    }
    this.raw = null;
    open.delete(this);
    try {
      // Readers of its rings stop first (one reading other objects' rings too stops whole).
      for (const reader of new Set(this.ringReaders.values())) reader.stopNow();
      this.reader?.stopNow();
      if (this.hasDrops) this.droppedAtClose = native(() => raw.dropped());
    } finally {
      for (const map of this.openMaps.values()) map.close();
      this.openMaps.clear();
      native(() => raw.close());
    }
  }

  get closed(): boolean {
    return this.raw === null;
  }

  private live(): RawObject {
    if (this.raw === null) throw new BpfError('CLOSED', `${this.path} was closed; open it again.`);
    return this.raw;
  }
}

/** object.schemaFromBtf(name, options): the schema of a struct of the object's BTF. */
export function schemaFromBtf(
  object: BpfObject,
  name: string,
  options: SchemaFromBtfOptions = {},
): Schema {
  return object.schemaFromBtf(name, options);
}

/** Opens, loads and attaches a BPF object (ours or yours); read() starts consuming its rings. */
export function openObject(path: string, options: OpenOptions = {}): BpfObject {
  return new BpfObject(path, options);
}
