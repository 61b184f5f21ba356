// The bar a ring must clear: the ring a user writes in thirty lines. Two Int32
// indices (on their own cache lines), Atomics.load/Atomics.store on every push
// and every pop, records copied with TypedArray.set and read in place, spin then
// Atomics.wait with a sleeping flag each side so that nobody pays for a notify
// unless the other side sleeps. Deliberately not a product: no close, no
// liveness, no batches. transport.bench.ts measures our rings beside it.

const WRITE = 0; // producer's index
const READ = 32; // consumer's index, 128 bytes on
const CONSUMER_SLEEPS = 64;
const PRODUCER_SLEEPS = 96;
const HEADER_BYTES = 512;
const SPIN = 1000;

export function minimalRingBytes(capacity, recordSize) {
  return HEADER_BYTES + capacity * recordSize;
}

export class MinimalRing {
  constructor(buffer, capacity, recordSize) {
    this.indices = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    this.data = new Uint8Array(buffer, HEADER_BYTES, capacity * recordSize);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.recordSize = recordSize;
  }

  push(record) {
    const indices = this.indices;
    const write = Atomics.load(indices, WRITE);
    for (let spins = 0; ((write - Atomics.load(indices, READ)) | 0) === this.capacity; spins++) {
      if (spins < SPIN) continue;
      Atomics.store(indices, PRODUCER_SLEEPS, 1);
      const read = Atomics.load(indices, READ);
      if (((write - read) | 0) === this.capacity) Atomics.wait(indices, READ, read, 100);
      Atomics.store(indices, PRODUCER_SLEEPS, 0);
    }
    this.data.set(record, (write & this.mask) * this.recordSize);
    Atomics.store(indices, WRITE, (write + 1) | 0);
    // The waker clears the flag: one notify per sleep, not one per push until the sleeper runs.
    if (
      Atomics.load(indices, CONSUMER_SLEEPS) !== 0 &&
      Atomics.exchange(indices, CONSUMER_SLEEPS, 0) !== 0
    )
      Atomics.notify(indices, WRITE);
  }

  /** Waits for the next record, hands `handler(data, offset)` its place, then consumes it. */
  pop(handler) {
    const indices = this.indices;
    const read = Atomics.load(indices, READ);
    for (let spins = 0; Atomics.load(indices, WRITE) === read; spins++) {
      if (spins < SPIN) continue;
      Atomics.store(indices, CONSUMER_SLEEPS, 1);
      if (Atomics.load(indices, WRITE) === read) Atomics.wait(indices, WRITE, read, 100);
      Atomics.store(indices, CONSUMER_SLEEPS, 0);
    }
    const result = handler(this.data, (read & this.mask) * this.recordSize);
    Atomics.store(indices, READ, (read + 1) | 0);
    if (
      Atomics.load(indices, PRODUCER_SLEEPS) !== 0 &&
      Atomics.exchange(indices, PRODUCER_SLEEPS, 0) !== 0
    )
      Atomics.notify(indices, READ);
    return result;
  }

  /** True once nothing is left to pop (for a drain that must know when a batch is through). */
  empty() {
    return Atomics.load(this.indices, WRITE) === Atomics.load(this.indices, READ);
  }
}
