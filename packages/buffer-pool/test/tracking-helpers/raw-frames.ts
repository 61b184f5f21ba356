import { connect, type Socket } from 'node:net';
import {
  EVENT_BYTES,
  EventField,
  EventKind,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  FrameField,
} from '../../src/tracking/layout.js';

export interface RawEvent {
  readonly kind: keyof typeof EventKind;
  readonly device: number;
  readonly bytes?: number;
  readonly id: number;
}

/** A frame as a client writes it, with any header field overridable to make it bad. */
export function encodeFrame(
  events: readonly RawEvent[],
  override: Partial<{
    magic: number;
    version: number;
    payloadBytes: number;
    eventCount: number;
  }> = {},
): Buffer {
  const frame = Buffer.alloc(FRAME_HEADER_BYTES + events.length * EVENT_BYTES);
  frame.writeUInt32LE(override.magic ?? FRAME_MAGIC, FrameField.MAGIC);
  frame.writeUInt16LE(override.version ?? FRAME_VERSION, FrameField.VERSION);
  frame.writeUInt16LE(EVENT_BYTES, FrameField.EVENT_BYTES);
  frame.writeUInt32LE(
    override.payloadBytes ?? events.length * EVENT_BYTES,
    FrameField.PAYLOAD_BYTES,
  );
  frame.writeUInt32LE(override.eventCount ?? events.length, FrameField.EVENT_COUNT);
  frame.writeUInt32LE(7, FrameField.CLIENT_ID);
  frame.writeDoubleLE(0, FrameField.CLIENT_DROPPED);
  frame.writeDoubleLE(performance.timeOrigin, FrameField.TIME_ORIGIN);
  events.forEach((event, index) => {
    const base = FRAME_HEADER_BYTES + index * EVENT_BYTES;
    frame.writeUInt32LE(EventKind[event.kind], base + EventField.KIND);
    frame.writeUInt32LE(event.device, base + EventField.DEVICE);
    frame.writeDoubleLE(event.bytes ?? 0, base + EventField.BYTES);
    frame.writeDoubleLE(event.id, base + EventField.ID);
    frame.writeDoubleLE(performance.now(), base + EventField.TIME);
  });
  return frame;
}

/** Connects a raw socket; resolves once connected. */
export function rawConnect(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the server has closed this connection (or it errored). */
export function closedByPeer(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.on('error', () => {});
    socket.on('data', () => {});
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}
