import { RingError } from './errors.js';
import { nativeAddon } from './native-loader.js';

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
}

export interface NativeProducerOptions {
  /** Records to push; each carries its sequence number and a checksum (see src/test-records.ts). */
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

const NEEDS = 'cmake and a C++20 compiler';
const from = {
  dirname: typeof __dirname === 'string' ? __dirname : undefined,
  url: import.meta.url,
};
const ringError = (sentence: string) => new RingError('NATIVE_UNAVAILABLE', sentence);

const ringAddon = nativeAddon<NativeBinding>({
  packageName: '@ringkit/spsc-ring',
  from,
  file: 'ringkit_spsc.node',
  needs: NEEDS,
  error: ringError,
});

// Shared memory needs V8's API (a SharedArrayBuffer over an mmap), so its prebuilds are per ABI.
const sharedMemoryAddon = nativeAddon<SharedMemoryBinding>({
  packageName: '@ringkit/spsc-ring',
  from,
  file: 'ringkit_shm.node',
  abiKeyed: true,
  needs: NEEDS,
  error: ringError,
});

export function nativeBinding(): NativeBinding | null {
  return ringAddon.binding();
}

/** Why the addon is not available, or '' when it is. */
export function nativeUnavailableReason(): string {
  return ringAddon.unavailableReason();
}

/** The shared-memory addon, or a RingError saying what is missing and how to build it. */
export function requireSharedMemory(): SharedMemoryBinding {
  return sharedMemoryAddon.require('shared memory across processes');
}

/** The addon, or a RingError saying what is missing and how to build it. */
export function requireNative(what: string): NativeBinding {
  return ringAddon.require(what);
}
