import { TrackingError } from './errors.js';

/**
 * `async` (default): events go into a ring and a sender thread writes them; the
 * caller never waits. `blocking`: the caller returns once its event was written to
 * the socket (for comparison, and for debugging where losing nothing matters more
 * than speed). `off`: every method does nothing.
 */
export type TrackingMode = 'async' | 'blocking' | 'off';

export interface AllocationTrackerOptions {
  /** The Unix domain socket a TrackingServer listens on. */
  readonly socketPath: string;
  readonly mode?: TrackingMode;
  /** Events the ring holds, a power of two ≥ 2 (default 65 536, 2 MiB); past it events are dropped and counted. */
  readonly capacity?: number;
  /**
   * `async`: the sender writes what the ring holds at least this often, in ms
   * (default 100), and sooner once a quarter of the ring is full or on flush().
   * Large batches on purpose: each write wakes the server, and wake-ups are what
   * cost the app CPU. A lone event after a quiet spell goes out within a quarter of it.
   */
  readonly sendIntervalMs?: number;
  /** The first wait before reconnecting after the server went away, in ms (default 50); it doubles per failure. */
  readonly reconnectDelayMs?: number;
  /** The cap on that wait, in ms (default 2000). */
  readonly maxReconnectDelayMs?: number;
  /** `blocking`: the longest one call waits for its event to be written, in ms (default 5000). */
  readonly blockingTimeoutMs?: number;
  /**
   * Events per clock read (default 64; 1 = every event). A read of `performance.now()` costs
   * ~45 ns, three times the rest of an event, so by default every 64th event reads it, as
   * does the first after each sender poll (every sendIntervalMs / 4); the others carry the last
   * reading. An event's time is then a lower bound, at most 63 events or one poll stale.
   */
  readonly clockEvery?: number;
}

export interface ResolvedTrackerOptions {
  readonly socketPath: string;
  readonly mode: TrackingMode;
  readonly capacity: number;
  readonly sendIntervalMs: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly blockingTimeoutMs: number;
  readonly clockEvery: number;
}

const MODES: readonly TrackingMode[] = ['async', 'blocking', 'off'];

function invalid(message: string): TrackingError {
  return new TrackingError('INVALID_OPTIONS', message);
}

function positiveMs(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))
    throw invalid(`${name} must be a positive number of milliseconds, ${name}=${String(value)}.`);
  return value;
}

/** Checks the options and fills in the defaults; each refusal is one sentence saying what to change. */
export function resolveTrackerOptions(options: AllocationTrackerOptions): ResolvedTrackerOptions {
  if (typeof options !== 'object' || options === null)
    throw invalid(
      "AllocationTracker needs an options object such as { socketPath: '/tmp/ringkit-tracking.sock' }.",
    );
  const { socketPath } = options;
  if (typeof socketPath !== 'string' || socketPath.length === 0)
    throw invalid(
      `AllocationTracker needs socketPath, the Unix socket path its TrackingServer listens on (got ${String(socketPath)}); pass { socketPath: '/tmp/ringkit-tracking.sock' }.`,
    );
  const mode = options.mode ?? 'async';
  if (!MODES.includes(mode))
    throw invalid(
      `mode must be 'async', 'blocking' or 'off', mode=${JSON.stringify(mode)}; leave it out for 'async'.`,
    );
  const capacity = options.capacity ?? 1 << 16;
  if (
    !Number.isInteger(capacity) ||
    capacity < 2 ||
    capacity > 1 << 26 ||
    (capacity & (capacity - 1)) !== 0
  )
    throw invalid(
      `capacity must be a power of two from 2 to 2²⁶ events (such as 65536), capacity=${String(capacity)}.`,
    );
  const reconnectDelayMs = positiveMs('reconnectDelayMs', options.reconnectDelayMs, 50);
  const maxReconnectDelayMs = positiveMs(
    'maxReconnectDelayMs',
    options.maxReconnectDelayMs,
    Math.max(2000, reconnectDelayMs),
  );
  if (maxReconnectDelayMs < reconnectDelayMs)
    throw invalid(
      `maxReconnectDelayMs (${maxReconnectDelayMs}) must be at least reconnectDelayMs (${reconnectDelayMs}).`,
    );
  const clockEvery = options.clockEvery ?? 64;
  if (!Number.isInteger(clockEvery) || clockEvery < 1 || clockEvery > 1 << 20)
    throw invalid(
      `clockEvery must be an integer from 1 (read the clock at every event) to 2²⁰, clockEvery=${String(clockEvery)}.`,
    );
  return {
    socketPath,
    mode,
    capacity,
    clockEvery,
    sendIntervalMs: positiveMs('sendIntervalMs', options.sendIntervalMs, 100),
    reconnectDelayMs,
    maxReconnectDelayMs,
    blockingTimeoutMs: positiveMs('blockingTimeoutMs', options.blockingTimeoutMs, 5000),
  };
}
