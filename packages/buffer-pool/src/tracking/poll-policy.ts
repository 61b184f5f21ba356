/**
 * When the sender thread next looks at the tracker's ring: `pollMs`, or sooner when the app
 * pushed fast enough since the last look to bring `threshold` events before then — half the
 * time that takes at that rate — but never sooner than `minPollMs`. Waking the app to say
 * "quarter full" would cost it a system call per wake-up; a sender that looks sooner costs it
 * nothing, and the ring no longer overflows between looks at an allocator's rates.
 *
 * Self-contained (no imports, no module-level names): the sender thread is handed its source
 * text, as it is runSender's (sender-thread.ts).
 */
export function nextPollDelayMs(
  pushedSinceLastPoll: number,
  msSinceLastPoll: number,
  threshold: number,
  pollMs: number,
  minPollMs: number,
): number {
  const perMs = pushedSinceLastPoll / Math.max(msSinceLastPoll, 0.001);
  if (perMs <= 0) return pollMs;
  return Math.min(pollMs, Math.max(minPollMs, threshold / perMs / 2));
}
