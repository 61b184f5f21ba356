// Reads the statistics block that a ring writes into a SharedArrayBuffer; its layout is
// src/layout.ts (drawn in LAYOUT.md).
import { ALIGNMENT, BYTE_LENGTH, Counter, Flags, MAGIC, Word } from './layout.js';

/** Bytes of one statistics block (the layout's BYTE_LENGTH). */
export const STATISTICS_BYTE_LENGTH = BYTE_LENGTH;

/** The seed's statistics by the seed's names (camelCased), and the fence counters. */
export interface RingStatistics {
  totalAcquisitions: number;
  totalReleases: number;
  waitEvents: number;
  /** 1 − waitEvents / totalAcquisitions; 1 before any acquisition. */
  reuseRate: number;
  /** totalWaitMs / waitEvents; 0 before any wait. */
  avgWaitMs: number;
  totalWaitMs: number;
  ringSize: number;
  /** The slot the next acquisition gets. */
  currentIndex: number;
  acquireTimeouts: number;
  /** Fences handed to the device, and fences it completed: kept even without trackStatistics. */
  submittedFences: number;
  completedFences: number;
  /** False when the ring was opened with trackStatistics: false (the counters then stay 0). */
  tracked: boolean;
}

/** Reads a statistics block, from the ring's own thread or any worker it was posted to. */
export class StatisticsView {
  readonly #words: Uint32Array;
  readonly #counters: Float64Array;

  constructor(buffer: SharedArrayBuffer, byteOffset = 0) {
    if (!(buffer instanceof SharedArrayBuffer))
      throw new TypeError(
        'a statistics block lives in a SharedArrayBuffer (ring.statisticsBuffer).',
      );
    if (byteOffset % ALIGNMENT !== 0 || buffer.byteLength - byteOffset < BYTE_LENGTH)
      throw new RangeError(
        `a statistics block needs ${BYTE_LENGTH} bytes at an ${ALIGNMENT}-aligned offset; got ${buffer.byteLength - byteOffset} bytes at offset ${byteOffset}.`,
      );
    this.#words = new Uint32Array(buffer, byteOffset, 4);
    this.#counters = new Float64Array(buffer, byteOffset, BYTE_LENGTH / 8);
    const magic = this.#word(Word.MAGIC);
    if (magic !== 0 && magic !== MAGIC)
      throw new RangeError(
        `this SharedArrayBuffer does not hold a command ring's statistics (magic 0x${magic.toString(16)}, expected 0x${MAGIC.toString(16)}).`,
      );
  }

  /** The completed-fence counter alone: what a poller reads most often. */
  completedFences(): number {
    return this.#counter(Counter.COMPLETED_FENCES);
  }

  read(): RingStatistics {
    const totalAcquisitions = this.#counter(Counter.TOTAL_ACQUISITIONS);
    const waitEvents = this.#counter(Counter.WAIT_EVENTS);
    const totalWaitMs = this.#counter(Counter.TOTAL_WAIT_MS);
    return {
      totalAcquisitions,
      totalReleases: this.#counter(Counter.TOTAL_RELEASES),
      waitEvents,
      // The native side updates the counters one store at a time: clamp what a
      // reader between two stores could see.
      reuseRate:
        totalAcquisitions > 0 ? Math.min(1, Math.max(0, 1 - waitEvents / totalAcquisitions)) : 1,
      avgWaitMs: waitEvents > 0 ? totalWaitMs / waitEvents : 0,
      totalWaitMs,
      ringSize: this.#word(Word.RING_SIZE),
      currentIndex: this.#counter(Counter.CURRENT_INDEX),
      acquireTimeouts: this.#counter(Counter.ACQUIRE_TIMEOUTS),
      submittedFences: this.#counter(Counter.SUBMITTED_FENCES),
      completedFences: this.#counter(Counter.COMPLETED_FENCES),
      tracked: (this.#word(Word.FLAGS) & Flags.TRACK_STATISTICS) !== 0,
    };
  }

  #counter(offset: number): number {
    return this.#counters[offset / 8] as number;
  }

  #word(offset: number): number {
    return this.#words[offset / 4] as number;
  }
}

/** The statistics in a block that a ring (perhaps in another thread) writes. */
export function readStatistics(buffer: SharedArrayBuffer, byteOffset = 0): RingStatistics {
  return new StatisticsView(buffer, byteOffset).read();
}
