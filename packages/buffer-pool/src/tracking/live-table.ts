/**
 * Live allocation id → bytes for one device: what the server looks up for every free. A Map
 * keyed by doubles cost ~60 ns an operation (a boxed number per key, hashing through the
 * runtime) and was most of the server's ~117 ns per event at an allocator's rates; this is
 * open addressing over typed arrays — linear probing, deletion by shifting back the entries
 * that probed past the hole, so no tombstones — at ~15 ns, with no garbage.
 */
export class LiveTable {
  private keys = new Float64Array(INITIAL_SLOTS);
  private values = new Float64Array(INITIAL_SLOTS);
  /** 1 where a slot holds an entry: ids may be any number, so none can mark a hole. */
  private taken = new Uint8Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The bytes under `id`, or undefined when it is not live. */
  get(id: number): number | undefined {
    const slot = this.find(canonical(id));
    return slot < 0 ? undefined : this.values[slot]!;
  }

  /** Sets `id`'s bytes; returns the bytes it replaced, or undefined when it was not live. */
  set(id: number, bytes: number): number | undefined {
    id = canonical(id);
    let slot = this.hash(id);
    for (;;) {
      if (this.taken[slot] === 0) break;
      if (sameKey(this.keys[slot]!, id)) {
        const previous = this.values[slot]!;
        this.values[slot] = bytes;
        return previous;
      }
      slot = (slot + 1) & this.mask;
    }
    this.keys[slot] = id;
    this.values[slot] = bytes;
    this.taken[slot] = 1;
    if (++this.count * 2 > this.mask + 1) this.grow();
    return undefined;
  }

  /** Removes `id`; returns its bytes, or undefined when it was not live. */
  delete(id: number): number | undefined {
    let hole = this.find(canonical(id));
    if (hole < 0) return undefined;
    const bytes = this.values[hole]!;
    const mask = this.mask;
    // Shift back every entry after the hole whose home lies at or before it, so no probe that
    // passes the hole is cut short.
    for (let slot = (hole + 1) & mask; this.taken[slot] === 1; slot = (slot + 1) & mask) {
      const home = this.hash(this.keys[slot]!);
      if (((slot - home) & mask) >= ((slot - hole) & mask)) {
        this.keys[hole] = this.keys[slot]!;
        this.values[hole] = this.values[slot]!;
        hole = slot;
      }
    }
    this.taken[hole] = 0;
    this.count--;
    return bytes;
  }

  private find(id: number): number {
    for (let slot = this.hash(id); this.taken[slot] === 1; slot = (slot + 1) & this.mask)
      if (sameKey(this.keys[slot]!, id)) return slot;
    return -1;
  }

  /** Mixes the id's two 32-bit halves (ids are often multiples of a page or of 2³²). */
  private hash(id: number): number {
    SPLIT_F64[0] = id;
    const mixed = Math.imul(SPLIT_U32[0]! ^ Math.imul(SPLIT_U32[1]!, 0x9e3779b1), 0x85ebca6b);
    return (mixed ^ (mixed >>> 15)) & this.mask;
  }

  private grow(): void {
    const { keys, values, taken } = this;
    const slots = 2 * keys.length;
    this.keys = new Float64Array(slots);
    this.values = new Float64Array(slots);
    this.taken = new Uint8Array(slots);
    this.mask = slots - 1;
    this.count = 0;
    for (let slot = 0; slot < keys.length; slot++)
      if (taken[slot] === 1) this.set(keys[slot]!, values[slot]!);
  }
}

const INITIAL_SLOTS = 64;

/** One bit pattern per key as the Map had one key per SameValueZero class: -0 is 0, every NaN is NaN. */
function canonical(id: number): number {
  return id === 0 ? 0 : Number.isNaN(id) ? Number.NaN : id;
}

function sameKey(stored: number, id: number): boolean {
  return stored === id || (Number.isNaN(stored) && Number.isNaN(id));
}
const SPLIT_F64 = new Float64Array(1);
const SPLIT_U32 = new Uint32Array(SPLIT_F64.buffer);
