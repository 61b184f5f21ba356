/**
 * The tight end of tracking's workloads: a slab allocator's loop, each step taking a slot
 * from a free list, initialising it, reporting the alloc, and giving back the slot that has
 * lived longest, reporting its free — about 2.25 M alloc/free pairs per second untracked on
 * the 2-vCPU VM, so each tracked event's cost shows at ~20× the weight it has in
 * alloc-free-loop.ts.
 */
import type { AllocationTracker } from '../src/tracking/index.js';

const SLOTS = 2048;
/** Live slots: each step frees the one allocated this many steps ago. */
const LIVE = 1024;
/** Words a step initialises: the work that sets the loop's rate. */
const SLOT_WORDS = 384;
const SLOT_BYTES = SLOT_WORDS * 8;
const DEVICES = 8;

export interface SlabApp {
  readonly tracker: AllocationTracker;
  readonly freeSlots: Int32Array;
  freeCount: number;
  readonly live: Int32Array;
  liveAt: number;
  readonly memory: Float64Array;
  checksum: number;
}

export function createSlabApp(tracker: AllocationTracker): SlabApp {
  return {
    tracker,
    freeSlots: Int32Array.from({ length: SLOTS }, (_, slot) => SLOTS - 1 - slot),
    freeCount: SLOTS,
    live: new Int32Array(LIVE).fill(-1),
    liveAt: 0,
    memory: new Float64Array(SLOTS * SLOT_WORDS),
    checksum: 0,
  };
}

/** `steps` alloc/free pairs; both sides run this one function, so only the tracker differs. */
export function allocatorSteps(steps: number, app: SlabApp): number {
  const { tracker, freeSlots, live, memory } = app;
  let checksum = app.checksum;
  for (let step = 0; step < steps; step++) {
    const slot = freeSlots[--app.freeCount]!;
    const base = slot * SLOT_WORDS;
    for (let word = 0; word < SLOT_WORDS; word++) memory[base + word] = step + word;
    tracker.alloc(slot % DEVICES, SLOT_BYTES, slot);
    const oldest = live[app.liveAt]!;
    live[app.liveAt] = slot;
    app.liveAt = (app.liveAt + 1) % LIVE;
    if (oldest >= 0) {
      checksum = (checksum + memory[oldest * SLOT_WORDS + (step & 31)]!) % 1e9;
      tracker.free(oldest % DEVICES, oldest);
      freeSlots[app.freeCount++] = oldest;
    }
  }
  app.checksum = checksum;
  return checksum;
}
