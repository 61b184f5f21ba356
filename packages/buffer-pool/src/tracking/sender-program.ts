import type * as Net from 'node:net';
import type { FixedConsumer } from '@ringkit/spsc-ring';
import type { FrameWriterLayout } from './layout.js';
import type { nextPollDelayMs } from './poll-policy.js';
import type { StatusLayout } from './status-block.js';

/** Everything the sender thread is told, in workerData (structured-cloned). */
export interface SenderConfig {
  /** Absolute path of @ringkit/spsc-ring's CommonJS build, resolved by the tracker. */
  readonly ringModulePath: string;
  readonly ring: SharedArrayBuffer;
  readonly status: SharedArrayBuffer;
  readonly socketPath: string;
  readonly mode: 'async' | 'blocking';
  /** `async`: write what the ring holds at least this often… */
  readonly sendIntervalMs: number;
  /** …and as soon as it holds this many events. */
  readonly sendThreshold: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly clientId: number;
  /** The app thread's performance.timeOrigin: event times are relative to it. */
  readonly timeOrigin: number;
  readonly frame: FrameWriterLayout;
  readonly statusLayout: StatusLayout;
}

export interface SenderDependencies {
  readonly net: typeof Net;
  readonly FixedConsumer: typeof FixedConsumer;
  /** poll-policy.ts's rule, handed over as source text like this function. */
  readonly nextPollDelayMs: typeof nextPollDelayMs;
}

/**
 * The sender thread: drains the tracker's ring in batches and writes them to the
 * tracking server as frames. It owns the socket, so delivery never waits for the
 * app to yield to its event loop.
 *
 * This function is the worker's whole program: `sender-thread.ts` runs its source
 * text (Function.prototype.toString) in a worker, because the worker must start
 * the same way from the TypeScript sources (tests, benches) and from the bundle
 * (which has no separate worker file). So it refers only to its parameters and
 * globals — no imports, no module-level helpers; types are erased.
 *
 * Batching: in `async` mode the thread looks at the ring every sendIntervalMs / 4 (sooner when
 * the app's rate would bring sendThreshold events before then, see poll-policy.ts) and writes
 * when a batch is due: sendIntervalMs after its last write, when the ring holds
 * sendThreshold events, on flush() and on close(). Each write takes the events the
 * ring held when the batch fell due, as frames of up to frame.maxEventsPerFrame events
 * (one chunk each: header and events), and all frames of one write go between cork() and
 * uncork(), so Node hands them to the kernel as one writev(2). Batches are large
 * on purpose: a write costs the sender a system call and wakes the server process,
 * and on a busy machine those wake-ups, not the bytes, are what the app pays for.
 * In `blocking` mode it sleeps on the ring with the wake-on-publish flag raised,
 * and writes each event as soon as it is pushed.
 */
