import { existsSync, lstatSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/tracking/frame-decoder.js';
import {
  AllocationTracker,
  EVENT_BYTES,
  FRAME_HEADER_BYTES,
  MAX_FRAME_BYTES,
  TrackingServer,
} from '../src/tracking/index.js';
import { closedByPeer, encodeFrame, rawConnect } from './tracking-helpers/raw-frames.js';
import { tempSocketPath } from './tracking-helpers/temp-socket.js';
import { waitFor } from './tracking-helpers/wait-for.js';

let socketPath: string;
let removeSocketDirectory: () => void;
let server: TrackingServer;
let rejections: { reason: string; code: string }[];

beforeEach(async () => {
  ({ socketPath, remove: removeSocketDirectory } = tempSocketPath());
  rejections = [];
  server = await TrackingServer.listen(socketPath, {
    onReject: (reason, code) => rejections.push({ reason, code }),
  });
});

afterEach(async () => {
  await server.close();
  removeSocketDirectory();
});

const goodFrame = () =>
  encodeFrame([
    { kind: 'ALLOC', device: 9, bytes: 100, id: 1 },
    { kind: 'FREE', device: 9, id: 1 },
  ]);

/** Sends `bytes` on a fresh raw connection and waits for the server to close it. */
async function sendAndExpectClose(bytes: Buffer, endAfterwards = false): Promise<void> {
  const socket = await rawConnect(socketPath);
  const closed = closedByPeer(socket);
  socket.write(bytes);
  if (endAfterwards) socket.end();
  await closed;
}

/** A well-behaved client still gets its events counted. */
async function expectServerStillServes(): Promise<void> {
  const before = server.snapshot().events;
  const socket = await rawConnect(socketPath);
  socket.write(goodFrame());
  await waitFor('the good frame to be counted', () => server.snapshot().events === before + 2);
  socket.destroy();
}

describe('TrackingServer', () => {
  it('creates its socket file with mode 0600', () => {
    const stat = lstatSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it('removes its socket file on close', async () => {
    await server.close();
    expect(existsSync(socketPath)).toBe(false);
  });

  it('refuses to start where another server is listening', async () => {
    await expect(TrackingServer.listen(socketPath)).rejects.toThrow(
      /a server is already listening on .*; close it or choose another socketPath\./,
    );
  });

  it('replaces a stale socket file left by a server that died', async () => {
    await server.close();
    // A socket file nobody listens on: bind one, then close it while keeping the file.
    const stale = createServer();
    await new Promise<void>((resolve) => stale.listen(`${socketPath}.stale`, resolve));
    renameSync(`${socketPath}.stale`, socketPath);
    await new Promise<void>((resolve) => stale.close(() => resolve()));
    expect(lstatSync(socketPath).isSocket()).toBe(true);
    server = await TrackingServer.listen(socketPath);
    await expectServerStillServes();
  });

  it('refuses a path that holds something other than a socket', async () => {
    const path = `${socketPath}.txt`;
    writeFileSync(path, 'not a socket');
    await expect(TrackingServer.listen(path)).rejects.toThrow(
      /exists and is not a socket; remove it or choose another socketPath\./,
    );
  });

  it('closes a connection that sends a bad magic, and keeps serving others', async () => {
    await sendAndExpectClose(encodeFrame([], { magic: 0x0badf00d }));
    expect(rejections).toEqual([
      {
        code: 'BAD_MAGIC',
        reason: expect.stringMatching(/bad frame magic 0x0badf00d/),
      },
    ]);
    await expectServerStillServes();
  });

  it('closes a connection that sends another protocol version', async () => {
    await sendAndExpectClose(encodeFrame([], { version: 99 }));
    expect(rejections[0]).toMatchObject({ code: 'BAD_VERSION' });
    await expectServerStillServes();
  });

  it('closes a connection whose frame length disagrees with its event count', async () => {
    await sendAndExpectClose(encodeFrame([], { payloadBytes: 64, eventCount: 3 }));
    expect(rejections[0]).toMatchObject({ code: 'BAD_LENGTH' });
    await expectServerStillServes();
  });

  it('closes a connection that announces a frame over the maximum, before buffering it', async () => {
    await sendAndExpectClose(
      encodeFrame([], { payloadBytes: MAX_FRAME_BYTES, eventCount: MAX_FRAME_BYTES / EVENT_BYTES }),
    );
    expect(rejections[0]).toMatchObject({
      code: 'OVERSIZED',
      reason: expect.stringMatching(/over the 1048576-byte maximum/),
    });
    expect(server.snapshot().bufferedBytes).toBe(0);
    await expectServerStillServes();
  });

  it('closes a connection that ends inside a frame, without counting its events', async () => {
    const frame = goodFrame();
    await sendAndExpectClose(frame.subarray(0, frame.length - 5), true);
    await waitFor('the rejection', () => rejections.length === 1);
    expect(rejections[0]).toMatchObject({
      code: 'TRUNCATED',
      reason: `connection ended inside a frame: ${frame.length - 5} of ${frame.length} bytes arrived`,
    });
    expect(server.snapshot()).toMatchObject({ events: 0, bufferedBytes: 0 });
    await expectServerStillServes();
  });

  it('closes a connection whose event has an unknown kind, applying nothing of that frame', async () => {
    const frame = goodFrame();
    frame.writeUInt32LE(77, FRAME_HEADER_BYTES + EVENT_BYTES); // the second event's kind
    await sendAndExpectClose(frame);
    expect(rejections[0]).toMatchObject({ code: 'BAD_EVENT' });
    expect(server.snapshot().events).toBe(0);
  });

  it('warns once per rejected connection by default', async () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      const { socketPath: otherPath, remove } = tempSocketPath();
      const other = await TrackingServer.listen(otherPath);
      const socket = await rawConnect(otherPath);
      const closed = closedByPeer(socket);
      socket.write(Buffer.concat([encodeFrame([], { magic: 1 }), encodeFrame([], { magic: 2 })]));
      await closed;
      await other.close();
      remove();
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([
      expect.stringMatching(/^ringkit tracking server: closed a connection: bad frame magic/),
    ]);
  });

  it('survives 200 bad connections with its buffering back to zero', async () => {
    const bad = [
      () => encodeFrame([], { magic: 0xdeadbeef }),
      () => encodeFrame([], { version: 2 }),
      () => encodeFrame([], { payloadBytes: 1 << 30, eventCount: 1 << 25 }),
      // Announces 1 MiB of events, sends 64 KiB of it, then ends: truncated.
      () =>
        encodeFrame(
          Array.from({ length: 2048 }, (_, id) => ({
            kind: 'ALLOC' as const,
            device: 0,
            bytes: 1,
            id,
          })),
          {
            payloadBytes: MAX_FRAME_BYTES - FRAME_HEADER_BYTES,
            eventCount: (MAX_FRAME_BYTES - FRAME_HEADER_BYTES) / EVENT_BYTES,
          },
        ),
    ];
    let peakBuffered = 0;
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          sendAndExpectClose(bad[index % bad.length]!(), true),
        ),
      );
      peakBuffered = Math.max(peakBuffered, server.snapshot().bufferedBytes);
      await waitFor(
        'every bad connection to be closed',
        () => server.snapshot().connections.open === 0,
      );
      expect(server.snapshot().bufferedBytes).toBe(0);
    }
    expect(rejections).toHaveLength(200);
    expect(server.snapshot()).toMatchObject({
      events: 0,
      bufferedBytes: 0,
      connections: { open: 0, accepted: 200, rejected: 200 },
    });
    // At most one frame per open connection, ever.
    expect(peakBuffered).toBeLessThanOrEqual(20 * MAX_FRAME_BYTES);
    await expectServerStillServes();
  });

  it('counts what a real tracker sends next to rejected raw connections', async () => {
    await sendAndExpectClose(encodeFrame([], { magic: 3 }));
    const tracker = new AllocationTracker({ socketPath });
    tracker.alloc(4, 4096, 1);
    await tracker.close();
    await waitFor('the tracker event', () => server.snapshot().events === 1);
    expect(server.snapshot().devices['4']).toMatchObject({ liveBytes: 4096, allocs: 1 });
  });
});

