/** What the synthetic syscall source shares with the pipeline that starts it. */
export interface SyntheticWorkerData {
  /** POSIX shared-memory name of the ring the worker attaches. */
  readonly sharedName: string;
  /** SharedArrayBuffer of SyntheticWord.BYTES: the stop flag and the produced count. */
  readonly words: SharedArrayBuffer;
  readonly ratePerSecond: number;
  readonly cpus: number;
}

/**
 * Layout of `words`: Int32 index 0 is the stop flag (the pipeline sets it and
 * notifies); Float64 index 1 is the events produced so far (written only by the
 * worker, read by the pipeline: a plain store is enough for a figure on a
 * dashboard, and the final value is read after the worker exited).
 */
/**
 * Events the worker builds per push: one publish (one release store) per batch. It counts a
 * batch as produced just before pushing it, so up to this many produced events are in its hand,
 * neither in the ring nor counted as dropped yet.
 */
export const SYNTHETIC_BATCH = 256;

export const SyntheticWord = {
  STOP: 0,
  PRODUCED: 1,
  BYTES: 16,
} as const;
