import { nativeAddon } from '@ringkit/spsc-ring/native-loader';
import { PoolError } from './errors.js';

/** What the native producer reports when its thread ends. */
export interface RawProducerResult {
  readonly written: number;
  readonly dropped: number;
  readonly seconds: number;
  /** '' when the run ended normally or was stopped; otherwise a PoolErrorCode. */
  readonly errorCode: string;
  readonly errorMessage: string;
}

/** A started producer thread, as the addon returns it. */
export interface RawNativeProducer {
  readonly done: Promise<RawProducerResult>;
  stop(): void;
  /** Registers a block that arrived after the start; false when it was known already. */
  addBlock(block: number, bytes: Uint8Array): boolean;
}

/** The shared memory a native producer works in: views, since Node-API cannot read a bare SharedArrayBuffer. */
export interface RawProducerMemory {
  readonly control: Uint8Array;
  readonly free: Uint8Array;
  readonly ready: Uint8Array;
  /** Every queue of every lane, at its wake-table code - 1 (wake.ts). */
  readonly queues: readonly Uint8Array[];
  /** Blocks by number; a hole is a block this thread has not seen. */
  readonly blocks: readonly (Uint8Array | undefined)[];
}

export interface RawProducerOptions {
  readonly lane: number;
  readonly lanes: number;
  readonly bufferSize: number;
  readonly buffersPerBlock: number;
  readonly maxBlocks: number;
  readonly blockWhenEmpty: boolean;
  readonly blockTimeoutMs: number;
  readonly tickMs: number;
  readonly spin: number;
  readonly records: number;
  readonly minPayload: number;
  readonly maxPayload: number;
  readonly ratePerSecond: number;
  readonly type: number;
  readonly seed: number;
}

/** What every native loop (drain, collector, replenish) reports when its thread ends. */
export interface RawRoleResult {
  readonly seconds: number;
  /** Ended by stop() rather than by the role's own end condition. */
  readonly stopped: boolean;
  /** '' when the run ended normally or was stopped; otherwise a PoolErrorCode. */
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface RawDrainResult extends RawRoleResult {
  readonly handoffs: number;
  readonly refills: number;
}

export interface RawCollectorResult extends RawRoleResult {
  readonly buffers: number;
  readonly bytes: number;
  readonly records: number;
  readonly payloadBytes: number;
  readonly errors: number;
  readonly firstError: string;
  readonly maxSequence: number;
  readonly gaps: number;
  readonly outOfOrder: number;
}

export interface RawReplenishResult extends RawRoleResult {
  readonly routed: number;
  readonly rebalanced: number;
  readonly blocksAllocated: number;
  readonly registrations: number;
}

/** A started drain, collector or replenish thread, as the addon returns it. */
export interface RawNativeRole<Result> {
  readonly done: Promise<Result>;
  stop(): void;
  /** Registers a block that arrived after the start; false when it was known already. */
  addBlock(block: number, bytes: Uint8Array): boolean;
  /**
   * Settles the thread's request for block N on this side: true when it still
   * waits (this thread must now deliver it, or stop the thread); false when it
   * gave up first (ALLOCATION_TIMEOUT) and nothing should be allocated.
   */
  takeRequest(block: number): boolean;
}

export interface RawRoleMemory {
  readonly control: Uint8Array;
  /** Every queue of every lane, at its wake-table code - 1 (wake.ts). */
  readonly queues: readonly Uint8Array[];
  readonly blocks: readonly (Uint8Array | undefined)[];
}

export interface RawRoleOptions {
  readonly lanes: number;
  readonly bufferSize: number;
  readonly buffersPerBlock: number;
  readonly maxBlocks: number;
  readonly tickMs: number;
  readonly spin: number;
}

/**
 * Called on the starting thread by a native role: 'want' (a block it never got),
 * 'allocate' (replenish: make block N and hand it over), 'announce' (replenish:
 * BLOCK_WANTED was raised; answer the wants on the channel).
 */
/** A role for startRoles (the replenish fields come from the pool's options). */
export type RawRoleRequest =
  | { readonly kind: 'drain'; readonly lane: number }
  | { readonly kind: 'collector'; readonly lane: number; readonly batch: number }
  | {
      readonly kind: 'replenish';
      readonly lowWatermark: number;
      readonly highWatermark: number;
      readonly allocationTimeoutMs: number;
    };

export type RawRoleEvent = (kind: 'want' | 'allocate' | 'announce', block: number) => void;

/** Where C++ finds each role's line, wake-table word and queue codes (for the agreement test). */
export interface ControlGeometry {
  byteLength: number;
  producer: number[];
  drain: number[];
  collector: number[];
  replenish: number;
  wakeTableWords: number[];
  queueCodes: Record<'free' | 'ready' | 'collect' | 'done' | 'recycled', number>[];
  inputCodes: { producer: number[]; drain: number[]; collector: number[]; replenish: number };
}

/** What the addon (native/src/addon.cc) exports. */
export interface NativeBinding {
  /** Every constant of layout.hpp's lists, by its TypeScript name (for test/layout.test.ts). */
  layout(): Record<string, number>;
  /** layout.ts's roleLine, wakeTableWord and controlByteLength, and wake.ts's queue codes, computed by C++. */
  controlGeometry(lanes: number): ControlGeometry;
  startProducer(
    memory: RawProducerMemory,
    options: RawProducerOptions,
    onEvent: RawRoleEvent,
  ): RawNativeProducer;
  /** One thread running every listed role; `done` gives their results in the same order. */
  startRoles(
    memory: RawRoleMemory,
    options: RawRoleOptions & { readonly roles: readonly RawRoleRequest[] },
    onEvent: RawRoleEvent,
  ): RawNativeRole<RawRoleResult[]>;
}

const addon = nativeAddon<NativeBinding>({
  packageName: '@ringkit/buffer-pool',
  from: { dirname: typeof __dirname === 'string' ? __dirname : undefined, url: import.meta.url },
  file: 'ringkit_buffer_pool.node',
  needs: 'cmake and a C++20 compiler',
  error: (sentence) => new PoolError('NATIVE_UNAVAILABLE', sentence),
});

export function nativeBinding(): NativeBinding | null {
  return addon.binding();
}

/** Why the addon is not available, or '' when it is. */
export function nativeUnavailableReason(): string {
  return addon.unavailableReason();
}

/** The addon, or a PoolError saying what is missing and how to build it. */
export function requireNative(what: string): NativeBinding {
  return addon.require(what);
}
