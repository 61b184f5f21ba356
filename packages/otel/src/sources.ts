/**
 * What each kind of source must offer, by shape: the package imports none of the ringkit
 * packages, so a user installs only those they run. Each shape is the matching package's own
 * stats type, cut to the fields read here (test/sources.test.ts checks the real types fit).
 */

/** spsc-ring's RingStats: an end's `stats()`, or `{ stats: () => readRingStats(buffer) }`. */
export interface RingStatsLike {
  readonly capacity: number;
  readonly used: number;
  readonly pushed: number;
  readonly popped: number;
  readonly dropped: number;
  readonly closed: boolean;
  readonly fillMark: number;
}

export interface RingSource {
  stats(): RingStatsLike;
  /**
   * spsc-ring's `takeFillMark(buffer)`, when this collector is the ring's one monitor: the peak
   * is then the fullest since the previous collection (without it, since whoever took it last).
   */
  takeFillMark?(): number;
}

/** buffer-pool's LaneStats, the fields exported. */
export interface LaneStatsLike {
  readonly lane: number;
  readonly free: number;
  readonly filling: number;
  readonly ready: number;
  readonly inCollector: number;
  readonly done: number;
  readonly recycled: number;
  readonly records: number;
  readonly bytes: number;
  readonly droppedRecords: number;
  readonly droppedBytes: number;
  readonly blockedWaits: number;
  readonly handoffs: number;
  readonly collectedRecords: number;
  readonly collectorErrors: number;
  readonly lost: number;
  readonly died: readonly string[];
}

/** buffer-pool's BufferPool (its `stats()` and `conservationCheck()`). */
export interface PoolSource {
  stats(): { readonly lanes: readonly LaneStatsLike[] };
  conservationCheck(): {
    readonly consistent: boolean;
    readonly ok: boolean;
    readonly allocated: number;
    readonly lost: number;
  };
}

/** bpf-ringbuf's ReaderStats, the fields exported. */
export interface BpfReaderStatsLike {
  readonly records: number;
  readonly events: number;
  readonly bytes: number;
  readonly droppedRecords: number;
  readonly droppedEvents: number;
  readonly discarded: number;
  readonly oversized: number;
  readonly fullStalls: number;
  readonly consumedEvents: number;
  readonly jsRing: RingStatsLike;
}

/**
 * A BPF reader and, for the kernel side's drops, its object: bpf-ringbuf's
 * `{ reader, object }` from `object.read()`. Not the object's `stats()`, whose rates are
 * measured between two calls and would be disturbed by a second reader.
 */
/** One kernel ring of a reader (bpf-ringbuf's ReaderRingStats, where the reader has ringStats()). */
export interface BpfRingStatsLike {
  /** The ring's map, and its CPU for one of an object's per-CPU rings (else null). */
  readonly map: string;
  readonly cpu: number | null;
  /** Taken out of the kernel ring. */
  readonly events: number;
  readonly droppedEvents: number;
  readonly kernelDropped: number;
}

export interface BpfReaderSource {
  readonly reader: { stats(): BpfReaderStatsLike; ringStats?(): readonly BpfRingStatsLike[] };
  readonly object?: { kernelDropped(): number };
}

/** metal-cmdring's RingStatistics. */
export interface CommandRingStatisticsLike {
  readonly totalAcquisitions: number;
  readonly totalReleases: number;
  readonly waitEvents: number;
  readonly reuseRate: number;
  readonly totalWaitMs: number;
  readonly acquireTimeouts: number;
  readonly submittedFences: number;
  readonly completedFences: number;
  readonly tracked: boolean;
}

/** A CommandRing, or `{ stats: () => readStatistics(buffer) }` in a worker. */
export interface CommandRingSource {
  stats(): CommandRingStatisticsLike;
}

/** buffer-pool's TrackingSnapshot, the fields exported. */
export interface TrackingSnapshotLike {
  readonly devices: Readonly<
    Record<
      string,
      {
        readonly liveBytes: number;
        readonly peakLiveBytes: number;
        readonly liveAllocations: number;
        readonly allocs: number;
        readonly frees: number;
      }
    >
  >;
  readonly events: number;
  readonly connections: {
    readonly open: number;
    readonly accepted: number;
    readonly rejected: number;
    readonly refused: number;
    readonly idleTimeouts: number;
  };
  readonly clientsDropped: number;
  readonly heldBytes: number;
}

/** buffer-pool's TrackingServer. */
export interface TrackingServerSource {
  snapshot(): TrackingSnapshotLike;
}
