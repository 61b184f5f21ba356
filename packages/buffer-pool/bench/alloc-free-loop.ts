/**
 * The workload of the tracking benches: an alloc/free loop over tensor-like
 * buffers that reports every alloc and free to an AllocationTracker.
 */
import type { AllocationTracker } from '../src/tracking/index.js';

const KiB = 1024;
/** Tensor-like buffers: mostly small activations and scratch, some large ones (mean ≈ 45 KiB). */
const SIZE_MIX = [
  ...Array<number>(4).fill(4 * KiB),
  ...Array<number>(3).fill(16 * KiB),
  ...Array<number>(2).fill(64 * KiB),
  256 * KiB,
];
const DEVICES = 8;
/** Buffers each device keeps alive: every step allocates one and frees the oldest. */
const LIVE_PER_DEVICE = 8;

/** A fixed pseudo-random order of sizes, the same for both sides. */
const sizeOrder = Uint32Array.from({ length: 4096 }, (_, index) => {
  const hash = Math.imul(index + 1, 0x9e3779b1) >>> 0;
  return SIZE_MIX[hash % SIZE_MIX.length]!;
});

interface LiveBuffer {
  data: Float32Array;
  id: number;
}

/** One side's app state: its live buffers (the tracker saw each one's alloc) and its id counter. */
export interface App {
  readonly tracker: AllocationTracker;
  readonly live: (LiveBuffer | undefined)[];
  nextId: number;
  checksum: number;
}

export function createApp(tracker: AllocationTracker): App {
  return { tracker, live: new Array(DEVICES * LIVE_PER_DEVICE), nextId: 1, checksum: 0 };
}

/**
 * One step: allocate a buffer on the next device, report it, fill it from the
 * buffer it replaces (a scale-and-shift, like a small elementwise kernel), then
 * report the old buffer's free. Both sides run this one function, so both run the
 * same optimised code (see spsc-ring's overhead.bench.ts): only the tracker differs.
 */
export function allocFreeSteps(steps: number, app: App): number {
  const { tracker, live } = app;
  for (let step = 0; step < steps; step++) {
    const id = app.nextId++;
    const slot = id % (DEVICES * LIVE_PER_DEVICE);
    const device = slot % DEVICES;
    const bytes = sizeOrder[id & 4095]!;
    const data = new Float32Array(bytes >> 2);
    tracker.alloc(device, bytes, id);
    const previous = live[slot];
    if (previous !== undefined) {
      const source = previous.data;
      const length = Math.min(source.length, data.length);
      for (let index = 0; index < length; index++) data[index] = source[index]! * 0.5 + 1;
      tracker.free(device, previous.id);
    } else {
      for (let index = 0; index < data.length; index++) data[index] = index;
    }
    app.checksum = (app.checksum + data[data.length >> 1]!) % 1e9;
    live[slot] = { data, id };
  }
  return app.checksum;
}
