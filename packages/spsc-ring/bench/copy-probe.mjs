// What one `Uint8Array.prototype.set` of 8 KiB costs by where its source and target sit,
// plain ArrayBuffers against a SharedArrayBuffer (a ring's data area), in GB/s: the median of
// `rounds` timings of `copies` copies each. Run: node bench/copy-probe.mjs
// Both buffers are views into one allocation, so their distance is exactly the one named.
const SIZE = 8192;
const rounds = 9;
const copies = 2000;

function rate(source, target) {
  const timings = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < copies; i++) {
      source[0] = i;
      target.set(source);
    }
    timings.push((copies * SIZE) / ((performance.now() - started) * 1e6));
  }
  return timings.sort((a, b) => a - b)[rounds >> 1].toFixed(1);
}

function row(label, memory, distance) {
  const source = memory.subarray(0, SIZE).fill(7);
  const at = 4 * SIZE + distance;
  return `${label.padEnd(44)} ${rate(source, memory.subarray(at, at + SIZE)).padStart(6)} GB/s`;
}

const plain = new Uint8Array(1 << 20);
const shared = new Uint8Array(new SharedArrayBuffer(1 << 20));
console.log(`${SIZE}-byte copies, Node ${process.version}, ${process.arch}`);
for (const [label, memory, distance] of [
  ['plain → plain, n × 4 KiB + 2048 bytes apart', plain, 2048],
  ['plain → plain, n × 4 KiB + 16 bytes apart', plain, 16],
  ['shared → shared, n × 4 KiB + 16 bytes apart', shared, 16],
  ['shared → shared, n × 4 KiB + 2048 bytes apart', shared, 2048],
  ['shared → shared, n × 4 KiB + 1 byte apart', shared, 1],
]) {
  console.log(row(label, memory, distance));
}
