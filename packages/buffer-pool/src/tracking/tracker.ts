import { randomInt } from 'node:crypto';
// The module's binding, not the global: one lookup less per event (~5 ns of the clock's ~50).
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { createRing, FixedProducer } from '@ringkit/spsc-ring';
import { EVENT_BYTES, EventField, EventKind, frameWriterLayout } from './layout.js';
import {
  type AllocationTrackerOptions,
  type ResolvedTrackerOptions,
  resolveTrackerOptions,
  type TrackingMode,
} from './options.js';
import { startSenderThread } from './sender-thread.js';
import { createStatusBlock, StatusReader, StatusWord, statusLayout } from './status-block.js';

export interface TrackerStats {
  readonly mode: TrackingMode;
  /** Events the app reported while tracking was on (outside withoutTracking). */
  readonly recorded: number;
  /** Events written to the server's socket. */
  readonly sent: number;
  /** Events refused because the ring was full. */
  readonly dropped: number;
  /** Events discarded because no server was connected. */
  readonly droppedWhileDisconnected: number;
  /** Events recorded and not yet sent or dropped: in the ring or in the socket's buffer. */
  readonly pending: number;
  readonly connected: boolean;
  /** Connections opened after the first one. */
  readonly reconnects: number;
  /** The last error the sender met (connect refused, connection reset, …), or null. */
  readonly lastError: string | null;
}

/** How long close() lets the sender deliver what is left before it stops the thread. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Reports allocation events (alloc, free, register per device) to a
 * TrackingServer without ever blocking the caller in `async` mode.
 *
 * Each call writes one 32-byte event in place into a claimed slot of a
 * drop-policy SPSC ring: no allocation, no copy, no system call, no wait, no
 * throw; a full ring counts a drop. A sender thread
 * owns the socket and drains the ring in batches (see sender-program.ts), so
 * delivery goes on while the app's event loop is busy. The timestamp is
 * `performance.now()` (monotonic; frames carry the app's `performance.timeOrigin`
 * so the server can turn it into wall-clock time), read every `clockEvery` events
 * and at the first event after each sender poll: a read costs ~45 ns, three times
 * everything else an event does.
 *
 * One tracker per thread: the ring has a single producer.
 */
export class AllocationTracker {
  readonly mode: TrackingMode;
  private readonly options: ResolvedTrackerOptions;
  private readonly producer: FixedProducer | null = null;
  private readonly sender: Worker | null = null;
  private readonly status: StatusReader | null = null;
  /** The ring's slots: events are written in place (a claimed slot), never copied. */
  private readonly slots: DataView | null = null;
  /** The hot path's only test: mode is not off, not closed, not inside withoutTracking. */
  private recording: boolean;
  private readonly blocking: boolean;
  private suspendedDepth = 0;
  private closed = false;
  private senderExited: Promise<void> = Promise.resolve();
  private localError: string | null = null;
  /** The sender's poll count (StatusWord.POLLS) as this side last saw it: a change means read the clock. */
  private readonly statusWords: Int32Array = new Int32Array(1);
  private pollsSeen = 0;
  private readonly clockEvery: number;
  /** Events until the next clock read; its reading is `lastTime`. */
  private untilClockRead = 0;
  private lastTime = 0;

  constructor(options: AllocationTrackerOptions) {
    this.options = resolveTrackerOptions(options);
    this.mode = this.options.mode;
    this.blocking = this.mode === 'blocking';
    this.recording = this.mode !== 'off';
    // Blocking mode waits ~60 µs per event anyway: there every event reads the clock.
    this.clockEvery = this.blocking ? 1 : this.options.clockEvery;
    if (this.mode === 'off') return;
    const ring = createRing({
      kind: 'fixed',
      capacity: this.options.capacity,
      recordSize: EVENT_BYTES,
      fullPolicy: 'drop',
    });
    const status = createStatusBlock();
    this.producer = FixedProducer.attach(ring);
    const { data } = this.producer;
    this.slots = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.status = new StatusReader(status);
    this.statusWords = this.status.words;
    // The thread starts now; it connects when the first event arrives.
    const sender = startSenderThread({
      ring,
      status,
      socketPath: this.options.socketPath,
      mode: this.mode,
      sendIntervalMs: this.options.sendIntervalMs,
      sendThreshold: this.options.capacity / 4,
      reconnectDelayMs: this.options.reconnectDelayMs,
      maxReconnectDelayMs: this.options.maxReconnectDelayMs,
      clientId: randomInt(1, 2 ** 32 - 1),
      timeOrigin: performance.timeOrigin,
      frame: frameWriterLayout,
      statusLayout,
    });
    this.sender = sender;
    this.senderExited = new Promise((resolve) =>
      sender.once('exit', (code) => {
        if (!this.closed) this.localError = `sender thread exited early (code ${code})`;
        resolve();
      }),
    );
    // A crashed sender must not become an uncaught exception in the app: keep its message.
    sender.on('error', (error) => {
      this.localError = `sender thread failed: ${error.message}`;
    });
  }

  /** `bytes` were allocated on `device` under `id` (an address or buffer id, exact to 2⁵³). */
  alloc(device: number, bytes: number, id: number): void {
    if (this.recording) this.record(EventKind.ALLOC, device, bytes, id);
  }

  /** The allocation `id` on `device` was released; the server knows its size. */
  free(device: number, id: number): void {
    if (this.recording) this.record(EventKind.FREE, device, 0, id);
  }

