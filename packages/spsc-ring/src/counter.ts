import { Counter } from './layout.js';

/**
 * 64-bit counters in three u32 words (see LAYOUT.md), so either side reads them
 * as a plain number — exact up to 2⁵³ — with no BigInt and no lock.
 */

const TWO_TO_32 = 2 ** 32;

/** Single writer: one plain store per update; three ordered stores when the high word changes. */
export function storeCounter(header: Int32Array, byteOffset: number, value: number): void {
  const low = byteOffset >> 2;
  const lowWord = value % TWO_TO_32;
  const highWord = Math.floor(value / TWO_TO_32);
  if (highWord !== header[low + (Counter.HIGH_AFTER >> 2)]! >>> 0) {
    Atomics.store(header, low + (Counter.HIGH_BEFORE >> 2), highWord);
    Atomics.store(header, low, lowWord | 0);
    Atomics.store(header, low + (Counter.HIGH_AFTER >> 2), highWord);
    return;
  }
  // A stats field, not a synchronisation point: tear-free, ordering not needed.
  header[low] = lowWord | 0;
}

/** The counter at `byteOffset`, its low word read from `lowIndex` (its own, or a fixed ring's position). */
function loadWithLowAt(header: Int32Array, byteOffset: number, lowIndex: number): number {
  const words = byteOffset >> 2;
  for (;;) {
    const highAfter = Atomics.load(header, words + (Counter.HIGH_AFTER >> 2)) >>> 0;
    const lowWord = Atomics.load(header, lowIndex) >>> 0;
    const highBefore = Atomics.load(header, words + (Counter.HIGH_BEFORE >> 2)) >>> 0;
    if (highAfter === highBefore) return highAfter * TWO_TO_32 + lowWord;
  }
}

export function loadCounter(header: Int32Array, byteOffset: number): number {
  return loadWithLowAt(header, byteOffset, byteOffset >> 2);
}

/**
 * The single writer's handle on one counter: remembers the high part it last
 * stored, so the hot path is a subtraction, a compare and one plain store.
 */
export class CounterWriter {
  private readonly lowIndex: number;
  private highBase: number;

  constructor(
    private readonly header: Int32Array,
    byteOffset: number,
  ) {
    this.lowIndex = byteOffset >> 2;
    this.highBase =
      (Atomics.load(header, this.lowIndex + (Counter.HIGH_AFTER >> 2)) >>> 0) * TWO_TO_32;
  }

  store(value: number): void {
    const lowWord = value >>> 0; // ToUint32: exact modulo 2³² for integers up to 2⁵³
    const highBase = value - lowWord;
    if (highBase !== this.highBase) {
      this.highBase = highBase;
      storeCounter(this.header, this.lowIndex << 2, value);
      return;
    }
    this.header[this.lowIndex] = lowWord | 0;
  }
}

/**
 * A fixed ring's pushed or popped (LAYOUT.md): the side's position word is its
 * low word, and the counter's high words change only when the position wraps.
 */
export function loadPositionCounter(
  header: Int32Array,
  byteOffset: number,
  positionIndex: number,
): number {
  return loadWithLowAt(header, byteOffset, positionIndex);
}

/**
 * Publishes a fixed ring's position whose count just crossed a multiple of 2³²:
 * high-before, the position, high-after, each sequentially consistent — the
 * order loadPositionCounter's retry relies on. Once per 2³² records.
 */
export function publishPositionAcrossWrap(
  header: Int32Array,
  byteOffset: number,
  positionIndex: number,
  count: number,
): void {
  const low = byteOffset >> 2;
  const high = Math.floor(count / TWO_TO_32);
  Atomics.store(header, low + (Counter.HIGH_BEFORE >> 2), high);
  Atomics.store(header, positionIndex, count >>> 0);
  Atomics.store(header, low + (Counter.HIGH_AFTER >> 2), high);
}
