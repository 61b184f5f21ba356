// The addon's surface (native/src/addon.cc, js_ring.cc), as the TS layer uses it.
// Slots travel as (index, fence); 64-bit counters as numbers (exact below 2^53).

export interface NativeBackendInfo {
  name: 'cpu' | 'cuda' | 'metal';
  available: boolean;
  reason: string;
}

/** Every constant of native/include/ringkit/cmdring/layout.hpp by its src/layout.ts name ("Counter.WAIT_EVENTS"). */
export type NativeStatisticsLayout = Record<string, number>;

export interface NativeRingOptions {
  backend: string;
  ringSize: number;
  timeoutMs: number;
  logWaitEvents: boolean;
  trackStatistics: boolean;
  spinUs: number;
  /** 1: round-robin; 2–8: allocation strategy priority with that many levels. */
  priorityLevels: number;
  cpu: {
    buffersPerSlot?: number;
    bufferBytes?: number;
    resultsPerSlot?: number;
    idleSpinUs?: number;
  };
  gpu: { device?: number; stagingBytes?: number; deviceBytes?: number };
}

/**
 * What the ring's threads tell JS, a batch per call. Messages without an error come packed:
 * `packed` holds MESSAGE_WORDS numbers per message (kind, id, fence, wait ms); a message with an
 * error comes alone, with `packed` null. Kind 0: an acquire settled (id = token); 1: a fence
 * settled (id = fence); 2: a wait event (id = slot).
 */
export type NativeDispatch = (
  packed: Float64Array | null,
  kind?: number,
  id?: number,
  fence?: number,
  error?: unknown,
) => void;

/** Numbers per packed message: js_mailbox.hpp's kWordsPerMessage. */
export const MESSAGE_WORDS = 4;

export type NativeKernelArg = [
  kind: 'u32' | 'i32' | 'f32' | 'u64' | 'i64' | 'f64' | 'slot',
  value: number | bigint,
];

export interface NativeRingHandle {
  backendName(): string;
  /**
   * The slot when one was free, as fence × MAX_RING_SIZE + index (so is the `fence` an acquire's
   * dispatch brings); −(waiter id) when the outcome comes later through dispatch.
   */
  acquire(token: number): number;
  acquireSync(timeoutMs: number | undefined): number;
  expireAcquire(waiter: number, timeoutMs: number): boolean;
  abortAcquire(waiter: number): boolean;
  commit(index: number, fence: number, notify: boolean, priority: number): void;
  waitSync(fence: number, timeoutMs: number | undefined): void;
  keepAlive(on: boolean): void;
  close(timeoutMs: number): Promise<Error | undefined>;
  closeSync(timeoutMs: number): Error | undefined;
  /** Fences close gave up on: each settled with CLOSE_TIMEOUT. */
  abandonedFences(): number;

  busyFor(index: number, fence: number, microseconds: number): void;
  fill(index: number, fence: number, buffer: number, byte: number): void;
  copy(index: number, fence: number, source: number, destination: number, bytes: number): void;
  checksum(index: number, fence: number, buffer: number): number;
  fail(index: number, fence: number, message: string): void;
  buffers(): Uint8Array[][];
  result(index: number, fence: number, result: number): bigint;
  busyNs(): number;

  loadModule(source: string): number;
  kernel(module: number, name: string): number;
  builtinKernel(name: string): number;
  copyToDevice(
    index: number,
    fence: number,
    stagingOffset: number,
    deviceOffset: number,
    bytes: number,
  ): void;
  launch(
    index: number,
    fence: number,
    kernel: number,
    grid: [number, number, number],
    block: [number, number, number],
    args: NativeKernelArg[],
    sharedBytes: number,
  ): void;
  copyToHost(
    index: number,
    fence: number,
    deviceOffset: number,
    stagingOffset: number,
    bytes: number,
  ): void;
  stagings(): Uint8Array[];
  deviceName(): string;
}

/** The overhead benchmark's baseline: one op at a time, no ring (direct_executor.hpp). */
export interface NativeDirectExecutor {
  run(microseconds: number): void;
  close(): void;
}

/**
 * The ring's overhead gate's baseline (backend_loop.hpp): a cpu backend of `slots` slots driven by
 * a C++ loop with no ring and no JS. run() blocks for `commands` commands of one
 * busyFor(microseconds) op and returns the nanoseconds from the first submit to the last completion.
 */
export interface NativeBackendLoop {
  run(commands: number, microseconds: number): number;
  close(): void;
}

export interface NativeBinding {
  backends(): NativeBackendInfo[];
  DirectExecutor: new (spinUs: number) => NativeDirectExecutor;
  BackendLoop: new (slots: number) => NativeBackendLoop;
  statisticsLayout(): NativeStatisticsLayout;
  RingHandle: new (
    options: NativeRingOptions,
    statistics: Uint8Array,
    dispatch: NativeDispatch,
    completions: Uint8Array,
  ) => NativeRingHandle;
}
