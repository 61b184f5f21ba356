/**
 * Typed views of a ring's data area, made once per end, so that a drain handler
 * or a claim's writer reads and writes fields in place: `u32[offset >> 2]` for a
 * u32 at byte `offset`, `f64[offset >> 3]` for a double, `dataView` for any
 * alignment or byte order, `text(offset, length)` for a UTF-8 string. Every view
 * starts at byte 0 of the data area (the `offset` drain handlers and claims give)
 * and covers it whole, rounded down to its element size. Slots and byte records
 * start 8-byte aligned, so a record's aligned fields map onto the word views.
 */
export class RingViews {
  readonly bytes: Uint8Array;
  readonly dataView: DataView;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  /**
   * The same bytes as a Node.js Buffer, for UTF-8 without a copy: Buffer's
   * `write` and `toString` encode into and decode from shared memory directly,
   * where TextEncoder/TextDecoder would need a view object per call.
   */
  private readonly utf8: Buffer;

  constructor(buffer: SharedArrayBuffer, dataOffset: number, dataBytes: number) {
    this.bytes = new Uint8Array(buffer, dataOffset, dataBytes);
    this.dataView = new DataView(buffer, dataOffset, dataBytes);
    this.i32 = new Int32Array(buffer, dataOffset, dataBytes >> 2);
    this.u32 = new Uint32Array(buffer, dataOffset, dataBytes >> 2);
    this.f32 = new Float32Array(buffer, dataOffset, dataBytes >> 2);
    this.f64 = new Float64Array(buffer, dataOffset, dataBytes >> 3);
    this.utf8 = Buffer.from(buffer, dataOffset, dataBytes);
  }

  /** The UTF-8 text of `length` bytes at byte `offset`, decoded straight from the ring. */
  text(offset: number, length: number): string {
    return this.utf8.toString('utf8', offset, offset + length);
  }

  /**
   * Encodes `text` as UTF-8 at byte `offset`, writing at most `room` bytes and
   * never part of a character. Returns the bytes written.
   */
  writeText(text: string, offset: number, room: number): number {
    return this.utf8.write(text, offset, room, 'utf8');
  }
}
