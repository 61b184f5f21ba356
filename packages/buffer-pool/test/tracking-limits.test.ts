import { fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AllocationTracker,
  EVENT_BYTES,
  FRAME_HEADER_BYTES,
  MAX_FRAME_BYTES,
  TrackingServer,
  type TrackingServerOptions,
  type TrackingSnapshot,
} from '../src/tracking/index.js';
import { closedByPeer, encodeFrame, rawConnect } from './tracking-helpers/raw-frames.js';
import { tempSocketPath } from './tracking-helpers/temp-socket.js';
import { waitFor } from './tracking-helpers/wait-for.js';

/**
 * The hostile clients, scaled down: each connects, sends a frame header and most of
 * the frame it announces, then stalls. Here frames are 256 KiB (the issue used 1 MiB), still
 * larger than any frame a tracker writes, so a tracker can share the server.
 */
const FRAME_BYTES = 256 << 10;
const EVENTS_PER_FRAME = Math.floor((FRAME_BYTES - FRAME_HEADER_BYTES) / EVENT_BYTES);
const UNSENT_BYTES = 1024;

/** Header and all but the last UNSENT_BYTES of a frame of `frameBytes`. */
function mostOfAFrame(frameBytes = FRAME_BYTES): Buffer {
  const events = Math.floor((frameBytes - FRAME_HEADER_BYTES) / EVENT_BYTES);
  const header = encodeFrame([], { payloadBytes: events * EVENT_BYTES, eventCount: events });
  // Kind 1 (ALLOC) everywhere would be valid; the content never matters, the frame never ends.
  return Buffer.concat([header, Buffer.alloc(events * EVENT_BYTES - UNSENT_BYTES)]);
}

/** Opens `count` connections that each send most of a frame and stall; some may be refused. */
async function stall(socketPath: string, count: number): Promise<Socket[]> {
  const bytes = mostOfAFrame();
  return Promise.all(
    Array.from({ length: count }, async () => {
      const socket = await rawConnect(socketPath);
      socket.on('error', () => {}); // the refused ones may see EPIPE or a reset
      socket.write(bytes);
      return socket;
    }),
  );
}

let socketPath: string;
let removeSocketDirectory: () => void;
let server: TrackingServer | null;
let rejections: { reason: string; code: string }[];
let clients: Socket[];

async function listen(options: TrackingServerOptions): Promise<TrackingServer> {
  server = await TrackingServer.listen(socketPath, {
    maxFrameBytes: FRAME_BYTES,
    onReject: (reason, code) => rejections.push({ reason, code }),
    ...options,
  });
  return server;
}

beforeEach(() => {
  ({ socketPath, remove: removeSocketDirectory } = tempSocketPath());
  rejections = [];
  clients = [];
  server = null;
});

afterEach(async () => {
  for (const client of clients) client.destroy();
  await server?.close();
  removeSocketDirectory();
});

