import type { ConservationReport, RingFill } from '../pipeline.js';

/** Where the syscalls pipeline's events come from: the kernel through BPF, or the synthetic stand-in. */
export interface SyscallSource {
  /** Shown as the source's name on the dashboard. */
  readonly name: string;
  readonly rings: () => RingFill[];
  /** Events the source counted as dropped so far. */
  readonly dropped: () => number;
  /** Stops producing, delivers what is in flight, releases everything; accounts for every event. */
  readonly stop: () => Promise<ConservationReport>;
}
