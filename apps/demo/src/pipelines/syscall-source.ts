import type { ConservationReport, LiveBooks, RingFill } from '../pipeline.js';

/** Where the syscalls pipeline's events come from: the kernel through BPF, or the synthetic stand-in. */
export interface SyscallSource {
  /** Shown as the source's name on the dashboard. */
  readonly name: string;
  /** Called once per sample (it may take the ring's fill mark). */
  readonly rings: () => RingFill[];
  /** Events the source counted as dropped so far. */
  readonly dropped: () => number;
  /** The books so far, read in LiveBooks' order, for the live conservation line. */
  readonly books: () => LiveBooks;
  /** Stops producing, delivers what is in flight, releases everything; accounts for every event. */
  readonly stop: () => Promise<ConservationReport>;
}