export async function runSender(config: SenderConfig, dependencies: SenderDependencies) {
  const { net, FixedConsumer, nextPollDelayMs } = dependencies;
  const { frame, statusLayout } = config;
  const consumer = FixedConsumer.attach(config.ring);
  const words = new Int32Array(config.status, 0, 8);
  const counters = new BigInt64Array(config.status, 0, statusLayout.errorOffset / 8);
  const errorText = new Uint8Array(
    config.status,
    statusLayout.errorOffset,
    statusLayout.errorBytes,
  );
  // The writer's socket buffer bound: past it the thread stops draining, the ring fills and the app drops (counted).
  const SOCKET_BUFFER_LIMIT = 1 << 20;
  const CONNECT_TIMEOUT_MS = 2000;
  const POLL_MS = config.sendIntervalMs / 4;
  /** The shortest poll: at an allocator's millions of events a second, quarter-full comes in ~3 ms. */
  const MIN_POLL_MS = 0.5;

  let state: 'idle' | 'connecting' | 'connected' | 'down' = 'idle';
  let socket: Net.Socket | null = null;
  let connectedBefore = false;
  let retryAt = 0;
  let retryDelay = config.reconnectDelayMs;
  let backpressured = false;
  let eventsInFlight = 0;
  let handled = 0;
  let sent = 0;
  let droppedWhileDisconnected = 0;
  let reconnects = 0;
  let frames = 0;
  let errorVersion = 0;
  /** The tracker closed the ring: deliver what is left, never reconnect again. */
  let ending = false;
  /** A batch is due: write it (batchLeft more events). */
  let sendDue = false;
  /**
   * The batch is what the ring held when it fell due. Events the app pushes while it is
   * written wait for the next one: chasing them turned one batch into many small frames,
   * each a system call here and a read and a wake-up in the server — work on a core
   * the app may share (bench/neighbour-load.ts measures what that costs it).
   */
  let batchLeft = 0;
  let lastSendAt = Number.NEGATIVE_INFINITY;
  let flushRequestsSeen = 0;
  /** Pushed as of the last poll, and when: the app's event rate sets the next poll. */
  let pushedAtPoll = 0;
  let lastPollAt = performance.now();

  /** The wait until the next poll, from the app's rate since the last one (poll-policy.ts). */
  function nextPollMs(): number {
    const now = performance.now();
    const pushed = consumer.stats().pushed;
    const delay = nextPollDelayMs(
      pushed - pushedAtPoll,
      now - lastPollAt,
      config.sendThreshold,
      POLL_MS,
      MIN_POLL_MS,
    );
    pushedAtPoll = pushed;
    lastPollAt = now;
    return delay;
  }

  function publishCounters(): void {
    Atomics.store(counters, statusLayout.counter.SENT, BigInt(sent));
    Atomics.store(
      counters,
      statusLayout.counter.DROPPED_WHILE_DISCONNECTED,
      BigInt(droppedWhileDisconnected),
    );
    Atomics.store(counters, statusLayout.counter.FRAMES, BigInt(frames));
    // HANDLED last: whoever sees it also sees the counters it covers.
    Atomics.store(counters, statusLayout.counter.HANDLED, BigInt(handled));
    Atomics.store(words, statusLayout.word.HANDLED_LOW, handled | 0);
    Atomics.notify(words, statusLayout.word.HANDLED_LOW);
  }

  /** Seqlock write: odd version while the text changes. */
  function recordError(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, statusLayout.errorBytes);
    Atomics.store(words, statusLayout.word.ERROR_VERSION, ++errorVersion);
    errorText.set(bytes);
    Atomics.store(words, statusLayout.word.ERROR_LENGTH, bytes.length);
    Atomics.store(words, statusLayout.word.ERROR_VERSION, ++errorVersion);
  }

  function settle(count: number, delivered: boolean): void {
    if (delivered) sent += count;
    else droppedWhileDisconnected += count;
    handled += count;
    publishCounters();
  }

  function clientDropped(): number {
    return consumer.stats().dropped + droppedWhileDisconnected;
  }

  function connect(): void {
    state = 'connecting';
    const connection = net.createConnection(config.socketPath);
    socket = connection;
    const connectTimer = setTimeout(
      () =>
        connection.destroy(
          new Error(
            `connect to ${config.socketPath} timed out: no server accepted within ${CONNECT_TIMEOUT_MS} ms`,
          ),
        ),
      CONNECT_TIMEOUT_MS,
    );
    // Connected is when the server's accept byte arrives, not the socket's 'connect': a server at
    // its connection limit closes without it, and frames written before that would be lost
    // while counted as sent.
    const accepted = () => {
      clearTimeout(connectTimer);
      state = 'connected';
      if (connectedBefore) reconnects++;
      connectedBefore = true;
      retryDelay = config.reconnectDelayMs;
      Atomics.store(counters, statusLayout.counter.RECONNECTS, BigInt(reconnects));
      Atomics.store(words, statusLayout.word.CONNECTED, 1);
      pump();
    };
    connection.on('drain', () => {
      backpressured = false;
      pump();
    });
    connection.on('error', (error) => recordError(error.message));
    // The server writes its accept byte and nothing else; reading also lets us see its end of
    // the connection close.
    connection.on('data', (chunk: Buffer) => {
      if (state === 'connecting' && chunk[0] === frame.serverAccepts) accepted();
    });
    connection.on('close', () => {
      clearTimeout(connectTimer);
      socket = null;
      backpressured = false;
      state = 'down';
      Atomics.store(words, statusLayout.word.CONNECTED, 0);
      retryAt = performance.now() + retryDelay;
      retryDelay = Math.min(retryDelay * 2, config.maxReconnectDelayMs);
      pump();
    });
  }

  // Frame buffers (header and events together, one chunk per frame) are reused: a 128 KiB
  // buffer per write was garbage for this thread's collector at the app's event rate. A buffer
  // returns to the spares when its write completed.
  const FRAME_BUFFER_BYTES = frame.headerBytes + frame.maxEventsPerFrame * frame.eventBytes;
  const spareFrames: Buffer[] = [];
  const MAX_SPARE_FRAMES = Math.ceil(SOCKET_BUFFER_LIMIT / FRAME_BUFFER_BYTES) + 1;

  function writeFrame(connection: Net.Socket, data: Uint8Array, offset: number, count: number) {
    const buffer = spareFrames.pop() ?? Buffer.allocUnsafe(FRAME_BUFFER_BYTES);
    const payloadBytes = count * frame.eventBytes;
    buffer.writeUInt32LE(frame.magic, frame.field.MAGIC);
    buffer.writeUInt16LE(frame.version, frame.field.VERSION);
    buffer.writeUInt16LE(frame.eventBytes, frame.field.EVENT_BYTES);
    buffer.writeUInt32LE(payloadBytes, frame.field.PAYLOAD_BYTES);
    buffer.writeUInt32LE(count, frame.field.EVENT_COUNT);
    buffer.writeUInt32LE(0, frame.field.CLIENT_ID + 4);
    buffer.writeUInt32LE(config.clientId, frame.field.CLIENT_ID);
    buffer.writeDoubleLE(clientDropped(), frame.field.CLIENT_DROPPED);
    buffer.writeDoubleLE(config.timeOrigin, frame.field.TIME_ORIGIN);
    // A copy: the slots are reused as soon as drain() returns.
    buffer.set(data.subarray(offset, offset + payloadBytes), frame.headerBytes);
    eventsInFlight += count;
    frames++;
    connection.write(buffer.subarray(0, frame.headerBytes + payloadBytes), (error) => {
      eventsInFlight -= count;
      if (spareFrames.length < MAX_SPARE_FRAMES) spareFrames.push(buffer);
      settle(count, error == null);
    });
  }

  /** Writes what is left of the batch, or as much as the socket buffer bound allows. */
  function sendBatch(connection: Net.Socket): void {
    connection.cork();
    while (batchLeft > 0 && connection.writableLength < SOCKET_BUFFER_LIMIT) {
      const drained = consumer.drain(
        (data, offset, count) => writeFrame(connection, data, offset, count),
        Math.min(batchLeft, frame.maxEventsPerFrame),
      );
      // Nothing there: the events were discarded while the connection was down.
      batchLeft = drained === 0 ? 0 : batchLeft - drained;
    }
    connection.uncork();
    if (connection.writableLength >= SOCKET_BUFFER_LIMIT) backpressured = true;
  }

  /** Decides, once per poll, whether the events in the ring should be written now. */
  function checkSendDue(): void {
    const flushRequests = Atomics.load(words, statusLayout.word.FLUSH_REQUESTS);
    const flushRequested = flushRequests !== flushRequestsSeen;
    flushRequestsSeen = flushRequests;
    if (sendDue) return;
    const held = consumer.stats().used;
    sendDue =
      held > 0 &&
      (config.mode === 'blocking' ||
        ending ||
        flushRequested ||
        performance.now() - lastSendAt >= config.sendIntervalMs ||
        held >= config.sendThreshold);
    if (sendDue) batchLeft = held;
  }

  /** Does whatever the ring, the connection and the batching policy allow right now; never waits. */
  function pump(): void {
    if (state === 'connecting' || backpressured || consumer.peek() === -1) return;
    if (state === 'connected' && socket !== null) {
      if (!sendDue) return;
      sendBatch(socket);
      if (batchLeft === 0) {
        sendDue = false;
        lastSendAt = performance.now();
      }
    } else if (state === 'idle' || (state === 'down' && performance.now() >= retryAt && !ending)) {
      // Connect at the first event, due or not, so the connection is ready when the batch is.
      connect();
    } else {
      // Down: nobody to deliver to. Count and discard, so the ring keeps room and blocking callers go on.
      const dropped = consumer.drain(() => {});
      if (dropped > 0) settle(dropped, false);
    }
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // A pending Atomics.waitAsync does not keep a thread's event loop alive: without
  // a handle of its own the thread would exit in its first wait with no socket open.
  const keepAlive = setInterval(() => {}, 1 << 30);
  for (;;) {
    // A new poll: the tracker's next event reads the clock afresh (see clockEvery).
    Atomics.add(words, statusLayout.word.POLLS, 1);
    ending = consumer.stats().closed;
    checkSendDue();
    pump();
    const ringEmpty = consumer.peek() === -1;
    if (ending && ringEmpty && eventsInFlight === 0) break;
    if (config.mode === 'blocking' && ringEmpty && !ending) {
      // No spin: it would hold up the write callbacks that release the blocked caller.
      await consumer.waitAsync({ timeoutMs: POLL_MS, spin: 0 });
    } else if (ending || config.mode === 'blocking') {
      await sleep(1);
    } else {
      // Sleeps until the next poll, or until flush() bumps the word. Never a bare
      // await of a settled promise: socket callbacks need the event loop to turn.
      const wait = Atomics.waitAsync(
        words,
        statusLayout.word.FLUSH_REQUESTS,
        flushRequestsSeen,
        nextPollMs(),
      );
      await (wait.async ? wait.value : sleep(1));
    }
  }
  clearInterval(keepAlive);
  // (The cast: TypeScript cannot see the event handlers that assign `socket`.)
  const closing = socket as Net.Socket | null;
  if (closing !== null) {
    await new Promise((resolve) => {
      closing.once('close', resolve);
      closing.end();
    });
  }
}
