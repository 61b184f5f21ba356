/**
 * The tracking wire format, defined once. The 32-byte event the app writes into
 * its ring slot is, byte for byte, the event the server reads: the sender copies
 * slots into frames and never re-encodes them. Little-endian throughout (written
 * and read with DataView, so the byte order never depends on the CPU).
 *
 * Event (one ring slot, one record of a frame's body):
 *
 *   0        4          8                 16                24                32
 *   ├─ kind ─┼─ device ─┼───── bytes ─────┼─────── id ──────┼────── time ─────┤
 *     u32      u32        f64 (exact to     f64 (address or   f64 ms on the app's
 *     1 alloc  device     2⁵³ bytes; 0 for  buffer id, exact  performance.now()
 *     2 free   id         a free)           to 2⁵³)           clock, see timeOrigin
 *     3 register
 *
 * An event's time is the app's clock read at that event or at one shortly before it (never
 * after): the tracker reads it every `clockEvery` events (default 64) and at the first event
 * after each sender poll, so it lags by at most clockEvery − 1 events or one poll.
 *
 * Frame (one batch the sender writes; the server acts on whole frames only):
 *
 *   offset  field          type  value
 *    0      magic          u32   0x52544b52, "RKTR" in byte order
 *    4      version        u16   1
 *    6      eventBytes     u16   32
 *    8      payloadBytes   u32   eventCount × eventBytes
 *   12      eventCount     u32   events in this frame
 *   16      clientId       u32   random, one per tracker
 *   20      (zero)         u32
 *   24      clientDropped  f64   events this client dropped so far (ring full + while disconnected)
 *   32      timeOrigin     f64   Unix ms of the app's performance.now() zero
 *   40      events …             eventCount × 32 bytes, as above
 *
 * The server refuses a connection whose frame has another magic or version, a
 * payload that is not eventCount × 32 bytes, or a total over MAX_FRAME_BYTES; a
 * connection that ends inside a frame is truncated. `clientDropped` is cumulative,
 * so the server keeps the latest value per clientId and a reconnect never double-counts.
 */

export const EVENT_BYTES = 32;

/** Byte offsets inside one event. */
export const EventField = {
  KIND: 0,
  DEVICE: 4,
  BYTES: 8,
  ID: 16,
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

/** Byte offsets inside a frame header. */
export const FrameField = {
  MAGIC: 0,
  VERSION: 4,
  EVENT_BYTES: 6,
  PAYLOAD_BYTES: 8,
  EVENT_COUNT: 12,
  CLIENT_ID: 16,
  CLIENT_DROPPED: 24,
  TIME_ORIGIN: 32,
} as const;

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
  field: FrameField,
} as const;
export type FrameWriterLayout = typeof frameWriterLayout;
