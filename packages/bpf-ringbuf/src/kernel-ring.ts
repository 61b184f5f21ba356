// One kernel BPF ring buffer as JavaScript walks it itself (the direct reader): the twin of
// native/src/kernel_ring.hpp, over the same two mappings (LAYOUT.md, "The kernel ring, as
// the reader maps it") handed over as ArrayBuffers by the addon's mapRing().

/** The two mappings of a kernel ring, as RawRingMapping has them (or a test lays them out). */
export interface RingMappings {
  /** The consumer page: the consumer position (u64) at offset 0. */
  readonly consumer: ArrayBuffer;
  /** The producer page (the producer position, u64, at 0), then the data twice from `pageBytes`. */
  readonly producer: ArrayBuffer;
  readonly pageBytes: number;
}

/**
 * The consumer's side of one kernel ring: what is waiting, and publishing what was read.
 * Positions are the kernel's free-running 64-bit byte counts, kept as bigints so they stay
 * exact past 2^53; only offsets within the ring are numbers.
 */
export class KernelRing {
  /** The data, mapped twice back to back: a record that wraps is contiguous here. */
  readonly data: DataView;
  private readonly producerPosition: BigUint64Array;
  private readonly consumerPosition: BigUint64Array;
  private readonly mask: bigint;
  private position: bigint;
  /** Where the run `waiting()` found begins in `data`. */
  start = 0;

  constructor(
    mappings: RingMappings,
    /** The ring's bytes: a power of two, as the kernel requires. */
    readonly bytes: number,
  ) {
    this.data = new DataView(mappings.producer, mappings.pageBytes, 2 * bytes);
    this.producerPosition = new BigUint64Array(mappings.producer, 0, 1);
    this.consumerPosition = new BigUint64Array(mappings.consumer, 0, 1);
    this.mask = BigInt(bytes - 1);
    // Seq-cst (so acquire): a previous consumer's last release is seen.
    this.position = Atomics.load(this.consumerPosition, 0);
  }

  /**
   * Bytes between the consumer and the producer position, from `start`: records committed,
   * being written (BUSY) or discarded. The producer position is read with Atomics.load, a
   * seq-cst 64-bit load (so an acquire: V8 emits a plain load on x64, ldar on arm64, never a
   * write into the read-only page), pairing with the kernel's release store at reserve time:
   * every header below it is then visible, BUSY until its record is committed.
   */
  waiting(): number {
    const producer = Atomics.load(this.producerPosition, 0);
    this.start = Number(this.position & this.mask);
    // Never more than the ring's bytes (the kernel reserves no further), so exact as a number.
    return Number(producer - this.position);
  }

  /**
   * Hands `bytes` back to the kernel: it may overwrite them once it sees the new consumer
   * position, so every read of them must be done. Atomics.store is a seq-cst store (so a
   * release): the reads before it are ordered before it.
   */
  release(bytes: number): void {
    if (bytes === 0) return;
    this.position += BigInt(bytes);
    Atomics.store(this.consumerPosition, 0, this.position);
  }
}
