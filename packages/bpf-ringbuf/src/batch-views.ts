/**
 * Typed views of the data area a batch's events lie in, made once per batch object, so
 * that a consumer reads fields in place with one typed-array load each: `u32[(offset +
 * at) >>> 2]` for a u32 field at byte `at` of the event at byte `offset`, `f64[(offset +
 * at) >>> 3]` for a double, `dataView` for any alignment. The same names as
 * @ringkit/spsc-ring's `views`. Every view starts at byte 0 of the data area (where
 * `batch.offsets` count from) and covers it whole, rounded down to its element size; a
 * word view is empty where the data area itself does not start on a multiple of its
 * element size (never for the batches a reader hands out).
 */
export class BatchViews {
  readonly bytes: Uint8Array;
  readonly dataView: DataView;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;

  constructor(data: DataView) {
    const { buffer, byteOffset, byteLength } = data;
    const words = byteOffset % 4 === 0 ? byteLength >>> 2 : 0;
    const doubles = byteOffset % 8 === 0 ? byteLength >>> 3 : 0;
    this.bytes = new Uint8Array(buffer, byteOffset, byteLength);
    this.dataView = data;
    this.i32 = new Int32Array(buffer, byteOffset, words);
    this.u32 = new Uint32Array(buffer, byteOffset, words);
    this.f32 = new Float32Array(buffer, byteOffset, words);
    this.f64 = new Float64Array(buffer, byteOffset, doubles);
  }
}
