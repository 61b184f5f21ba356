import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Sleeper, type WaitOptions, waitSync } from '../src/wait.js';

/**
 * How long a wait spins before it sleeps, on a clock the test drives: every
 * poll of the ring costs `pollMicros` of (fake) time, as a poll that misses
 * the cache does on this VM, so the spin's length is known exactly.
 */
function spinOf(options: WaitOptions, pollMicros = 0.2) {
  let nowMs = 1_000;
  vi.spyOn(performance, 'now').mockImplementation(() => nowMs);
  let polls = 0;
  let sleptAtMs: number | null = null;
  const sleeper: Sleeper = {
    words: new Int32Array(new SharedArrayBuffer(64)),
    primitive: {
      sleep: () => {
        sleptAtMs ??= nowMs;
        nowMs += 1; // one sleep: the deadline is reached
        return 'timed-out';
      },
      sleepAsync: () => Promise.resolve('timed-out'),
      wake: () => {},
    },
    flagIndex: 0,
    signalIndex: 1,
    peerModeIndex: 2,
    check: () => {
      polls++;
      nowMs += pollMicros / 1000;
      return null;
    },
  };
  const outcome = waitSync(sleeper, { timeoutMs: 0.5, ...options });
  return { outcome, polls, spunMicros: ((sleptAtMs ?? nowMs) - 1_000) * 1000 };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the spin before a sleep', () => {
  it('lasts at most ~20 µs by default, however slow each poll is', () => {
    // 1000 polls of 0.2 µs would be 200 µs (the old default spun ~300 µs on an idle ring).
    const { outcome, polls, spunMicros } = spinOf({});
    expect(outcome).toBe('timeout');
    expect(spunMicros).toBeGreaterThanOrEqual(20);
    expect(spunMicros).toBeLessThan(23); // 20 µs, plus the polls between two clock reads
    expect(polls).toBeLessThan(120);
  });

  it('stops at `spin` polls when those come first', () => {
    const { polls } = spinOf({ spin: 10 });
    expect(polls).toBeLessThanOrEqual(13); // 10 spinning, then 3 checks around the one sleep
  });

  it('spinMicros sets the bound; 0 sleeps at the first look at the clock', () => {
    expect(spinOf({ spinMicros: 100, spin: 1e9 }).spunMicros).toBeGreaterThanOrEqual(100);
    expect(spinOf({ spinMicros: 100, spin: 1e9 }).spunMicros).toBeLessThan(103);
    expect(spinOf({ spinMicros: 0 }).polls).toBeLessThanOrEqual(8 + 3); // the clock is read every 8 polls
  });

  it('refuses a spinMicros that is not a finite number ≥ 0', () => {
    expect(() => spinOf({ spinMicros: -1 })).toThrow(/spinMicros must be a finite number ≥ 0/);
    expect(() => spinOf({ spinMicros: Number.NaN })).toThrow(/spinMicros/);
  });
});