describe('FrameDecoder', () => {
  it('decodes frames however the stream is sliced, holding at most one frame', () => {
    const stream = Buffer.concat([goodFrame(), encodeFrame([]), goodFrame()]);
    const decoder = new FrameDecoder();
    const counts: number[] = [];
    for (let offset = 0; offset < stream.length; offset++) {
      const rejection = decoder.push(stream.subarray(offset, offset + 1), (frame) => {
        counts.push(frame.eventCount);
        return null;
      });
      expect(rejection).toBeNull();
      expect(decoder.bufferedBytes).toBeLessThanOrEqual(goodFrame().length);
    }
    expect(counts).toEqual([2, 0, 2]);
    expect(decoder.bufferedBytes).toBe(0);
    expect(decoder.end()).toBeNull();
  });

  it('reads a frame inside one chunk in place, and gathers split frames into one reused buffer', () => {
    const decoder = new FrameDecoder();
    const seen: { ids: number[]; memory: ArrayBufferLike }[] = [];
    const onFrame = (frame: { events: Buffer; eventCount: number }) => {
      const ids = Array.from({ length: frame.eventCount }, (_, index) =>
        frame.events.readDoubleLE(index * 32 + 16),
      );
      seen.push({ ids, memory: frame.events.buffer });
      return null;
    };
    const framed = (first: number) =>
      encodeFrame([
        { kind: 'ALLOC', device: 1, bytes: 64, id: first },
        { kind: 'FREE', device: 1, id: first + 1 },
      ]);
    const whole = Buffer.concat([framed(1), framed(3)]);
    expect(decoder.push(whole, onFrame)).toBeNull();
    const split = Buffer.concat([framed(5), framed(7)]);
    const cut = split.length / 2 - 10; // inside the first frame's body, then inside the second's
    expect(decoder.push(split.subarray(0, cut), onFrame)).toBeNull();
    expect(decoder.bufferedBytes).toBe(framed(0).length);
    expect(decoder.push(split.subarray(cut, cut + framed(0).length), onFrame)).toBeNull();
    expect(decoder.push(split.subarray(cut + framed(0).length), onFrame)).toBeNull();
    expect(seen.map((frame) => frame.ids)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    expect(seen[0]!.memory).toBe(whole.buffer);
    expect(seen[1]!.memory).toBe(whole.buffer);
    expect(seen[2]!.memory).not.toBe(split.buffer);
    expect(seen[3]!.memory).toBe(seen[2]!.memory);
    expect(decoder.bufferedBytes).toBe(0);
  });
});
