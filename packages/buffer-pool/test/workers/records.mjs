// A test record (the native producer's pattern, role_support.hpp): [u32 sequence][u32 lane],
// then the u32 word Math.imul(sequence, 0x9e3779b1) repeated to the end, the last copy cut
// short (little-endian) — any torn or misplaced byte breaks the pattern.

/** The word a record of `sequence` repeats after its [sequence][lane] head. */
export const recordWord = (sequence) => Math.imul(sequence, 0x9e3779b1) >>> 0;

/** Writes a `length`-byte test record into `target` (a Uint8Array at the record's payload). */
export function writeRecord(target, length, lane, sequence) {
  const view = new DataView(target.buffer, target.byteOffset, length);
  view.setUint32(0, sequence, true);
  view.setUint32(4, lane, true);
  const word = recordWord(sequence);
  let at = 8;
  for (; at + 4 <= length; at += 4) view.setUint32(at, word, true);
  for (let byte = 0; at < length; at++, byte++) view.setUint8(at, (word >>> (8 * byte)) & 0xff);
}

/** The record's sequence number, or -1 when its bytes are not the pattern. */
export function checkRecord(bytes, at, length) {
  if (length < 8) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, length);
  const sequence = view.getUint32(0, true);
  const word = recordWord(sequence);
  let i = 8;
  for (; i + 4 <= length; i += 4) if (view.getUint32(i, true) !== word) return -1;
  for (let byte = 0; i < length; i++, byte++)
    if (view.getUint8(i) !== ((word >>> (8 * byte)) & 0xff)) return -1;
  return sequence;
}
