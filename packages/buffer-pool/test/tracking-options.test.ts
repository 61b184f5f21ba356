import { describe, expect, it } from 'vitest';
import {
  AllocationTracker,
  type AllocationTrackerOptions,
  TrackingError,
  TrackingServer,
} from '../src/tracking/index.js';

function refusal(options: unknown): TrackingError {
  try {
    new AllocationTracker(options as AllocationTrackerOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(TrackingError);
    expect((error as TrackingError).code).toBe('INVALID_OPTIONS');
    return error as TrackingError;
  }
  throw new Error('the options were accepted');
}

/** One sentence: a single full stop, at the end. */
function expectOneSentence(message: string): void {
  expect(message).toMatch(/\.$/);
  expect(message.replace(/\.(?=\S)/g, '').slice(0, -1)).not.toMatch(/\.\s/);
}

describe('AllocationTracker options', () => {
  it('refuses a missing socketPath, saying what to pass', () => {
    const { message } = refusal({ mode: 'async' });
    expect(message).toBe(
      "AllocationTracker needs socketPath, the Unix socket path its TrackingServer listens on (got undefined); pass { socketPath: '/tmp/ringkit-tracking.sock' }.",
    );
    expectOneSentence(message);
  });

  it('refuses a call without options', () => {
    expect(refusal(undefined).message).toMatch(/needs an options object such as/);
  });

  it('refuses a clockEvery that is not a whole number of events from 1', () => {
    for (const clockEvery of [0, 1.5, -4, Number.NaN]) {
      const { message } = refusal({ socketPath: '/tmp/x.sock', clockEvery });
      expect(message).toMatch(/^clockEvery must be an integer from 1/);
      expectOneSentence(message);
    }
  });

  it('refuses an unknown mode, naming the valid ones', () => {
    const { message } = refusal({ socketPath: '/tmp/x.sock', mode: 'fast' });
    expect(message).toBe(
      `mode must be 'async', 'blocking' or 'off', mode="fast"; leave it out for 'async'.`,
    );
    expectOneSentence(message);
  });

  it('refuses a capacity that is not a power of two', () => {
    const { message } = refusal({ socketPath: '/tmp/x.sock', capacity: 1000 });
    expect(message).toBe(
      'capacity must be a power of two from 2 to 2²⁶ events (such as 65536), capacity=1000.',
    );
    expectOneSentence(message);
  });

  it('refuses timing options that are not positive', () => {
    expect(refusal({ socketPath: '/tmp/x.sock', sendIntervalMs: 0 }).message).toBe(
      'sendIntervalMs must be a positive number of milliseconds, sendIntervalMs=0.',
    );
    expect(
      refusal({ socketPath: '/tmp/x.sock', reconnectDelayMs: 100, maxReconnectDelayMs: 10 })
        .message,
    ).toBe('maxReconnectDelayMs (10) must be at least reconnectDelayMs (100).');
  });

  it("accepts mode 'off' without starting anything", async () => {
    const tracker = new AllocationTracker({ socketPath: '/nonexistent/x.sock', mode: 'off' });
    tracker.alloc(0, 1, 1);
    expect(tracker.stats()).toMatchObject({ recorded: 0, lastError: null });
    await tracker.close();
  });
});

describe('TrackingServer.listen options', () => {
  it('refuses a missing path', async () => {
    await expect(TrackingServer.listen(undefined as unknown as string)).rejects.toThrow(
      "TrackingServer.listen needs a socket path such as '/tmp/ringkit-tracking.sock', got undefined.",
    );
  });

  it('refuses a path too long for a Unix socket, suggesting a shorter one', async () => {
    await expect(TrackingServer.listen(`/tmp/${'x'.repeat(200)}.sock`)).rejects.toThrow(
      /over the 10\d bytes a Unix socket path may have; choose a shorter path, such as one under \/tmp\./,
    );
  });

  it('refuses a maxFrameBytes over the protocol maximum', async () => {
    await expect(TrackingServer.listen('/tmp/x.sock', { maxFrameBytes: 2 << 20 })).rejects.toThrow(
      'maxFrameBytes must be an integer from 72 (one event) to 1048576, maxFrameBytes=2097152.',
    );
  });
});

describe('TrackingServer.listen limits', () => {
  it('refuses a maxConnections that is not a whole number from 1', async () => {
    for (const maxConnections of [0, 1.5, -1, Number.NaN, 1 << 20]) {
      const error = await TrackingServer.listen('/tmp/x.sock', { maxConnections }).catch(
        (caught: unknown) => caught as TrackingError,
      );
      expect(error).toBeInstanceOf(TrackingError);
      expect((error as TrackingError).code).toBe('INVALID_OPTIONS');
      expect((error as TrackingError).message).toBe(
        `maxConnections must be an integer from 1 to 65536 (default 64), maxConnections=${String(maxConnections)}.`,
      );
      expectOneSentence((error as TrackingError).message);
    }
  });

  it('refuses an idleTimeoutMs that is not a positive number of milliseconds a timer can hold', async () => {
    for (const idleTimeoutMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      const error = await TrackingServer.listen('/tmp/x.sock', { idleTimeoutMs }).catch(
        (caught: unknown) => caught as TrackingError,
      );
      expect((error as TrackingError).code).toBe('INVALID_OPTIONS');
      expect((error as TrackingError).message).toBe(
        `idleTimeoutMs must be a positive number of milliseconds up to 2147483647 (default 10000), idleTimeoutMs=${String(idleTimeoutMs)}.`,
      );
      expectOneSentence((error as TrackingError).message);
    }
  });
});
