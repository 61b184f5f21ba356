import { RingError } from './errors.js';
import { Consumer, Counter, Producer } from './layout.js';

/**
 * 64-bit counters in three u32 words (see LAYOUT.md), so either side reads them
 * as a plain number — exact up to 2⁵³ — with no BigInt and no lock.
 */

const TWO_TO_32 = 2 ** 32;

/**
 * Reads of a counter whose high words differ before the reader decides what they mean. A live
 * writer is between its two high-word stores for a store or a futex wake, unless it is
 * preempted; one killed there, or a stray write, leaves them apart for good, and a reader that
 * retried until they agreed hung (issue 18). Deciding is right for the preempted writer too
 * (readingOf), so the bound trades nothing but a few microseconds of spinning.
 */
const READ_ATTEMPTS = 256;

/** A reader never writes; the owner (the end that writes the counter, at attach) stores a repaired counter whole again. */
export type CounterRole = 'reader' | 'owner';

const COUNTER_NAMES: Readonly<Record<number, string>> = {
  [Producer.PUSHED]: 'pushed',
  [Producer.DROPPED]: 'dropped',
  [Consumer.POPPED]: 'popped',
};

/** Single writer: one plain store per update; three ordered stores when the high word changes. */
export function storeCounter(header: Int32Array, byteOffset: number, value: number): void {
  const low = byteOffset >> 2;
  const lowWord = value % TWO_TO_32;
  const highWord = Math.floor(value / TWO_TO_32);
  if (highWord !== header[low + (Counter.HIGH_AFTER >> 2)]! >>> 0) {
    storeWhole(header, byteOffset, low, value);
    return;
  }
  // A stats field, not a synchronisation point: tear-free, ordering not needed.
  header[low] = lowWord | 0;
}

/**
 * High-before, the low word (a fixed ring's position), high-after, each sequentially
 * consistent: the order every reader relies on. For a writer whose high word changes, and for
 * an owner making a counter whole again.
 */
function storeWhole(header: Int32Array, byteOffset: number, lowIndex: number, value: number): void {
  const words = byteOffset >> 2;
  const high = Math.floor(value / TWO_TO_32);
  Atomics.store(header, words + (Counter.HIGH_BEFORE >> 2), high);
  Atomics.store(header, lowIndex, (value % TWO_TO_32) | 0);
  Atomics.store(header, words + (Counter.HIGH_AFTER >> 2), high);
}

/** A counter's words as last read: high-after, then the low word, then high-before. */
interface CounterWords {
  readonly highAfter: number;
  readonly low: number;
  readonly highBefore: number;
}

function readWords(header: Int32Array, byteOffset: number, lowIndex: number): CounterWords {
  const words = byteOffset >> 2;
  let highAfter = 0;
  let low = 0;
  let highBefore = 0;
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    highAfter = Atomics.load(header, words + (Counter.HIGH_AFTER >> 2)) >>> 0;
    low = Atomics.load(header, lowIndex) >>> 0;
    highBefore = Atomics.load(header, words + (Counter.HIGH_BEFORE >> 2)) >>> 0;
    if (highAfter === highBefore) break;
  }
  return { highAfter, low, highBefore };
}

/** High-before is high-after + 1: what a writer stopped between its high-word stores leaves. */
function midWrap({ highAfter, highBefore }: CounterWords): boolean {
  return highBefore === highAfter + 1;
}

/**
 * The counter the words make, or undefined when they are corrupted. Mid-wrap the writer had
 * stored high-before and perhaps the low word: it moves the low word by at most 2³¹ per store
 * (a batch, at most the capacity), so a low word below 2³¹ has wrapped (high-before's reading)
 * and one from 2³¹ up has not (high-after's). That holds for a writer killed there and for a
 * live one preempted there. Any other difference is no state a writer leaves.
 */
function readingOf(words: CounterWords): number | undefined {
  const { highAfter, low, highBefore } = words;
  if (highAfter === highBefore) return highAfter * TWO_TO_32 + low;
  if (!midWrap(words)) return undefined;
  return (low < 2 ** 31 ? highBefore : highAfter) * TWO_TO_32 + low;
}

/** The error for a counter whose high words no writer leaves so (the C++ twin's too: native-threads.ts). */
export function corruptedCounter(name: string, highBefore: number, highAfter: number): RingError {
  return new RingError(
    'CORRUPTED',
    `counter ${name} is corrupted: its high words are ${highBefore} (before) and ${highAfter} (after), apart in a way no writer leaves them; the ring header was overwritten, so create a new ring.`,
  );
}

/** Throws CORRUPTED, or hands the owner's repaired counter back to the header whole. */
function settle(
  header: Int32Array,
  byteOffset: number,
  lowIndex: number,
  words: CounterWords,
  value: number | undefined,
  role: CounterRole,
): number {
  if (value === undefined)
    throw corruptedCounter(COUNTER_NAMES[byteOffset]!, words.highBefore, words.highAfter);
  // The owner is the counter's only writer now: whole again, readers need not repair it each time.
  if (role === 'owner' && words.highAfter !== words.highBefore)
    storeWhole(header, byteOffset, lowIndex, value);
  return value;
}

/** A byte ring's pushed or popped, or dropped: repaired if a writer stopped mid-wrap, CORRUPTED if no writer left it so. */
export function loadCounter(
  header: Int32Array,
  byteOffset: number,
  role: CounterRole = 'reader',
): number {
  const lowIndex = byteOffset >> 2;
  const words = readWords(header, byteOffset, lowIndex);
  return settle(header, byteOffset, lowIndex, words, readingOf(words), role);
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
  capacity: number,
  role: CounterRole = 'reader',
): number {
  const words = readWords(header, byteOffset, positionIndex);
  const value = midWrap(words)
    ? (partnerReading(header, byteOffset, words, capacity) ?? readingOf(words))
    : readingOf(words);
  return settle(header, byteOffset, positionIndex, words, value, role);
}

/**
 * Mid-wrap, a fixed ring's other count picks the reading: pushed − popped is the fill, 0 …
 * capacity, and the two readings are 2³² apart, so a whole partner keeps one at most. It tells
 * a stray write to high-before (the ring's fill unchanged) from a wrap the low word alone would
 * claim. Undefined when the partner is mid-wrap too, or a live writer moved on between the
 * reads: then the low word decides, as for any counter.
 */
function partnerReading(
  header: Int32Array,
  byteOffset: number,
  words: CounterWords,
  capacity: number,
): number | undefined {
  const pushed = byteOffset === Producer.PUSHED;
  const partner = pushed
    ? readWords(header, Consumer.POPPED, Consumer.READ_POSITION >> 2)
    : readWords(header, Producer.PUSHED, Producer.WRITE_POSITION >> 2);
  if (partner.highAfter !== partner.highBefore) return undefined;
  const other = partner.highAfter * TWO_TO_32 + partner.low;
  for (const high of [words.highAfter, words.highBefore]) {
    const value = high * TWO_TO_32 + words.low;
    const fill = pushed ? value - other : other - value;
    if (fill >= 0 && fill <= capacity) return value;
  }
  return undefined;
}

/**
 * Publishes a fixed ring's position whose count just crossed a multiple of 2³²:
 * high-before, the position, high-after, each sequentially consistent — the
 * order loadPositionCounter relies on. Once per 2³² records.
 */
export function publishPositionAcrossWrap(
  header: Int32Array,
  byteOffset: number,
  positionIndex: number,
  count: number,
): void {
  storeWhole(header, byteOffset, positionIndex, count);
}
