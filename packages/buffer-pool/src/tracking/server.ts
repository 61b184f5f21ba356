import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { DeviceLedger, type DeviceTotals } from './device-ledger.js';
import { TrackingError } from './errors.js';
import {
  type DecodedFrame,
  FrameDecoder,
  type RejectCode,
  type Rejection,
} from './frame-decoder.js';
import { EVENT_BYTES, MAX_FRAME_BYTES } from './layout.js';
import { listenPrivately, removeSocketFile } from './socket-file.js';

export interface TrackingServerOptions {
  /**
   * Called once for each connection the server closes because of what it sent
   * (bad magic or version, a bad length or event, an oversized or truncated
   * frame). Default: one console.warn per such connection.
   */
  readonly onReject?: (reason: string, code: RejectCode) => void;
  /** The largest frame accepted, header included: each connection's buffering bound (default and maximum 1 MiB). */
  readonly maxFrameBytes?: number;
}

export interface TrackingSnapshot {
  /** Totals per device id. */
  readonly devices: Record<string, DeviceTotals>;
  readonly events: number;
  readonly frames: number;
  readonly connections: {
    readonly open: number;
    readonly accepted: number;
    /** Closed by the server for a malformed, oversized or truncated frame. */
    readonly rejected: number;
  };
  /** Events the clients say they dropped (ring full or while disconnected), summed over clients. */
  readonly clientsDropped: number;
  /** Bytes held for frames still arriving, over all connections. */
  readonly bufferedBytes: number;
}

function defaultOnReject(reason: string): void {
  console.warn(`ringkit tracking server: closed a connection: ${reason}`);
}

/**
 * Receives allocation events from AllocationTrackers over a Unix domain socket
 * (mode 0600) and keeps live bytes, peaks and counts per device. Bad input costs
 * the sender its connection, never the server its memory: each connection holds
 * at most one frame.
 */
export class TrackingServer {
  private readonly ledger = new DeviceLedger();
  private readonly sockets = new Set<Socket>();
  private readonly clientDropped = new Map<number, number>();
  private readonly onReject: (reason: string, code: RejectCode) => void;
  private readonly maxFrameBytes: number;
  private events = 0;
  private frames = 0;
  private accepted = 0;
  private rejected = 0;
  private bufferedBytes = 0;
  private closing: Promise<void> | null = null;
  private socketInode = 0;

  private constructor(
    readonly socketPath: string,
    private readonly server: Server,
    options: TrackingServerOptions,
  ) {
    this.onReject = options.onReject ?? defaultOnReject;
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  }

  /** Listens on `socketPath`, replacing a stale socket file but refusing a live server. */
  static async listen(
    socketPath: string,
    options: TrackingServerOptions = {},
  ): Promise<TrackingServer> {
    if (typeof socketPath !== 'string' || socketPath.length === 0)
      throw new TrackingError(
        'INVALID_OPTIONS',
        `TrackingServer.listen needs a socket path such as '/tmp/ringkit-tracking.sock', got ${String(socketPath)}.`,
      );
    const { maxFrameBytes } = options;
    if (
      maxFrameBytes !== undefined &&
      !(Number.isInteger(maxFrameBytes) && maxFrameBytes >= 72 && maxFrameBytes <= MAX_FRAME_BYTES)
    )
      throw new TrackingError(
        'INVALID_OPTIONS',
        `maxFrameBytes must be an integer from 72 (one event) to ${MAX_FRAME_BYTES}, maxFrameBytes=${String(maxFrameBytes)}.`,
      );
    const server = createServer();
    const tracking = new TrackingServer(resolve(socketPath), server, options);
    server.on('connection', (socket) => tracking.serve(socket));
    tracking.socketInode = await listenPrivately(server, tracking.socketPath);
    return tracking;
  }

  snapshot(): TrackingSnapshot {
    let clientsDropped = 0;
    for (const dropped of this.clientDropped.values()) clientsDropped += dropped;
    return {
      devices: this.ledger.snapshot(),
      events: this.events,
      frames: this.frames,
      connections: { open: this.sockets.size, accepted: this.accepted, rejected: this.rejected },
      clientsDropped,
      bufferedBytes: this.bufferedBytes,
    };
  }

  /** Stops listening, closes every connection and removes the socket file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      this.server.close(() => done());
      for (const socket of this.sockets) socket.destroy();
      removeSocketFile(this.socketPath, this.socketInode);
    });
    return this.closing;
  }

  private serve(socket: Socket): void {
    this.accepted++;
    this.sockets.add(socket);
    const decoder = new FrameDecoder(this.maxFrameBytes);
    let refused = false;
    const refuse = (rejection: Rejection) => {
      if (refused) return;
      refused = true;
      this.rejected++;
      this.onReject(rejection.reason, rejection.code);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      if (refused) return;
      const before = decoder.bufferedBytes;
      const rejection = decoder.push(chunk, (frame) => this.apply(frame));
      this.bufferedBytes += decoder.bufferedBytes - before;
      if (rejection !== null) refuse(rejection);
    });
    // Resets are the peer's business; what matters is whether a frame was cut off, judged at close.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.bufferedBytes -= decoder.bufferedBytes;
      const truncated = refused || this.closing !== null ? null : decoder.end();
      decoder.release();
      if (truncated !== null) refuse(truncated);
    });
  }

  private apply(frame: DecodedFrame): Rejection | null {
    const bad = DeviceLedger.findBadEvent(frame.events, frame.eventCount);
    if (bad !== -1)
      return {
        code: 'BAD_EVENT',
        reason: `event ${bad} of a frame has unknown kind ${frame.events.readUInt32LE(bad * EVENT_BYTES)}`,
      };
    this.ledger.apply(frame.events, frame.eventCount);
    this.events += frame.eventCount;
    this.frames++;
    this.clientDropped.set(frame.clientId, frame.clientDropped);
    return null;
  }
}
