// A slot handed out by acquire(): the slot's resources to record into and the
// fence its work will signal. Ops are recorded between acquire and commit; after
// commit the slot refuses them (the device may be running them). Its buffers
// and results are stable from its completion until the slot is acquired again.
import { CommandRingError, fromNative } from './errors.js';
import type { NativeKernelArg, NativeRingHandle } from './native-binding.js';

/** A kernel argument: a scalar, or the address of the slot's device memory plus an offset. */
export type KernelArg = NativeKernelArg;

export const kernelArg = {
  u32: (value: number): KernelArg => ['u32', value],
  i32: (value: number): KernelArg => ['i32', value],
  f32: (value: number): KernelArg => ['f32', value],
  u64: (value: number | bigint): KernelArg => ['u64', value],
  i64: (value: number | bigint): KernelArg => ['i64', value],
  f64: (value: number): KernelArg => ['f64', value],
  /** The launching slot's device buffer at `offset` bytes: JavaScript never sees device pointers. */
  slot: (offset = 0): KernelArg => ['slot', offset],
};

/** A kernel from a loaded module or a built-in one (ring.builtinKernel). */
export interface Kernel {
  readonly id: number;
  readonly name: string;
}

export type Dim = number | [number, number?, number?];

export interface LaunchOptions {
  /** Blocks (threadgroups). */
  grid: Dim;
  /** Threads per block. */
  block: Dim;
  args?: KernelArg[];
  sharedBytes?: number;
}

export interface CopyOptions {
  stagingOffset?: number;
  deviceOffset?: number;
  bytes: number;
}

/** What a slot needs from its ring. */
export interface SlotHost {
  readonly handle: NativeRingHandle;
  cpuBuffers(): Uint8Array[][];
  gpuStagings(): Uint8Array[];
}

/** Marks a slot committed; internal to the package (not exported from index). */
export const sealSlot = Symbol('sealSlot');

function dim3(dim: Dim): [number, number, number] {
  if (typeof dim === 'number') return [dim, 1, 1];
  return [dim[0], dim[1] ?? 1, dim[2] ?? 1];
}

export class Slot {
  /** Which slot's resources (acquisition k gets slot k mod ringSize). */
  readonly index: number;
  /** The fence this acquisition's work signals: k + 1 for acquisition k. */
  readonly fence: number;
  readonly #host: SlotHost;
  #recording = true;

  constructor(host: SlotHost, index: number, fence: number) {
    this.#host = host;
    this.index = index;
    this.fence = fence;
  }

  /** False once committed. */
  get recording(): boolean {
    return this.#recording;
  }

  [sealSlot](): boolean {
    const was = this.#recording;
    this.#recording = false;
    return was;
  }

  #handle(op: string): NativeRingHandle {
    if (!this.#recording)
      throw new CommandRingError(
        'INVALID_SLOT',
        `${op}: the slot for fence ${this.fence} was already committed; acquire another slot to record more work.`,
      );
    return this.#host.handle;
  }

  // cpu backend ------------------------------------------------------------

  /** Executor time: spins for `microseconds` (a stand-in for device work). */
  busyFor(microseconds: number): this {
    const handle = this.#handle('busyFor');
    try {
      handle.busyFor(this.index, this.fence, microseconds);
    } catch (error) {
      throw fromNative(error);
    }
    return this;
  }

  fill(buffer: number, byte: number): this {
    const handle = this.#handle('fill');
    try {
      handle.fill(this.index, this.fence, buffer, byte);
    } catch (error) {
      throw fromNative(error);
    }
    return this;
  }

  copy(source: number, destination: number, bytes: number): this {
    const handle = this.#handle('copy');
    try {
      handle.copy(this.index, this.fence, source, destination, bytes);
    } catch (error) {
      throw fromNative(error);
    }
    return this;
  }

  /** FNV-1a 64 of a whole buffer; returns the result's index for result(). */
  checksum(buffer: number): number {
    const handle = this.#handle('checksum');
    try {
      return handle.checksum(this.index, this.fence, buffer);
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** Fails when executed, with `message`: poisons the ring (for tests of failure handling). */
  fail(message: string): this {
    const handle = this.#handle('fail');
    try {
      handle.fail(this.index, this.fence, message);
    } catch (error) {
      throw fromNative(error);
    }
    return this;
  }

  /** One of the slot's executor buffers (write before commit, read after completion). */
  buffer(buffer: number): Uint8Array {
    const views = this.#host.cpuBuffers()[this.index] ?? [];
    const view = views[buffer];
    if (view === undefined)
      throw new CommandRingError(
        'INVALID_OP',
        `buffer ${buffer} does not exist: a slot has buffers 0..${views.length - 1}.`,
      );
    return view;
  }

  /** A checksum's value, once the slot's fence completed. */
  result(index: number): bigint {
    try {
      return this.#host.handle.result(this.index, this.fence, index);
    } catch (error) {
      throw fromNative(error);
    }
  }

  // GPU backends -----------------------------------------------------------

  /** The slot's host-visible staging memory (fill before commit, read after completion). */
  get staging(): Uint8Array {
    return this.#host.gpuStagings()[this.index] as Uint8Array;
  }

  copyToDevice({ stagingOffset = 0, deviceOffset = 0, bytes }: CopyOptions): this {
    const handle = this.#handle('copyToDevice');
    try {
      handle.copyToDevice(this.index, this.fence, stagingOffset, deviceOffset, bytes);
    } catch (error) {
      throw fromNative(error);
    }
    return this;
  }

  launch(kernel: Kernel, { grid, block, args = [], sharedBytes = 0 }: LaunchOptions): this {
    const handle = this.#handle('launch');
    try {
      handle.launch(this.index, this.fence, kernel.id, dim3(grid), dim3(block), args, sharedBytes);
    } catch (error) {
      throw fromNative(error);
    }
    return this;
  }

  copyToHost({ deviceOffset = 0, stagingOffset = 0, bytes }: CopyOptions): this {
    const handle = this.#handle('copyToHost');
    try {
      handle.copyToHost(this.index, this.fence, deviceOffset, stagingOffset, bytes);
    } catch (error) {
      throw fromNative(error);
    }
    return this;
  }
}
