// The seed's decode loop, measured: encode E µs on this (the JS) thread, then an
// op of X µs on the executor, through a ring of N slots. With N ≥ 2 the next
// encode overlaps the previous execute; with N = 1 they alternate.
import type { CommandRing } from '../src/index.js';

/** Busy work on the JS thread for `microseconds` (what encoding a command costs). */
export function encodeFor(microseconds: number): void {
  if (microseconds <= 0) return;
  const end = performance.now() + microseconds / 1000;
  while (performance.now() < end) {
    // spinning: encoding keeps the JS thread busy
  }
}

export interface DecodeFigures {
  /** Executor busy time over wall time, 0..1. */
  executorBusy: number;
  opsPerSecond: number;
}

/** `cycles` iterations of the loop; resolves once the last op completed. */
export async function decodeLoop(
  ring: CommandRing,
  cycles: number,
  encodeUs: number,
  executeUs: number,
): Promise<number> {
  let last: Promise<number> | undefined;
  for (let i = 0; i < cycles; i++) {
    const slot = await ring.acquire();
    encodeFor(encodeUs);
    slot.busyFor(executeUs);
    last = ring.commit(slot);
  }
  await last;
  return cycles;
}

/** The loop with its executor utilisation and throughput. */
export async function measureDecode(
  ring: CommandRing,
  cycles: number,
  encodeUs: number,
  executeUs: number,
): Promise<DecodeFigures> {
  const busyBefore = ring.executorBusyNs();
  const started = process.hrtime.bigint();
  await decodeLoop(ring, cycles, encodeUs, executeUs);
  const wallNs = Number(process.hrtime.bigint() - started);
  return {
    executorBusy: (ring.executorBusyNs() - busyBefore) / wallNs,
    opsPerSecond: cycles / (wallNs / 1e9),
  };
}