describe('TrackingServer under many clients', () => {
  it('refuses connections beyond maxConnections at once and counts them; buffering stays bounded', async () => {
    const target = await listen({ maxConnections: 4, idleTimeoutMs: 60_000 });
    clients = await stall(socketPath, 10);
    await waitFor(
      'four connections held and six refused',
      () =>
        target.snapshot().connections.open === 4 &&
        target.snapshot().connections.refused === 6 &&
        target.snapshot().bufferedBytes === 4 * (FRAME_HEADER_BYTES + EVENTS_PER_FRAME * 32),
    );
    const held = target.snapshot();
    expect(held.connections).toEqual({
      open: 4,
      accepted: 4,
      rejected: 0,
      refused: 6,
      idleTimeouts: 0,
    });
    // Each held connection holds its one frame's gather buffer, and nothing more.
    expect(held.heldBytes).toBe(4 * EVENTS_PER_FRAME * EVENT_BYTES);
    expect(held.heldBytes).toBeLessThanOrEqual(4 * FRAME_BYTES);

    // The stalled clients give up: what they held is let go, and the server serves again.
    for (const client of clients) client.destroy();
    await waitFor('every connection to close', () => target.snapshot().connections.open === 0);
    expect(target.snapshot()).toMatchObject({ bufferedBytes: 0, heldBytes: 0 });
    expect(rejections.map((rejection) => rejection.code)).toEqual(Array(4).fill('TRUNCATED'));
    const socket = await rawConnect(socketPath);
    clients.push(socket);
    socket.write(encodeFrame([{ kind: 'ALLOC', device: 2, bytes: 10, id: 1 }]));
    await waitFor('the good frame', () => target.snapshot().events === 1);
    expect(target.snapshot().heldBytes).toBe(0); // a frame in one chunk is read in place
  });

  it('closes a refused connection at once, so its client sees the close', async () => {
    const target = await listen({ maxConnections: 1 });
    const first = await rawConnect(socketPath);
    const second = await rawConnect(socketPath);
    clients = [first, second];
    await closedByPeer(second);
    expect(target.snapshot().connections).toMatchObject({ open: 1, accepted: 1, refused: 1 });
    expect(first.destroyed).toBe(false);
  });

  it('closes connections that stall inside a frame after idleTimeoutMs, and counts them', async () => {
    const target = await listen({ maxConnections: 8, idleTimeoutMs: 200 });
    clients = await stall(socketPath, 20);
    await waitFor(
      'the stalled connections to time out',
      () => target.snapshot().connections.idleTimeouts === 8,
      10_000,
    );
    await waitFor('every connection to close', () => target.snapshot().connections.open === 0);
    expect(target.snapshot()).toMatchObject({
      bufferedBytes: 0,
      heldBytes: 0,
      connections: { open: 0, accepted: 8, rejected: 0, refused: 12, idleTimeouts: 8 },
    });
    // Reported once each, as idle timeouts, not also as truncated frames.
    expect(rejections).toHaveLength(8);
    for (const rejection of rejections)
      expect(rejection).toEqual({
        code: 'IDLE_TIMEOUT',
        reason: `began a frame (${FRAME_HEADER_BYTES + EVENTS_PER_FRAME * EVENT_BYTES} bytes held for it), then sent nothing for 200 ms`,
      });
  });

  it('times out a connection that sent only part of a header', async () => {
    const target = await listen({ idleTimeoutMs: 100 });
    const socket = await rawConnect(socketPath);
    clients = [socket];
    const closed = closedByPeer(socket);
    socket.write(encodeFrame([]).subarray(0, 10));
    await closed;
    expect(target.snapshot().connections.idleTimeouts).toBe(1);
    expect(rejections[0]?.code).toBe('IDLE_TIMEOUT');
  });

  it('keeps a connection that is idle between frames, and lets go of a large frame’s buffer', async () => {
    const target = await listen({ idleTimeoutMs: 100 });
    const socket = await rawConnect(socketPath);
    clients = [socket];
    // A 256 KiB frame in two writes: gathered, then its buffer (over a tracker's 128 KiB) let go.
    const events = Array.from({ length: EVENTS_PER_FRAME }, (_, id) => ({
      kind: 'ALLOC' as const,
      device: 3,
      bytes: 1,
      id,
    }));
    const frame = encodeFrame(events);
    socket.write(frame.subarray(0, 1000));
    await waitFor('the frame to begin', () => target.snapshot().bufferedBytes > 0);
    socket.write(frame.subarray(1000));
    await waitFor('the frame', () => target.snapshot().events === EVENTS_PER_FRAME);
    expect(target.snapshot()).toMatchObject({ bufferedBytes: 0, heldBytes: 0 });
    // Four idle timeouts' worth of silence between frames: the connection stays.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(socket.destroyed).toBe(false);
    expect(target.snapshot().connections).toMatchObject({ open: 1, idleTimeouts: 0 });
    socket.write(encodeFrame([{ kind: 'FREE', device: 3, id: 0 }]));
    await waitFor('the next frame', () => target.snapshot().events === EVENTS_PER_FRAME + 1);
  });

  it('a tracker connected before the flood delivers every event while the stalled clients are refused', async () => {
    const target = await listen({ maxConnections: 5, idleTimeoutMs: 60_000 });
    const tracker = new AllocationTracker({ socketPath });
    try {
      for (let id = 0; id < 1000; id++) tracker.alloc(1, 64, id);
      expect(await tracker.flush(10_000)).toBe(true);
      await waitFor('the first events', () => target.snapshot().events === 1000);
      clients = await stall(socketPath, 20);
      await waitFor(
        'the server to fill up',
        () =>
          target.snapshot().connections.open === 5 && target.snapshot().connections.refused === 16,
      );
      for (let id = 0; id < 20_000; id++) tracker.free(1, id % 1000);
      expect(await tracker.flush(10_000)).toBe(true);
      await waitFor('every event', () => target.snapshot().events === 21_000);
      expect(tracker.stats()).toMatchObject({
        recorded: 21_000,
        sent: 21_000,
        dropped: 0,
        droppedWhileDisconnected: 0,
        reconnects: 0,
      });
    } finally {
      await tracker.close();
    }
  });

  it('a tracker writes nothing before the server accepts it: a connection closed without the accept byte loses nothing counted sent', async () => {
    // A listener that takes connections, reads what comes, and closes each after 100 ms
    // without the accept byte: what a refusing server does, only slower, so a tracker that
    // wrote on 'connect' would be caught writing.
    let bytesReceived = 0;
    const silent = createServer((socket) => {
      socket.on('data', (chunk) => {
        bytesReceived += chunk.length;
      });
      socket.on('error', () => {});
      setTimeout(() => socket.destroy(), 100);
    });
    await new Promise<void>((done) => silent.listen(socketPath, done));
    const tracker = new AllocationTracker({
      socketPath,
      reconnectDelayMs: 20,
      maxReconnectDelayMs: 50,
    });
    try {
      for (let id = 0; id < 100; id++) tracker.alloc(1, 64, id);
      await waitFor(
        'the events handled',
        () => tracker.stats().droppedWhileDisconnected === 100,
        10_000,
      );
      expect(tracker.stats()).toMatchObject({
        recorded: 100,
        sent: 0,
        droppedWhileDisconnected: 100,
      });
      expect(bytesReceived).toBe(0);
    } finally {
      await tracker.close();
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });

  it('a tracker refused while the server is full counts what it records as dropped, and is served once a slot frees', async () => {
    const target = await listen({ maxConnections: 3, idleTimeoutMs: 500 });
    clients = await stall(socketPath, 3);
    await waitFor('the server to fill up', () => target.snapshot().connections.open === 3);
    const tracker = new AllocationTracker({
      socketPath,
      reconnectDelayMs: 20,
      maxReconnectDelayMs: 100,
    });
    try {
      for (let id = 0; id < 100; id++) tracker.alloc(2, 64, id); // returns at once, server full or not
      await waitFor('the tracker to be refused', () => target.snapshot().connections.refused >= 1);
      // The stalled clients time out. The tracker connects again only when it has events to
      // send, so it records one now and then until its next connection is accepted.
      await waitFor(
        'the stalled clients to time out',
        () => target.snapshot().connections.idleTimeouts === 3,
        10_000,
      );
      let probes = 0;
      while (!(tracker.stats().connected && target.snapshot().connections.open === 1)) {
        tracker.alloc(2, 1, 1000 + probes++);
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (probes > 1000) throw new Error('the tracker was not served again');
      }
      // The last probes may have gone out on the new connection: let them land before counting.
      expect(await tracker.flush(10_000)).toBe(true);
      await waitFor('the probes sent', () => target.snapshot().events === tracker.stats().sent);
      const before = target.snapshot().events;
      for (let id = 0; id < 1000; id++) tracker.free(2, id % 100);
      expect(await tracker.flush(10_000)).toBe(true);
      const stats = tracker.stats();
      await waitFor('the events sent', () => target.snapshot().events >= before + 1000);
      const received = target.snapshot().events;
      // Recorded = sent + dropped, exactly, as always.
      expect(stats.recorded).toBe(1100 + probes);
      expect(stats.recorded).toBe(stats.sent + stats.dropped + stats.droppedWhileDisconnected);
      expect(stats.dropped).toBe(0);
      // Everything recorded after the tracker was accepted arrived, and nothing counted sent was
      // lost: a tracker writes only after the server's accept byte, which a refusal never sends,
      // so what it recorded while the server was full is all in droppedWhileDisconnected.
      expect(received - before).toBe(1000);
      expect(received).toBe(stats.sent);
      expect(stats.droppedWhileDisconnected).toBeGreaterThan(0);
      await waitFor(
        'the drop count to reach the server',
        () => target.snapshot().clientsDropped === stats.droppedWhileDisconnected,
      );
    } finally {
      await tracker.close();
    }
  });
});

interface Measurement {
  readonly rss: number;
  readonly memory: NodeJS.MemoryUsage;
  readonly snapshot: TrackingSnapshot;
}

describe('TrackingServer memory, in a process of its own', () => {
  it('300 stalled 1 MiB frames: RSS bounded by the connection limit, and back near its baseline once they close', async () => {
    const MiB = 1 << 20;
    const child = fork(
      fileURLToPath(new URL('./tracking-helpers/rss-server.ts', import.meta.url)),
      [socketPath, JSON.stringify({ idleTimeoutMs: 60_000 })],
      {
        execArgv: ['--import', 'tsx', '--expose-gc'],
        // Freed memory goes back to the kernel only as far as the allocator lets it: glibc
        // raises its mmap threshold to the largest block freed (1 MiB here, up to 32 MiB) and
        // then keeps freed 1 MiB buffers and 64 KiB reads in its heaps, spread over arenas, so
        // RSS after close varied by 2 to 45 MiB from run to run (0 to 12 MiB with these settings).
        // Fixed thresholds and one arena
        // make RSS show what the server keeps rather than the allocator's cache.
        env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_ARENA_MAX: '1' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const next = () =>
      new Promise<Measurement & { ready?: boolean }>((resolve) => child.once('message', resolve));
    const measure = () => {
      const answer = next();
      child.send({ measure: true });
      return answer;
    };
    try {
      await next(); // ready
      const baseline = await measure();
      const bytes = mostOfAFrame(MAX_FRAME_BYTES);
      clients = await Promise.all(
        Array.from({ length: 300 }, async () => {
          const socket = await rawConnect(socketPath);
          socket.on('error', () => {});
          socket.write(bytes);
          return socket;
        }),
      );
      let stalled = await measure();
      const expectedBuffered = 64 * (bytes.length + UNSENT_BYTES);
      const deadline = performance.now() + 20_000;
      while (
        stalled.snapshot.connections.refused < 236 ||
        stalled.snapshot.bufferedBytes < expectedBuffered
      ) {
        if (performance.now() > deadline) throw new Error('the server did not fill up');
        stalled = await measure();
      }
      expect(stalled.snapshot.connections).toMatchObject({ open: 64, refused: 236 });
      expect(stalled.snapshot.heldBytes).toBeLessThanOrEqual(64 * MAX_FRAME_BYTES);
      const grew = stalled.rss - baseline.rss;
      // 64 MiB of frames held, plus the reads' garbage; without a limit this was 300+ MiB.
      expect(grew).toBeGreaterThan(32 * MiB);
      expect(grew).toBeLessThan(160 * MiB);

      for (const client of clients) client.destroy();
      let after = await measure();
      while (after.snapshot.connections.open > 0) {
        if (performance.now() > deadline) throw new Error('the connections did not close');
        after = await measure();
      }
      expect(after.snapshot).toMatchObject({ heldBytes: 0, bufferedBytes: 0 });
      expect(after.memory.arrayBuffers - baseline.memory.arrayBuffers).toBeLessThan(4 * MiB);
      // Generous: the stall took ~70 MiB (and 300+ MiB, kept, before the limit).
      expect(after.rss - baseline.rss).toBeLessThan(40 * MiB);
      console.log(
        `tracking server RSS: baseline ${(baseline.rss / MiB).toFixed(1)} MiB, 300 stalled (64 held) ${(stalled.rss / MiB).toFixed(1)} MiB, after close ${(after.rss / MiB).toFixed(1)} MiB`,
      );
    } finally {
      for (const client of clients) client.destroy();
      if (child.connected) child.send({ close: true });
      await exited;
    }
  });
});
