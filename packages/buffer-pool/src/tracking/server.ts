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
import { EVENT_BYTES, MAX_FRAME_BYTES, SERVER_ACCEPTS } from './layout.js';
import { listenPrivately, removeSocketFile } from './socket-file.js';

export interface TrackingServerOptions {
  /**
   * Called once for each connection the server closes because of what it sent
   * (bad magic or version, a bad length or event, an oversized or truncated
   * frame) or stopped sending (IDLE_TIMEOUT: stalled inside a frame). Refusals at
   * the connection limit are only counted. Default: one console.warn per such connection.
   */
  readonly onReject?: (reason: string, code: RejectCode) => void;
  /** The largest frame accepted, header included: each connection's buffering bound (default and maximum 1 MiB). */
  readonly maxFrameBytes?: number;
  /**
   * Connections served at once (default 64: one per tracking process of a host, with room).
   * One more is closed as soon as it is accepted and counted in `connections.refused`; with
   * maxFrameBytes this bounds the server's frame buffering to maxConnections × maxFrameBytes.
   */
  readonly maxConnections?: number;
  /**
   * A connection that has begun a frame and then sends nothing for this long, in ms, is
   * closed and counted in `connections.idleTimeouts` (default 10 000). A tracker writes a
   * frame in one go, so only a stalled or hostile peer sits inside a frame. A connection idle
   * between frames stays: a tracker keeps its connection through quiet spells, and it holds
   * no frame, only its socket and a gather buffer of at most 128 KiB.
   */
  readonly idleTimeoutMs?: number;
}

/** Default connection limit. */
export const DEFAULT_MAX_CONNECTIONS = 64;
/** Default time a connection may stall inside a frame, in ms. */
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/** The most connections `maxConnections` may allow. */
const MAX_MAX_CONNECTIONS = 65_536;
/** The longest idleTimeoutMs: Node's timers hold at most 2³¹ − 1 ms. */
const MAX_IDLE_TIMEOUT_MS = 2 ** 31 - 1;

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
    /** Closed as soon as accepted because maxConnections were open (not counted in `accepted`). */
    readonly refused: number;
    /** Closed because they began a frame and sent nothing more for idleTimeoutMs. */
    readonly idleTimeouts: number;
  };
  /** Events the clients say they dropped (ring full or while disconnected), summed over clients. */
  readonly clientsDropped: number;
  /** Bytes held for frames still arriving, over all connections. */
  readonly bufferedBytes: number;
  /**
   * Bytes of gather buffers the open connections hold: frames still arriving, and the
   * buffer each keeps for its next split frame (at most 128 KiB). At most
   * maxConnections × maxFrameBytes; 0 once every connection has closed.
   */
  readonly heldBytes: number;
}

function defaultOnReject(reason: string): void {
  console.warn(`ringkit tracking server: closed a connection: ${reason}`);
}

/**
 * Receives allocation events from AllocationTrackers over a Unix domain socket
 * (mode 0600) and keeps live bytes, peaks and counts per device. Bad input costs
 * the sender its connection, never the server its memory: each connection holds
 * at most one frame, at most maxConnections are served, and one that stalls inside
 * a frame is closed after idleTimeoutMs.
 */
