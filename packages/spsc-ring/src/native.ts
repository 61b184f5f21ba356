import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RingError } from './errors.js';

/** What the addon (native/src/addon.cc) exports. */
export interface NativeBinding {
  /** Every layout constant as C++ sees it (for the agreement test). */
  layout(): Record<string, number>;
  /** What the C++ twin's attach says of a region: "ok" or the reason it refuses. */
  attachStatus(region: Uint8Array): string;
  futexWait(
    words: Int32Array,
    index: number,
    expected: number,
    timeoutMs: number,
  ): 'ok' | 'not-equal' | 'timed-out';
  futexWaitAsync(
    words: Int32Array,
    index: number,
    expected: number,
    timeoutMs: number,
  ): Promise<'ok' | 'not-equal' | 'timed-out'>;
  futexWake(words: Int32Array, index: number, count: number): number;
  /** membarrier(GLOBAL_EXPEDITED): false if it could not be issued (see native/include/ringkit/barrier.hpp). */
  sleeperBarrier(): boolean;
  /** This process is registered for membarrier(GLOBAL_EXPEDITED): its publishers may use release stores. */
  lightPublishEnabled(): boolean;
  startProducer(ring: Uint8Array, options: NativeProducerOptions): RawNativeThread;
  startConsumer(ring: Uint8Array, options: NativeConsumerOptions): RawNativeThread;
  /** Benchmarks: two native threads through the C++ twin or the bench's plain C++ queue. */
  nativeThroughput(options: {
    queue: 'twin' | 'plain';
    records: number;
    recordSize: number;
    batch: number;
  }): {
    seconds: number;
    checksum: number;
  };
  /**
   * Benchmarks: round trips between two native threads, spinning, over two twin rings or over
   * two bare atomic words (the machine's floor); returns seconds.
   */
  nativePingPong(roundTrips: number, over?: 'twin' | 'atomics'): number;
}

export interface NativeProducerOptions {
  /** Records to push; each carries its sequence number and a checksum (see test/records.ts). */
  readonly records: number;
  /** Records per publish (claim/commit). */
  readonly batch?: number;
  /** Byte rings: payload sizes cycle from minPayload to maxPayload. */
  readonly minPayload?: number;
  readonly maxPayload?: number;
  /** Records per second; 0 = as fast as possible. */
  readonly ratePerSecond?: number;
  /** Close the ring after the last record. */
  readonly close?: boolean;
}

export interface NativeConsumerOptions {
  /** Stop after this many records (or at end-of-stream). */
  readonly records: number;
  readonly batch?: number;
}

export interface NativeWorkerResult {
  readonly records: number;
  readonly dropped: number;
  readonly errors: number;
  readonly seconds: number;
  readonly firstError: string;
}

/** What the addon returns for a started thread. */
export interface RawNativeThread {
  readonly done: Promise<NativeWorkerResult>;
  stop(): void;
}

export interface NativeWorker {
  /** Resolves when the thread has finished. */
  join(): Promise<NativeWorkerResult>;
  /** Asks the thread to stop early. */
  stop(): void;
}

/** What the shared-memory addon (native/src/shared_memory.cc) exports. */
export interface SharedMemoryBinding {
  createShared(name: string, byteLength: number): SharedArrayBuffer;
  attachShared(name: string): SharedArrayBuffer;
  unlinkShared(name: string): boolean;
  readonly memoryCage: boolean;
}

interface Loaded<T> {
  readonly binding: T | null;
  readonly reason: string;
}

function packageRoot(): string {
  // dist/index.{js,cjs} and src/native.ts are both one level below the package root. CommonJS
  // has an absolute __dirname; under ESM a global one (node -e and eval workers set '.') must
  // not be believed.
  const here =
    typeof __dirname === 'string' && isAbsolute(__dirname)
      ? __dirname
      : dirname(fileURLToPath(import.meta.url));
  return join(here, '..');
}

/**
 * Local build first (build/Release), then the prebuild shipped in the tarball;
 * null with the reason when neither loads. Node-API-only addons are keyed by
 * platform; the V8-API one also by the Node ABI it was built for.
 */
function load<T>(file: string, abiKeyed: boolean): Loaded<T> {
  if (process.env.RINGKIT_NO_NATIVE === '1') {
    return { binding: null, reason: 'the native addon is disabled by RINGKIT_NO_NATIVE=1' };
  }
  const root = packageRoot();
  const platform = `${process.platform}-${process.arch}`;
  const prebuilt = abiKeyed
    ? join(root, 'prebuilds', platform, `node-abi-${process.versions.modules}`, file)
    : join(root, 'prebuilds', platform, file);
  const candidates = [join(root, 'build', 'Release', file), prebuilt];
  const requireNative = createRequire(join(root, 'package.json'));
  const failures: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    try {
      return { binding: requireNative(candidate) as T, reason: '' };
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const reason =
    failures.length > 0
      ? `the native addon ${file} failed to load (${failures.join('; ')})`
      : `no native addon ${file} is built for ${platform}${abiKeyed ? ` and Node ABI ${process.versions.modules}` : ''} (looked in build/Release and prebuilds/)`;
  return { binding: null, reason };
}

let loaded: Loaded<NativeBinding> | undefined;
let loadedSharedMemory: Loaded<SharedMemoryBinding> | undefined;

export function nativeBinding(): NativeBinding | null {
  loaded ??= load<NativeBinding>('ringkit_spsc.node', false);
  return loaded.binding;
}

/** Why the addon is not available, or '' when it is. */
export function nativeUnavailableReason(): string {
  loaded ??= load<NativeBinding>('ringkit_spsc.node', false);
  return loaded.reason;
}

function buildAdvice(): string {
  return `build it by running "npx cmake-js compile --out build" in ${packageRoot()} (needs cmake and a C++20 compiler)`;
}

/** The shared-memory addon, or a RingError saying what is missing and how to build it. */
export function requireSharedMemory(): SharedMemoryBinding {
  loadedSharedMemory ??= load<SharedMemoryBinding>('ringkit_shm.node', true);
  if (loadedSharedMemory.binding === null) {
    throw new RingError(
      'NATIVE_UNAVAILABLE',
      `shared memory across processes needs @ringkit/spsc-ring's native addon, but ${loadedSharedMemory.reason}; ${buildAdvice()}.`,
    );
  }
  return loadedSharedMemory.binding;
}

/** The addon, or a RingError saying what is missing and how to build it. */
export function requireNative(what: string): NativeBinding {
  const binding = nativeBinding();
  if (binding === null) {
    throw new RingError(
      'NATIVE_UNAVAILABLE',
      `${what} needs @ringkit/spsc-ring's native addon, but ${nativeUnavailableReason()}; ${buildAdvice()}.`,
    );
  }
  return binding;
}
