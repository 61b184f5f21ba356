// The floor under every batched ring on this machine: the least a ring can do to move
// batches of records between two threads. Two indices on their own cache lines, a batch
// written in place, one plain Atomics.store to publish it; the consumer polls flat out
// and publishes once per run it finds (between sends it sleeps, so that it takes no CPU
// from the contenders measured beside it). No waits, no close, no checks, no statistics:
// not a product and not a bar to beat, but what the hardware allows — a target that the
// floor itself misses cannot be met by any ring here. transport.bench.ts measures our
// batched claims beside it.

const WRITE = 0; // producer's index
const READ = 32; // consumer's index, 128 bytes on
const TURN = 48; // 1 while the producer is sending: the consumer sleeps otherwise
const HEADER_BYTES = 256;

export function floorRingBytes(capacity, recordSize) {
  return HEADER_BYTES + capacity * recordSize;
}

export class FloorRing {
  constructor(buffer, capacity, recordSize) {
    this.indices = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    this.data = new Uint8Array(buffer, HEADER_BYTES, capacity * recordSize);
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.recordSize = recordSize;
    this.write = 0;
    this.readCache = 0;
    this.offset = 0;
  }

  /**
   * Waits (spinning) for room for up to `wanted` records that do not wrap; returns how many
   * were claimed, at byte `this.offset` of `data`.
   */
  claim(wanted) {
    const index = this.write & this.mask;
    const count = Math.min(wanted, this.capacity - index);
    while (((this.write - this.readCache) | 0) > this.capacity - count)
      this.readCache = Atomics.load(this.indices, READ);
    this.offset = index * this.recordSize;
    return count;
  }

  /** A send starts: the consumer polls until `endSend()`. */
  beginSend() {
    Atomics.store(this.indices, TURN, 1);
    Atomics.notify(this.indices, TURN);
  }

  endSend() {
    Atomics.store(this.indices, TURN, 0);
  }

  publish(count) {
    this.write = (this.write + count) | 0; // Int32 indices wrap; differences stay exact
    Atomics.store(this.indices, WRITE, this.write);
  }

  empty() {
    return Atomics.load(this.indices, READ) === this.write;
  }

  /** The consumer's loop, for ever: `handler(data, offset, count)` per run found. */
  static consume(buffer, capacity, recordSize, handler) {
    const indices = new Int32Array(buffer, 0, HEADER_BYTES >> 2);
    const data = new Uint8Array(buffer, HEADER_BYTES, capacity * recordSize);
    const mask = capacity - 1;
    for (let read = 0; ; ) {
      const write = Atomics.load(indices, WRITE);
      if (write === read) {
        if (Atomics.load(indices, TURN) === 0) Atomics.wait(indices, TURN, 0, 50);
        continue;
      }
      const index = read & mask;
      const count = Math.min((write - read) | 0, capacity - index);
      handler(data, index * recordSize, count);
      read = (read + count) | 0;
      Atomics.store(indices, READ, read);
    }
  }
}
