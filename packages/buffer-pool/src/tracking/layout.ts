/**
 * The tracking wire format, defined once; LAYOUT.md draws the event and the
 * frame. The 32-byte event the app writes into its ring slot is, byte for byte,
 * the event the server reads: the sender copies slots into frames and never
 * re-encodes them. Little-endian throughout (written and read with DataView, so
 * the byte order never depends on the CPU). TypeScript's alone: no C++ writes or
 * reads it, so src/layout.ts and its agreement test leave it out.
 *
 * An event's time is the app's clock read at that event or at one shortly before it (never
 * after): the tracker reads it every `clockEvery` events (default 64) and at the first event
 * after each sender poll, so it lags by at most clockEvery − 1 events or one poll.
 *
 * The server refuses a connection whose frame has another magic or version, a
 * payload that is not eventCount × 32 bytes, or a total over MAX_FRAME_BYTES; a
 * connection that ends inside a frame is truncated. `clientDropped` is cumulative,
 * so the server keeps the latest value per clientId and a reconnect never double-counts.
 */

export const EVENT_BYTES = 32;

/** Byte offsets inside one event. */
export const EventField = {
  /** u32, an EventKind. */
  KIND: 0,
  /** u32 device id. */
  DEVICE: 4,
  /** f64, exact to 2⁵³ bytes; 0 for a free. */
  BYTES: 8,
  /** f64 address or buffer id, exact to 2⁵³. */
  ID: 16,
  /** f64 ms on the app's performance.now() clock (see FrameField.TIME_ORIGIN). */
  TIME: 24,
} as const;

export const EventKind = {
  ALLOC: 1,
  FREE: 2,
  REGISTER: 3,
} as const;
export type EventKindName = keyof typeof EventKind;

/** "RKTR" read as a little-endian u32. */
export const FRAME_MAGIC = 0x52544b52;
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 40;

/** Byte offsets inside a frame header; its events follow it, eventCount × EVENT_BYTES. */
export const FrameField = {
  /** u32 FRAME_MAGIC. */
  MAGIC: 0,
  /** u16 FRAME_VERSION. */
  VERSION: 4,
  /** u16 EVENT_BYTES. */
  EVENT_BYTES: 6,
  /** u32 eventCount × eventBytes. */
  PAYLOAD_BYTES: 8,
  /** u32 events in this frame. */
  EVENT_COUNT: 12,
  /** u32, random, one per tracker; bytes 20–23 are zero. */
  CLIENT_ID: 16,
  /** f64 events this client dropped so far (ring full + while disconnected). */
  CLIENT_DROPPED: 24,
  /** f64 Unix ms of the app's performance.now() zero. */
  TIME_ORIGIN: 32,
} as const;

/**
 * The one byte a server writes on a connection it serves, before anything else. A tracker
 * sends no frame until it has read it: a connection refused at the server's limit is closed
 * without it, so nothing the tracker records meanwhile is written into a socket nobody reads
 * (it is counted dropped while disconnected instead).
 */
export const SERVER_ACCEPTS = 0x41;

/** The largest frame (header included) a server accepts: its per-connection buffering bound. */
export const MAX_FRAME_BYTES = 1 << 20;

/** The sender's frames stay well under the server's maximum: 4096 events, 128 KiB of payload. */
export const MAX_EVENTS_PER_FRAME = 4096;

/** Everything the sender thread needs to write frames, handed over in workerData (it cannot import). */
export const frameWriterLayout = {
  magic: FRAME_MAGIC,
  version: FRAME_VERSION,
  headerBytes: FRAME_HEADER_BYTES,
  eventBytes: EVENT_BYTES,
  maxEventsPerFrame: MAX_EVENTS_PER_FRAME,
  serverAccepts: SERVER_ACCEPTS,
  field: FrameField,
} as const;
export type FrameWriterLayout = typeof frameWriterLayout;