  /** Memory the device did not allocate (e.g. a shared block) became usable on it under `id`; `free` releases it. */
  register(device: number, bytes: number, id: number): void {
    if (this.recording) this.record(EventKind.REGISTER, device, bytes, id);
  }

  private record(kind: number, device: number, bytes: number, id: number): void {
    const producer = this.producer!;
    // -1 when the ring is full: the ring counted the drop, there is nothing to wait for.
    const offset = producer.tryClaimSlot();
    if (offset < 0) return;
    const slots = this.slots!;
    slots.setUint32(offset + EventField.KIND, kind, true);
    slots.setUint32(offset + EventField.DEVICE, device, true);
    slots.setFloat64(offset + EventField.BYTES, bytes, true);
    slots.setFloat64(offset + EventField.ID, id, true);
    slots.setFloat64(offset + EventField.TIME, this.eventTime(), true);
    producer.commitSlot();
    if (this.blocking) this.waitUntilWritten();
  }

  /**
   * `performance.now()`, read at every `clockEvery`-th event and at the first event after a
   * sender poll; the last reading otherwise. So an event's time never runs ahead of it and
   * lags it by at most `clockEvery` − 1 events or one poll.
   */
  private eventTime(): number {
    const polls = this.statusWords[StatusWord.POLLS]!;
    if (--this.untilClockRead <= 0 || polls !== this.pollsSeen) {
      this.untilClockRead = this.clockEvery;
      this.pollsSeen = polls;
      this.lastTime = performance.now();
    }
    return this.lastTime;
  }

  /** Blocking mode: sleeps until the sender has handled every event pushed so far, at most blockingTimeoutMs. */
  private waitUntilWritten(): void {
    const target = this.producer!.stats().pushed;
    const words = this.status!.words;
    const deadline = performance.now() + this.options.blockingTimeoutMs;
    for (;;) {
      const seen = Atomics.load(words, StatusWord.HANDLED_LOW);
      // Mod-2³² distance: exact while fewer than 2³¹ events are outstanding (at most the ring's capacity are).
      if (((seen - target) | 0) >= 0) return;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        this.localError = `blocking send: the sender did not write the event within ${this.options.blockingTimeoutMs} ms`;
        return;
      }
      Atomics.wait(words, StatusWord.HANDLED_LOW, seen, remaining);
    }
  }

  /**
   * Runs `fn` with tracking suspended on this tracker: what it reports is not
   * recorded (and not counted as dropped). Nests; synchronous — for an async `fn`
   * the scope ends when it returns its promise, not when that settles.
   */
  withoutTracking<T>(fn: () => T): T {
    this.suspendedDepth++;
    this.updateRecording();
    try {
      return fn();
    } finally {
      this.suspendedDepth--;
      this.updateRecording();
    }
  }

  private updateRecording(): void {
    this.recording = this.mode !== 'off' && !this.closed && this.suspendedDepth === 0;
  }

  stats(): TrackerStats {
    if (this.producer === null || this.status === null) {
      return {
        mode: this.mode,
        recorded: 0,
        sent: 0,
        dropped: 0,
        droppedWhileDisconnected: 0,
        pending: 0,
        connected: false,
        reconnects: 0,
        lastError: null,
      };
    }
    const ring = this.producer.stats();
    const sender = this.status.read();
    const recorded = ring.pushed + ring.dropped;
    return {
      mode: this.mode,
      recorded,
      sent: sender.sent,
      dropped: ring.dropped,
      droppedWhileDisconnected: sender.droppedWhileDisconnected,
      pending: ring.pushed - sender.handled,
      connected: sender.connected,
      reconnects: sender.reconnects,
      lastError: this.localError ?? sender.lastError,
    };
  }

  /**
   * Resolves true once every event recorded so far was written to the socket (or
   * counted as dropped while disconnected), false if that took over `timeoutMs`.
   * Never rejects.
   */
  async flush(timeoutMs = 5000): Promise<boolean> {
    if (this.producer === null || this.status === null) return true;
    const target = this.producer.stats().pushed;
    const words = this.status.words;
    // Ask for a write now instead of at the next batch.
    Atomics.add(words, StatusWord.FLUSH_REQUESTS, 1);
    Atomics.notify(words, StatusWord.FLUSH_REQUESTS);
    const deadline = performance.now() + timeoutMs;
    // Atomics.waitAsync holds no event-loop handle and the sender thread is unref'd: without
    // this timer a script whose last step is `await flush()` would exit (code 13) mid-wait. It
    // outlives the wait (cleared below) rather than ending with it: the last Atomics.waitAsync
    // may settle a little after the deadline, and nothing may depend on which fires first.
    const keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    try {
      for (;;) {
        const seen = Atomics.load(words, StatusWord.HANDLED_LOW);
        if (this.status.handled() >= target) return true;
        const remaining = deadline - performance.now();
        if (remaining <= 0) return false;
        const wait = Atomics.waitAsync(words, StatusWord.HANDLED_LOW, seen, remaining);
        if (wait.async) await wait.value;
      }
    } finally {
      clearInterval(keepAlive);
    }
  }

  /**
   * Stops recording, lets the sender deliver what the ring holds (up to 2 s),
   * closes the socket and ends the thread. Idempotent; never rejects.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.updateRecording();
      this.producer?.close();
    }
    const sender = this.sender;
    if (sender === null) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS);
    });
    const stuck = await Promise.race([this.senderExited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (stuck) {
      this.localError = `close: the sender did not finish within ${CLOSE_TIMEOUT_MS} ms and was stopped`;
      await sender.terminate();
    }
  }
}
