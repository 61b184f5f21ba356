import type { ObservedSource, RingkitMetrics } from '@ringkit/otel';
import type { ConservationReport, LiveBooks, MetricAttributes, RingFill } from '../pipeline.js';

/** Where the syscalls pipeline's events come from: the kernel through BPF, or the synthetic stand-in. */
export interface SyscallSource {
  /** Shown as the source's name on the dashboard. */
  readonly name: string;
  /** Called once per sample (it may take the ring's fill mark). */
  readonly rings: () => RingFill[];
  /**
   * Registers the source's ring on `metrics` as `name`. It must not take the ring's fill mark:
   * rings() takes it once per sample, as the ring's one monitor.
   */
  readonly observeMetrics: (
    metrics: RingkitMetrics,
    name: string,
    attributes: MetricAttributes,
  ) => ObservedSource;
  /** Events the source counted as dropped so far. */
  readonly dropped: () => number;
  /** The books so far, read in LiveBooks' order, for the live conservation line. */
  readonly books: () => LiveBooks;
  /** Stops producing, delivers what is in flight, releases everything; accounts for every event. */
  readonly stop: () => Promise<ConservationReport>;
}
