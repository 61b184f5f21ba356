/** What the command-ring pipeline shares with its decode worker. */
export interface CommandRingWorkerData {
  /** CommandRingWord.COUNT Float64 counters the worker writes and the pipeline reads. */
  readonly counters: SharedArrayBuffer;
  /** CommandRingControl.COUNT Int32 words the pipeline writes and the worker reads. */
  readonly control: SharedArrayBuffer;
  /** The ring size to open first. */
  readonly ringSize: number;
  /** Encode time per command, spent spinning on the worker's thread (µs). */
  readonly encodeUs: number;
  /** Execute time per command on the device: busyFor on cpu, the spin kernel on cuda (µs). */
  readonly executeUs: number;
  /** Commands per burst, and the pause between bursts (ms). */
  readonly burstCommands: number;
  readonly pauseMs: number;
  /** Utilisation is published over windows of at least this many ms of wall time. */
  readonly windowMs: number;
  /** A fixed spsc-ring of BurstSpan records for the trace, or null when not tracing. */
  readonly traceRing: SharedArrayBuffer | null;
  /** A fixed spsc-ring of CommandTiming records: every command the device ran, for the panel and the trace. */
  readonly timingRing: SharedArrayBuffer;
}

/**
 * Float64 counters the worker publishes (one writer; a figure read a moment
 * stale is fine, so plain stores suffice; the final figures travel in the
 * worker's report message). They carry over when the ring is reopened.
 */
export const CommandRingWord = {
  /** Commands handed to the device (submit() calls), over every ring the worker opened. */
  SUBMITTED: 0,
  /** Fences the devices completed, over every ring. */
  COMPLETED: 1,
  /** Executor busy time / wall time of the bursts in the last window, 0–100. */
  UTILISATION_PERCENT: 2,
  /** Bursts run so far. */
  BURSTS: 3,
  /** Fences still in flight when a close gave up, over every ring (0 unless a device hung). */
  ABANDONED: 4,
  /** Completion records the worker read, over every ring: commands with timings. */
  TIMED: 5,
  /**
   * Timings lost on the way, over every ring: completion records the ring dropped (its reader a
   * whole completion ring behind) and CommandTiming records the full timing ring refused.
   */
  TIMINGS_DROPPED: 6,
  COUNT: 7,
} as const;

/** Int32 control words: the pipeline stores and notifies STOP; the worker polls both between bursts. */
export const CommandRingControl = {
  STOP: 0,
  /** The ring size the worker should run with; it reopens its ring when this changes. */
  REQUESTED_RING_SIZE: 1,
  /**
   * The most commands in flight (submitted, not completed) the worker saw right after a submit
   * since the pipeline last took it: the worker raises it (compare-and-swap), the pipeline
   * takes it once per sample with Atomics.exchange(…, 0).
   */
  PEAK_IN_FLIGHT: 2,
  COUNT: 3,
} as const;

/**
 * One burst, for the trace: [f64 start epoch ms][f64 duration ms]
 * [f64 utilisation %][u32 commands][u32 ring size].
 */
export const BURST_SPAN_BYTES = 32;

/**
 * One command as the device ran it, from the ring's completion record (times on the host's
 * steady clock, process.hrtime's), 56 bytes:
 *
 *   0           8         16          24        32       36         40       44          48      52
 *   | start ns  | end ns  | gap ns    | fence   | slot   | op count | status | ring size | burst | pad |
 *     f64         f64       f64         f64       u32      u32        u32      u32         u32
 *
 * gap: start − the end of the previous command of the same burst; NaN for a burst's first (it
 * follows the pause, not the encoder). status: CommandTimingStatus. burst: the worker's burst count.
 */
export const CommandTiming = {
  START_NS: 0,
  END_NS: 8,
  GAP_NS: 16,
  FENCE: 24,
  SLOT: 32,
  OP_COUNT: 36,
  STATUS: 40,
  RING_SIZE: 44,
  BURST: 48,
  BYTES: 56,
} as const;

export const CommandTimingStatus = { COMPLETED: 0, FAILED: 1 } as const;

/** Posted each time the worker has opened a ring (the first one, and after each switch). */
export interface RingOpened {
  readonly ringSize: number;
  readonly backend: string;
  /** The GPU's name on a GPU backend; null on cpu. */
  readonly device: string | null;
  /** The ring's statistics block: readStatistics() reads it on this side with no message. */
  readonly statistics: SharedArrayBuffer;
}

/** The worker's last message, after it closed its last ring. */
export interface CommandRingReport {
  /** submit() calls, counted by the worker. */
  readonly submitted: number;
  /** submittedFences summed over the statistics of every ring it closed. */
  readonly ringSubmitted: number;
  /** completedFences summed likewise. */
  readonly completed: number;
  /** Fences still in flight when a close gave up (CloseReport.abandonedFences, summed). */
  readonly abandoned: number;
  /** Rings opened (1 + ring-size switches). */
  readonly rings: number;
  /** The first failure (a command that failed, a poisoned ring, a timeout), or null. */
  readonly error: string | null;
}

export type CommandRingMessage =
  | { readonly opened: RingOpened }
  | { readonly report: CommandRingReport }
  | { readonly error: string };
