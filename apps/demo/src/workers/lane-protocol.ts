import type { PoolSpec } from '@ringkit/buffer-pool';
import type { TrackerStats } from '@ringkit/buffer-pool/tracking';

/** The device id under which the pool's shared blocks are registered with the tracker. */
export const HOST_DEVICE = 100;

/** What a lane worker is given: its lane's roles over the pool, where to report. */
export interface LaneWorkerData {
  readonly spec: PoolSpec;
  readonly lane: number;
  /** The lane-0 worker also runs replenish, the pool's only allocator. */
  readonly replenish: boolean;
  /** The TrackingServer's socket: the worker's own AllocationTracker sends there. */
  readonly trackingSocket: string;
  /** LaneWord.BYTES of Float64 counters this worker writes and the pipeline reads. */
  readonly counters: SharedArrayBuffer;
  /** A fixed spsc-ring of CollectSpan records for the trace, or null when not tracing. */
  readonly traceRing: SharedArrayBuffer | null;
}

/**
 * Float64 counters a lane worker publishes for the dashboard: each has one
 * writer (the worker), and a figure read a moment stale is fine, so plain
 * stores suffice; the final figures travel in the worker's report message.
 */
export const LaneWord = {
  RECORDS: 0,
  BYTES: 1,
  BUFFERS: 2,
  COUNT: 3,
} as const;

/** One collect call, for the trace: [f64 start epoch ms][f64 duration ms][u32 records][u32 bytes]. */
export const COLLECT_SPAN_BYTES = 24;

/** The worker's last message, once its roles have exited. */
export interface LaneReport {
  readonly lane: number;
  readonly records: number;
  readonly bytes: number;
  readonly buffers: number;
  readonly tracker: TrackerStats;
}
