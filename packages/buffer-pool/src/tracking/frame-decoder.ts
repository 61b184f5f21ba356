import {
  EVENT_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  FrameField,
  MAX_EVENTS_PER_FRAME,
  MAX_FRAME_BYTES,
} from './layout.js';

/**
 * The largest gather buffer a decoder keeps between frames: a tracker's largest frame body.
 * A bigger frame (legal up to maxFrameBytes, but no tracker writes one) gets a buffer that is
 * let go once the frame is delivered, so an idle connection never sits on a megabyte.
 */
export const KEPT_BODY_BYTES = MAX_EVENTS_PER_FRAME * EVENT_BYTES;

/** Why the server closed a connection. */
export type RejectCode =
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'BAD_LENGTH'
  | 'BAD_EVENT'
  | 'OVERSIZED'
  | 'TRUNCATED'
  /** The connection began a frame and then sent nothing for idleTimeoutMs. */
  | 'IDLE_TIMEOUT';

export interface Rejection {
  readonly code: RejectCode;
  readonly reason: string;
}

export interface DecodedFrame {
  readonly clientId: number;
  readonly clientDropped: number;
  readonly timeOrigin: number;
  readonly eventCount: number;
  /** eventCount × 32 bytes; valid only while onFrame runs (the decoder reuses the memory). */
  readonly events: Buffer;
}

/**
 * Turns one connection's byte stream into whole frames, with bounded memory: the
 * header is checked as soon as its 40 bytes are in, and only then is room made
 * for the body it announces (at most maxFrameBytes). However the peer slices its
 * writes, a connection never holds more than one frame.
 *
 * A frame that arrives whole inside one chunk is handed over as a view of that
 * chunk; one split across chunks is gathered into a body buffer the decoder keeps
 * for the next split frame (as large as the largest such frame up to
 * KEPT_BODY_BYTES, a tracker's largest frame): at a tracker's event rates a fresh
 * buffer per frame was garbage, and memory the allocator often had to fault in
 * anew. A larger frame's buffer is let go once it is delivered, and dispose()
 * lets go of everything when the connection closes. So a frame's `events` are
 * valid only until `onFrame` returns.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** The body being gathered, sized from its validated header; null while reading a header. */
  private body: Buffer | null = null;
  private bodyFilled = 0;
  /** Backing memory for split bodies, kept between frames. */
  private bodyStore: Buffer | null = null;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Bytes held for the frame not yet complete. */
  get bufferedBytes(): number {
    return this.headerFilled + (this.body?.length ?? 0);
  }

  /** Bytes of gather buffer this decoder holds: the frame in progress's, or the one kept between frames. */
  get heldBytes(): number {
    return this.bodyStore?.length ?? 0;
  }

  /** True from a frame's first header byte until its last byte. */
  get inFrame(): boolean {
    return this.headerFilled > 0;
  }

  /** Adds bytes; hands each completed frame to `onFrame`. A rejection means: close the connection. */
  push(chunk: Buffer, onFrame: (frame: DecodedFrame) => Rejection | null): Rejection | null {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.body === null) {
        const copied = chunk.copy(this.header, this.headerFilled, offset);
        this.headerFilled += copied;
        offset += copied;
        if (this.headerFilled < FRAME_HEADER_BYTES) return null;
        const headerOrRejection = readHeader(this.header, this.maxFrameBytes);
        if ('code' in headerOrRejection) return this.refuse(headerOrRejection);
        const { payloadBytes } = headerOrRejection;
        if (chunk.length - offset >= payloadBytes) {
          // The whole body is here: no copy.
          const body = chunk.subarray(offset, offset + payloadBytes);
          offset += payloadBytes;
          const rejection = this.deliver(body, onFrame);
          if (rejection !== null) return rejection;
          continue;
        }
        this.body = this.bodyBuffer(payloadBytes);
      }
      const body = this.body;
      const copied = chunk.copy(body, this.bodyFilled, offset);
      this.bodyFilled += copied;
      offset += copied;
      if (this.bodyFilled < body.length) return null;
      const rejection = this.deliver(body, onFrame);
      if (rejection !== null) return rejection;
    }
    return null;
  }

  /** Hands the frame over and gets ready for the next header. */
  private deliver(
    body: Buffer,
    onFrame: (frame: DecodedFrame) => Rejection | null,
  ): Rejection | null {
    const frame = decodeFrame(this.header, body);
    this.release();
    const rejection = onFrame(frame);
    if (this.bodyStore !== null && this.bodyStore.length > KEPT_BODY_BYTES) this.bodyStore = null;
    return rejection === null ? null : this.refuse(rejection);
  }

  /** The connection ended: a frame begun and not finished is truncated. */
  end(): Rejection | null {
    this.bodyStore = null;
    if (this.headerFilled === 0) return null;
    const received = this.headerFilled + this.bodyFilled;
    const expected = FRAME_HEADER_BYTES + (this.body?.length ?? 0);
    return this.refuse({
      code: 'TRUNCATED',
      reason: `connection ended inside a frame: ${received} of ${this.body === null ? `at least ${expected}` : expected} bytes arrived`,
    });
  }

  /** The connection closed: lets go of the frame in progress and of the kept buffer. */
  dispose(): void {
    this.release();
    this.bodyStore = null;
  }

  /** Lets go of the frame in progress. */
  release(): void {
    this.headerFilled = 0;
    this.body = null;
    this.bodyFilled = 0;
  }

  private refuse(rejection: Rejection): Rejection {
    this.release();
    this.bodyStore = null;
    return rejection;
  }

  private bodyBuffer(bytes: number): Buffer {
    // Slow: a buffer of its own, not a slice of Buffer's shared pool, as it outlives many frames.
    if (this.bodyStore === null || this.bodyStore.length < bytes)
      this.bodyStore = Buffer.allocUnsafeSlow(bytes);
    return this.bodyStore.subarray(0, bytes);
  }
}

