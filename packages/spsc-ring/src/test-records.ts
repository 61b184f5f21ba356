/**
 * Self-checking test records, the TS twin of native/include/ringkit/test_records.hpp
 * (native producers and consumers write and check the same format): a record of any size ≥ 8
 * carries its sequence number, a checksum of (sequence, size) and filler derived
 * from the sequence, so a lost, duplicated, reordered or torn record is caught.
 */
export const MIN_TEST_RECORD = 8;

function mix(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

export function testRecordChecksum(sequence: number, size: number): number {
  return mix((sequence ^ (size << 20)) >>> 0);
}

export function writeTestRecord(
  data: Uint8Array,
  offset: number,
  size: number,
  sequence: number,
): void {
  const view = new DataView(data.buffer, data.byteOffset + offset, size);
  view.setUint32(0, sequence >>> 0, true);
  view.setUint32(4, testRecordChecksum(sequence >>> 0, size), true);
  for (let k = 8; k < size; k++) data[offset + k] = (sequence + k) & 0xff;
}

/** Empty string when the record is the expected one and whole, else what is wrong. */
export function checkTestRecord(
  data: Uint8Array,
  offset: number,
  size: number,
  expectedSequence: number,
): string {
  const view = new DataView(data.buffer, data.byteOffset + offset, size);
  const sequence = view.getUint32(0, true);
  if (sequence !== expectedSequence >>> 0)
    return `expected record ${expectedSequence >>> 0}, got ${sequence}`;
  if (view.getUint32(4, true) !== testRecordChecksum(sequence, size))
    return `record ${sequence} has a bad checksum`;
  for (let k = 8; k < size; k++) {
    if (data[offset + k] !== ((sequence + k) & 0xff))
      return `record ${sequence} is torn at byte ${k}`;
  }
  return '';
}
