// The statistics block's layout, mirrored from native/include/ringkit/cmdring/
// stats_layout.hpp (the drawing is there); test/statistics-layout.test.ts proves
// the two agree. The ring writes the block with atomic stores into a
// SharedArrayBuffer, so any thread reads the figures with typed arrays and no
// native call.

export const STATISTICS_MAGIC = 0x52444d43; // "CMDR"
export const STATISTICS_VERSION = 1;
export const STATISTICS_BYTE_LENGTH = 128;

export const STATISTICS_TRACKED_FLAG = 1;

/** Byte offsets. The first four fields are u32 words; the rest are f64 counters. */
export const statisticsFields = {
  magic: 0,
  version: 4,
  ringSize: 8,
  flags: 12,
  totalAcquisitions: 16,
  totalReleases: 24,
  waitEvents: 32,
  totalWaitMs: 40,
  acquireTimeouts: 48,
  currentIndex: 56,
  submittedFences: 64,
  completedFences: 72,
} as const;

export const statisticsFieldTypes: Record<keyof typeof statisticsFields, 'u32' | 'f64'> = {
  magic: 'u32',
  version: 'u32',
  ringSize: 'u32',
  flags: 'u32',
  totalAcquisitions: 'f64',
  totalReleases: 'f64',
  waitEvents: 'f64',
  totalWaitMs: 'f64',
  acquireTimeouts: 'f64',
  currentIndex: 'f64',
  submittedFences: 'f64',
  completedFences: 'f64',
};

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
    if (byteOffset % 8 !== 0 || buffer.byteLength - byteOffset < STATISTICS_BYTE_LENGTH)
      throw new RangeError(
        `a statistics block needs ${STATISTICS_BYTE_LENGTH} bytes at an 8-aligned offset; got ${buffer.byteLength - byteOffset} bytes at offset ${byteOffset}.`,
      );
    this.#words = new Uint32Array(buffer, byteOffset, 4);
    this.#counters = new Float64Array(buffer, byteOffset, STATISTICS_BYTE_LENGTH / 8);
    const magic = this.#word(statisticsFields.magic);
    if (magic !== 0 && magic !== STATISTICS_MAGIC)
      throw new RangeError(
        `this SharedArrayBuffer does not hold a command ring's statistics (magic 0x${magic.toString(16)}, expected 0x${STATISTICS_MAGIC.toString(16)}).`,
      );
  }

  /** The completed-fence counter alone: what a poller reads most often. */
  completedFences(): number {
    return this.#counter(statisticsFields.completedFences);
  }

  read(): RingStatistics {
    const totalAcquisitions = this.#counter(statisticsFields.totalAcquisitions);
    const waitEvents = this.#counter(statisticsFields.waitEvents);
    const totalWaitMs = this.#counter(statisticsFields.totalWaitMs);
    return {
      totalAcquisitions,
      totalReleases: this.#counter(statisticsFields.totalReleases),
      waitEvents,
      // The native side updates the counters one store at a time: clamp what a
      // reader between two stores could see.
      reuseRate:
        totalAcquisitions > 0 ? Math.min(1, Math.max(0, 1 - waitEvents / totalAcquisitions)) : 1,
      avgWaitMs: waitEvents > 0 ? totalWaitMs / waitEvents : 0,
      totalWaitMs,
      ringSize: this.#word(statisticsFields.ringSize),
      currentIndex: this.#counter(statisticsFields.currentIndex),
      acquireTimeouts: this.#counter(statisticsFields.acquireTimeouts),
      submittedFences: this.#counter(statisticsFields.submittedFences),
      completedFences: this.#counter(statisticsFields.completedFences),
      tracked: (this.#word(statisticsFields.flags) & STATISTICS_TRACKED_FLAG) !== 0,
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
