// The plain SharedArrayBuffer queue's words (bench/sab-queue.ts, bench/sab-executor.mjs), and
// the busy op both sides of a comparison run.

/**
 * Int32 indexes: commands posted and done, the stop flag, and from OPS one op (µs) per queue
 * entry; the executor's busy nanoseconds are a float64 at byte BUSY_NS_BYTE.
 */
export const Index = { POSTED: 0, DONE: 1, STOP: 2, BUSY_NS_BYTE: 16, OPS: 8 };
export const MAX_DEPTH = 64;
export const BYTE_LENGTH = (Index.OPS + MAX_DEPTH) * 4;

// A pause this long between two clock reads of the busy loop is time the thread did not run.
const PREEMPTION_GAP_MS = 0.01;

/**
 * Busy for `microseconds` of wall time; returns the nanoseconds it ran, leaving out the pauses
 * it saw (preempted), as the cpu backend counts executorBusyNs.
 */
export function busyFor(microseconds) {
  const start = performance.now();
  const end = start + microseconds / 1000;
  let before = start;
  let preempted = 0;
  for (;;) {
    const now = performance.now();
    if (now - before >= PREEMPTION_GAP_MS) preempted += now - before;
    before = now;
    if (now >= end) return (now - start - preempted) * 1e6;
  }
}
