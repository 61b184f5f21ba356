// This process's syscalls, counted in the kernel: a program on raw_tp/sys_enter
// adds one per call to a BPF hash map keyed by syscall number, and JavaScript
// reads the map once at the end — no ring and no event per call. The object is
// the maps test fixture (one map of each type; its program fills
// `syscall_counts`). Run as root: node examples/syscall-counts.mjs [seconds]
import { readdirSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { openObject } from '@ringkit/bpf-ringbuf';

const seconds = Number(process.argv[2] ?? 1);
const objectPath = new URL('../test/fixtures/maps.bpf.o', import.meta.url).pathname;
const object = openObject(objectPath, { maps: { ring: null } }); // loads and attaches; no ring to read

// Keys and values are in the host's byte order, as the program wrote them. Key 0 of
// `target` is the process to count (a 4-byte key may be given as a number).
const littleEndian = endianness() === 'LE';
const pid = new Uint8Array(4);
new DataView(pid.buffer).setUint32(0, process.pid, littleEndian);
object.map('target').update(0, pid);

const until = Date.now() + seconds * 1000;
while (Date.now() < until) {
  statSync(import.meta.dirname);
  readdirSync(import.meta.dirname);
  await new Promise((resolve) => setImmediate(resolve));
}
object.map('target').update(0, new Uint8Array(4)); // 0: count nobody

const counts = [];
for (const [key, value] of object.map('syscall_counts').entries()) {
  const syscallNr = new DataView(key.buffer, key.byteOffset).getUint32(0, littleEndian);
  const calls = new DataView(value.buffer, value.byteOffset).getBigUint64(0, littleEndian);
  counts.push([syscallNr, Number(calls)]);
}
object.close();

counts.sort((a, b) => b[1] - a[1]);
const total = counts.reduce((sum, [, calls]) => sum + calls, 0);
console.log(
  `${total} syscalls by process ${process.pid} in ${seconds} s, ${counts.length} different`,
);
for (const [syscallNr, calls] of counts.slice(0, 5))
  console.log(`  syscall ${syscallNr}: ${calls}`);
