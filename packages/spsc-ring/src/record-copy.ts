/**
 * Copies of one small record between a caller's `Uint8Array` and the ring's data
 * area, as 32-bit words rather than with `TypedArray.prototype.set`.
 *
 * Why: in Node 20 `set` is a builtin that calls into C, and for a 32-byte record
 * the call costs more than the copy. Across threads it costs more again: its
 * spilled registers queue in the store buffer behind the producer's stores to
 * lines the consumer holds, so a one-record push spends most of its time there.
 * The single-vs-* benches of bench/transport.bench.ts measure it.
 *
 * A word view of the caller's array needs its ArrayBuffer, and reading
 * `record.buffer` is itself slow, so the view is made once per record object,
 * the second time that object comes in a row: the usual producer fills one
 * scratch record per push. Any other record (a fresh array per push, an odd
 * offset or length, more than MAX_WORD_COPY_BYTES) is copied with `set`, after
 * one identity check. The copier keeps a reference to the last record it saw.
 *
 * 32-byte records are copied unrolled (across threads a loop of eight words was
 * measurably slower than the same copy unrolled); other sizes loop.
 */
export const MAX_WORD_COPY_BYTES = 64;

export class RecordCopier {
  /** The last record object seen. */
  private record: Uint8Array | null = null;
  /** Its word view: undefined until it comes a second time, null when it cannot have one. */
  private recordWords: Int32Array | null | undefined;

  constructor(
    /** The ring's data area as bytes and as words (both from offset 0 of the area). */
    private readonly dataBytes: Uint8Array,
    private readonly dataWords: Int32Array,
  ) {}

  /** Copies all of `record` to byte `offset` of the data area. */
  toRing(record: Uint8Array, offset: number): void {
    const words = this.wordsOf(record);
    if (words !== null && words.length === 8 && (offset & 3) === 0) {
      const to = this.dataWords;
      const at = offset >> 2;
      to[at] = words[0]!;
      to[at + 1] = words[1]!;
      to[at + 2] = words[2]!;
      to[at + 3] = words[3]!;
      to[at + 4] = words[4]!;
      to[at + 5] = words[5]!;
      to[at + 6] = words[6]!;
      to[at + 7] = words[7]!;
    } else this.toRingOtherwise(record, offset, words);
  }

  /** Copies `length` bytes (≤ target.length) from byte `offset` of the data area into `target`. */
  fromRing(target: Uint8Array, offset: number, length: number): void {
    const words = this.wordsOf(target);
    if (words !== null && length === 32 && words.length === 8 && (offset & 3) === 0) {
      const from = this.dataWords;
      const at = offset >> 2;
      words[0] = from[at]!;
      words[1] = from[at + 1]!;
      words[2] = from[at + 2]!;
      words[3] = from[at + 3]!;
      words[4] = from[at + 4]!;
      words[5] = from[at + 5]!;
      words[6] = from[at + 6]!;
      words[7] = from[at + 7]!;
    } else this.fromRingOtherwise(target, offset, length, words);
  }

  // Other sizes, out of the hot methods: V8 inlines a caller's callees only up to a total
  // bytecode budget, and tryPush must stay small enough to be inlined into the caller's loop.
  private toRingOtherwise(record: Uint8Array, offset: number, words: Int32Array | null): void {
    if (words === null || (offset & 3) !== 0) {
      this.dataBytes.set(record, offset);
      return;
    }
    const to = this.dataWords;
    const at = offset >> 2;
    for (let i = 0; i < words.length; i++) to[at + i] = words[i]!;
  }

  private fromRingOtherwise(
    target: Uint8Array,
    offset: number,
    length: number,
    words: Int32Array | null,
  ): void {
    if (words === null || ((offset | length) & 3) !== 0) {
      target.set(this.dataBytes.subarray(offset, offset + length));
      return;
    }
    const from = this.dataWords;
    const at = offset >> 2;
    for (let i = 0; i < length >> 2; i++) words[i] = from[at + i]!;
  }

  /** The record's words, when it has a usable view. */
  private wordsOf(record: Uint8Array): Int32Array | null {
    if (record !== this.record) {
      this.record = record;
      this.recordWords = undefined;
      return null;
    }
    let words = this.recordWords;
    if (words === undefined) this.recordWords = words = wordView(record);
    // A view of a resizable buffer that shrank reads as shorter than the record claims: copy bytes.
    return words !== null && words.length << 2 === record.length ? words : null;
  }
}

function wordView(record: Uint8Array): Int32Array | null {
  const length = record.length;
  if (length === 0 || length > MAX_WORD_COPY_BYTES || ((record.byteOffset | length) & 3) !== 0)
    return null;
  return new Int32Array(record.buffer, record.byteOffset, length >> 2);
}
