// A test record: [u32 sequence][u32 lane][bytes (sequence + i) & 0xff …] — any torn or
// misplaced byte breaks the pattern.
export function writeRecord(target, length, lane, sequence) {
  const view = new DataView(target.buffer, target.byteOffset, length);
  view.setUint32(0, sequence, true);
  view.setUint32(4, lane, true);
  for (let i = 8; i < length; i++) target[i] = (sequence + i) & 0xff;
}

/** The record's sequence number, or -1 when its bytes are not the pattern. */
export function checkRecord(bytes, at, length) {
  if (length < 8) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, length);
  const sequence = view.getUint32(0, true);
  for (let i = 8; i < length; i++) if (bytes[at + i] !== ((sequence + i) & 0xff)) return -1;
  return sequence;
}
