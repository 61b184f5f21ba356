import { CommandRingError } from './errors.js';
import type { NativeRingOptions } from './native-binding.js';

export type BackendName = 'auto' | 'cpu' | 'cuda' | 'metal';
/** The seed's allocation_strategy, as far as one device queue gives it meaning. */
export type AllocationStrategy = 'round-robin' | 'priority';

export const MIN_RING_SIZE = 1;
/** Must match kMaxRingSize in native/include/ringkit/cmdring/config.hpp. */
export const MAX_RING_SIZE = 64;
export const MIN_PRIORITY_LEVELS = 2;
/** Must match kMaxPriorityLevels in native/include/ringkit/cmdring/config.hpp. */
export const MAX_PRIORITY_LEVELS = 8;
/** With allocationStrategy 'priority' and no priorityLevels: normal (0) and urgent (1). */
export const DEFAULT_PRIORITY_LEVELS = 2;

/** What log_wait_events reports for each acquisition that had to wait. */
export interface WaitEvent {
  slot: number;
  fence: number;
  waitMs: number;
}

export interface RingOptions {
  /**
   * The seed's switch. False runs the ring with one slot: each command waits for the one before,
   * which is how work was submitted without a ring. Default true.
   */
  enabled?: boolean;
  /** 'auto' takes metal, else cuda, where available, else cpu. Default 'auto'. */
  backend?: BackendName;
  /** Slots, 1–64. 2 = double buffering, 3 = triple. Default 3. */
  ringSize?: number;
  /** How long acquire() waits for a slot by default; 0 waits without limit. Default 0. */
  timeoutMs?: number;
  /** Report each acquisition that had to wait (to onWaitEvent, else a line on stderr). */
  logWaitEvents?: boolean;
  onWaitEvent?: (event: WaitEvent) => void;
  /** Off: the statistics counters stay 0 (the fence counters are kept regardless). Default true. */
  trackStatistics?: boolean;
  /** How long acquireSync() polls for its slot before it sleeps, in µs. Default 50. */
  spinUs?: number;
  /**
   * 'round-robin' (default): every command runs in fence order. 'priority': commit(slot,
   * { priority }) picks one of priorityLevels levels, and the backend runs the oldest command of
   * the highest non-empty level first (cpu and cuda; metal refuses it).
   */
  allocationStrategy?: AllocationStrategy;
  /** With allocationStrategy 'priority': levels 0 (the lowest, the default) to priorityLevels − 1; 2–8. Default 2. */
  priorityLevels?: number;
  cpu?: {
    /** Buffers per slot for fill/copy/checksum. Default 2. */
    buffersPerSlot?: number;
    /** Bytes per buffer. Default 65536. */
    bufferBytes?: number;
    /** Checksum results a slot can hold. Default 8. */
    resultsPerSlot?: number;
    /** How long the idle executor polls for the next commit before it sleeps, in µs. Default 50. */
    idleSpinUs?: number;
  };
  gpu?: {
    device?: number;
    /** Host-visible (pinned) bytes per slot. Default 1 MiB. */
    stagingBytes?: number;
    /** Device bytes per slot. Default 1 MiB. */
    deviceBytes?: number;
  };
}

const TOP_LEVEL_KEYS = [
  'enabled',
  'backend',
  'ringSize',
  'timeoutMs',
  'logWaitEvents',
  'onWaitEvent',
  'trackStatistics',
  'spinUs',
  'allocationStrategy',
  'priorityLevels',
  'cpu',
  'gpu',
];
const BACKENDS: readonly BackendName[] = ['auto', 'cpu', 'cuda', 'metal'];
const STRATEGIES: readonly AllocationStrategy[] = ['round-robin', 'priority'];

function invalid(sentence: string): CommandRingError {
  return new CommandRingError('INVALID_OPTIONS', sentence);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}" (a string)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${String(value)}${typeof value === 'number' ? '' : ` (a ${typeof value})`}`;
}

function checkKeys(object: object, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key))
      throw invalid(`${where} has no option '${key}'; the options are ${allowed.join(', ')}.`);
  }
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(`${name} must be a whole number from ${min} to ${max}, got ${describe(value)}.`);
  return value;
}

function milliseconds(value: unknown, name: string, meaningOfZero: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalid(
      `${name} must be a finite number of milliseconds from 0 (${meaningOfZero}), got ${describe(value)}.`,
    );
  return value;
}

function microseconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1_000_000)
    throw invalid(
      `${name} must be a number of microseconds from 0 to 1000000, got ${describe(value)}.`,
    );
  return value;
}

function flag(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean')
    throw invalid(`${name} must be true or false, got ${describe(value)}.`);
  return value;
}

/** Options checked and completed with defaults, ready for the addon. */
export interface NormalizedOptions extends NativeRingOptions {
  backend: BackendName;
  allocationStrategy: AllocationStrategy;
  onWaitEvent: ((event: WaitEvent) => void) | undefined;
}

export function normalizeOptions(options: RingOptions = {}): NormalizedOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid(`ring options must be an object, got ${describe(options)}.`);
  checkKeys(options, TOP_LEVEL_KEYS, 'openRing()');
  const backend = options.backend ?? 'auto';
  if (!BACKENDS.includes(backend))
    throw invalid(
      `backend must be one of ${BACKENDS.map((name) => `'${name}'`).join(', ')}, got ${describe(backend)}.`,
    );
  const onWaitEvent = options.onWaitEvent;
  if (onWaitEvent !== undefined && typeof onWaitEvent !== 'function')
    throw invalid(`onWaitEvent must be a function, got ${describe(onWaitEvent)}.`);
  const cpu = options.cpu ?? {};
  const gpu = options.gpu ?? {};
  checkKeys(cpu, ['buffersPerSlot', 'bufferBytes', 'resultsPerSlot', 'idleSpinUs'], 'cpu');
  checkKeys(gpu, ['device', 'stagingBytes', 'deviceBytes'], 'gpu');
  const spinUs = microseconds(options.spinUs ?? 50, 'spinUs');
  const allocationStrategy = options.allocationStrategy ?? 'round-robin';
  if (!STRATEGIES.includes(allocationStrategy))
    throw invalid(
      `allocationStrategy must be one of ${STRATEGIES.map((name) => `'${name}'`).join(', ')}, got ${describe(allocationStrategy)}.`,
    );
  if (allocationStrategy === 'round-robin' && options.priorityLevels !== undefined)
    throw invalid(
      "priorityLevels applies only to allocationStrategy 'priority'; remove it or set allocationStrategy: 'priority'.",
    );
  const priorityLevels =
    allocationStrategy === 'priority'
      ? wholeNumber(
          options.priorityLevels ?? DEFAULT_PRIORITY_LEVELS,
          'priorityLevels',
          MIN_PRIORITY_LEVELS,
          MAX_PRIORITY_LEVELS,
        )
      : 1;
  const idleSpinUs = microseconds(cpu.idleSpinUs ?? 50, 'cpu.idleSpinUs');
  return {
    backend,
    ringSize: flag(options.enabled ?? true, 'enabled')
      ? wholeNumber(options.ringSize ?? 3, 'ringSize', MIN_RING_SIZE, MAX_RING_SIZE)
      : 1,
    timeoutMs: milliseconds(options.timeoutMs ?? 0, 'timeoutMs', '0 waits without limit'),
    logWaitEvents: flag(options.logWaitEvents ?? onWaitEvent !== undefined, 'logWaitEvents'),
    trackStatistics: flag(options.trackStatistics ?? true, 'trackStatistics'),
    spinUs,
    allocationStrategy,
    priorityLevels,
    onWaitEvent,
    cpu: {
      buffersPerSlot: wholeNumber(cpu.buffersPerSlot ?? 2, 'cpu.buffersPerSlot', 1, 64),
      bufferBytes: wholeNumber(cpu.bufferBytes ?? 65536, 'cpu.bufferBytes', 1, 2 ** 30),
      resultsPerSlot: wholeNumber(cpu.resultsPerSlot ?? 8, 'cpu.resultsPerSlot', 1, 4096),
      idleSpinUs,
    },
    gpu: {
      device: wholeNumber(gpu.device ?? 0, 'gpu.device', 0, 1024),
      stagingBytes: wholeNumber(gpu.stagingBytes ?? 2 ** 20, 'gpu.stagingBytes', 1, 2 ** 34),
      deviceBytes: wholeNumber(gpu.deviceBytes ?? 2 ** 20, 'gpu.deviceBytes', 1, 2 ** 36),
    },
  };
}
