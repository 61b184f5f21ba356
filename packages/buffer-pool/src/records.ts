import { Record } from './layout.js';

/**
 * Records inside a buffer (layout.ts's Record, drawn in LAYOUT.md), each
 * starting 8-byte aligned (a buffer's size is a multiple of 8, so every buffer
 * starts aligned too). The bytes-used count that travels with the buffer id
 * says where the last record ends.
 */
export const RECORD_HEADER_BYTES = Record.HEADER_BYTES;
const ALIGNMENT_MASK = Record.ALIGNMENT - 1;

/** The bytes a record of `payloadLength` takes, header and padding included. */
export function recordSpan(payloadLength: number): number {
  return RECORD_HEADER_BYTES + ((payloadLength + ALIGNMENT_MASK) & ~ALIGNMENT_MASK);
}

export type RecordVisitor = (
  bytes: Uint8Array,
  payloadOffset: number,
  payloadLength: number,
  type: number,
) => void;

/**
 * Visits each record of a buffer handed to a collector. `bytes` is the block,
 * `offset`/`length` the buffer's filled part. Returns the records visited.
 */
export function forEachRecord(
  bytes: Uint8Array,
  offset: number,
  length: number,
  visit: RecordVisitor,
): number {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  const end = offset + length;
  let records = 0;
  for (let at = offset; at < end; records++) {
    const payloadLength = words[at >> 2]!;
    const type = words[(at >> 2) + 1]!;
    if (at + recordSpan(payloadLength) > end)
      throw new RangeError(
        `record at byte ${at - offset} claims ${payloadLength} bytes, past the buffer's ${length} filled bytes: the buffer was overwritten while in flight.`,
      );
    visit(bytes, at + RECORD_HEADER_BYTES, payloadLength, type);
    at += recordSpan(payloadLength);
  }
  return records;
}