/** The header's payload size, or why the connection must close. */
function readHeader(
  header: Buffer,
  maxFrameBytes: number,
): { readonly payloadBytes: number } | Rejection {
  const magic = header.readUInt32LE(FrameField.MAGIC);
  if (magic !== FRAME_MAGIC)
    return {
      code: 'BAD_MAGIC',
      reason: `bad frame magic 0x${magic.toString(16).padStart(8, '0')} (expected 0x${FRAME_MAGIC.toString(16)}): not a ringkit tracking client`,
    };
  const version = header.readUInt16LE(FrameField.VERSION);
  if (version !== FRAME_VERSION)
    return {
      code: 'BAD_VERSION',
      reason: `frame version ${version} is not supported (this server reads version ${FRAME_VERSION})`,
    };
  const eventBytes = header.readUInt16LE(FrameField.EVENT_BYTES);
  const payloadBytes = header.readUInt32LE(FrameField.PAYLOAD_BYTES);
  const eventCount = header.readUInt32LE(FrameField.EVENT_COUNT);
  const total = FRAME_HEADER_BYTES + payloadBytes;
  if (total > maxFrameBytes)
    return {
      code: 'OVERSIZED',
      reason: `frame of ${total} bytes is over the ${maxFrameBytes}-byte maximum`,
    };
  if (eventBytes !== EVENT_BYTES || payloadBytes !== eventCount * EVENT_BYTES)
    return {
      code: 'BAD_LENGTH',
      reason: `frame says ${eventCount} events of ${eventBytes} bytes in ${payloadBytes} bytes (events are ${EVENT_BYTES} bytes)`,
    };
  return { payloadBytes };
}

function decodeFrame(header: Buffer, events: Buffer): DecodedFrame {
  return {
    clientId: header.readUInt32LE(FrameField.CLIENT_ID),
    clientDropped: header.readDoubleLE(FrameField.CLIENT_DROPPED),
    timeOrigin: header.readDoubleLE(FrameField.TIME_ORIGIN),
    eventCount: header.readUInt32LE(FrameField.EVENT_COUNT),
    events,
  };
}