export class TrackingServer {
  private readonly ledger = new DeviceLedger();
  /** Each open connection and its decoder. */
  private readonly sockets = new Map<Socket, FrameDecoder>();
  private readonly clientDropped = new Map<number, number>();
  private readonly onReject: (reason: string, code: RejectCode) => void;
  private readonly maxFrameBytes: number;
  private readonly maxConnections: number;
  private readonly idleTimeoutMs: number;
  private events = 0;
  private frames = 0;
  private accepted = 0;
  private rejected = 0;
  private refused = 0;
  private idleTimeouts = 0;
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
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
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
    const { maxConnections, idleTimeoutMs } = options;
    if (
      maxConnections !== undefined &&
      !(
        Number.isInteger(maxConnections) &&
        maxConnections >= 1 &&
        maxConnections <= MAX_MAX_CONNECTIONS
      )
    )
      throw new TrackingError(
        'INVALID_OPTIONS',
        `maxConnections must be an integer from 1 to ${MAX_MAX_CONNECTIONS} (default ${DEFAULT_MAX_CONNECTIONS}), maxConnections=${String(maxConnections)}.`,
      );
    if (
      idleTimeoutMs !== undefined &&
      !(
        typeof idleTimeoutMs === 'number' &&
        idleTimeoutMs > 0 &&
        idleTimeoutMs <= MAX_IDLE_TIMEOUT_MS
      )
    )
      throw new TrackingError(
        'INVALID_OPTIONS',
        `idleTimeoutMs must be a positive number of milliseconds up to ${MAX_IDLE_TIMEOUT_MS} (default ${DEFAULT_IDLE_TIMEOUT_MS}), idleTimeoutMs=${String(idleTimeoutMs)}.`,
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
    let heldBytes = 0;
    for (const decoder of this.sockets.values()) heldBytes += decoder.heldBytes;
    return {
      devices: this.ledger.snapshot(),
      events: this.events,
      frames: this.frames,
      connections: {
        open: this.sockets.size,
        accepted: this.accepted,
        rejected: this.rejected,
        refused: this.refused,
        idleTimeouts: this.idleTimeouts,
      },
      clientsDropped,
      bufferedBytes: this.bufferedBytes,
      heldBytes,
    };
  }

  /** Stops listening, closes every connection and removes the socket file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((done) => {
      this.server.close(() => done());
      for (const socket of this.sockets.keys()) socket.destroy();
      removeSocketFile(this.socketPath, this.socketInode);
    });
    return this.closing;
  }

  private serve(socket: Socket): void {
    if (this.sockets.size >= this.maxConnections || this.closing !== null) {
      // Closed without the accept byte: the tracker has written nothing (it waits for that
      // byte), sees its connection close, counts what it records meanwhile as
      // droppedWhileDisconnected and retries with backoff (at most every 2 s by default).
      this.refused++;
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    this.accepted++;
    // The tracker's go-ahead (layout.ts's SERVER_ACCEPTS): it sends no frame before reading it.
    socket.write(Uint8Array.of(SERVER_ACCEPTS));
    const decoder = new FrameDecoder(this.maxFrameBytes);
    this.sockets.set(socket, decoder);
    let refused = false;
    /** Whether the idle timer runs: only while a frame is in progress. */
    let timing = false;
    const refuse = (rejection: Rejection) => {
      if (refused) return;
      refused = true;
      if (rejection.code === 'IDLE_TIMEOUT') this.idleTimeouts++;
      else this.rejected++;
      this.onReject(rejection.reason, rejection.code);
      socket.destroy();
    };
    socket.on('data', (chunk: Buffer) => {
      if (refused) return;
      const before = decoder.bufferedBytes;
      const rejection = decoder.push(chunk, (frame) => this.apply(frame));
      this.bufferedBytes += decoder.bufferedBytes - before;
      if (rejection !== null) return refuse(rejection);
      // Armed when a frame begins, disarmed when the stream is between frames again; while
      // armed, Node restarts the timer at every read.
      if (decoder.inFrame !== timing) {
        timing = decoder.inFrame;
        socket.setTimeout(timing ? this.idleTimeoutMs : 0);
      }
    });
    socket.on('timeout', () => {
      if (!decoder.inFrame) return;
      refuse({
        code: 'IDLE_TIMEOUT',
        reason: `began a frame (${decoder.bufferedBytes} bytes held for it), then sent nothing for ${this.idleTimeoutMs} ms`,
      });
    });
    // Resets are the peer's business; what matters is whether a frame was cut off, judged at close.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.bufferedBytes -= decoder.bufferedBytes;
      const truncated = refused || this.closing !== null ? null : decoder.end();
      decoder.dispose();
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
