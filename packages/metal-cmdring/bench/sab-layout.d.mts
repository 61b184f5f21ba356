// Types for bench/sab-layout.mjs (plain JS, so the worker can load it without a TS loader).
export declare const Index: {
  readonly POSTED: number;
  readonly DONE: number;
  readonly STOP: number;
  readonly BUSY_NS_BYTE: number;
  readonly OPS: number;
};
export declare const MAX_DEPTH: number;
export declare const BYTE_LENGTH: number;
/** Busy for `microseconds` of wall time; the nanoseconds it ran, preempted pauses left out. */
export declare function busyFor(microseconds: number): number;
