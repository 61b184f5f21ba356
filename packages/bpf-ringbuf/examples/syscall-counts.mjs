// This process's syscalls, counted in the kernel: a program on raw_tp/sys_enter
// adds one per call to a BPF hash map keyed by syscall number, and JavaScript
// reads the map once at the end — no ring and no event per call. The object is
// the maps test fixture (one map of each type; its program fills
// `syscall_counts`). Run as root: node examples/syscall-counts.mjs [seconds]
import { readdirSync, statSync } from 'node:fs';
import { defineSchema, openObject } from '@ringkit/bpf-ringbuf';

const seconds = Number(process.argv[2] ?? 1);
const objectPath = new URL('../test/fixtures/maps.bpf.o', import.meta.url).pathname;
const object = openObject(objectPath, { maps: { ring: null } }); // loads and attaches; no ring to read

// Keys and values as objects, through schemas of the program's structs (schemaFromBtf
// builds one from a struct in the object's BTF). Key 0 of `target` is the process to count.
const process32 = defineSchema({
  name: 'pid',
  size: 4,
  fields: { pid: { offset: 0, type: 'u32' } },
});
const syscallKey = defineSchema({
  name: 'nr',
  size: 4,
  fields: { nr: { offset: 0, type: 'u32' } },
});
const calls = defineSchema({
  name: 'calls',
  size: 8,
  fields: { calls: { offset: 0, type: 'u64' } },
});
const target = object.map('target').withSchema({ value: process32 });
target.update(0, { pid: process.pid });

const until = Date.now() + seconds * 1000;
while (Date.now() < until) {
  statSync(import.meta.dirname);
  readdirSync(import.meta.dirname);
  await new Promise((resolve) => setImmediate(resolve));
}
target.update(0, { pid: 0 }); // 0: count nobody

const counts = [];
const syscallCounts = object.map('syscall_counts').withSchema({ key: syscallKey, value: calls });
for (const [{ nr }, value] of syscallCounts.entries()) counts.push([nr, value.calls]);
object.close();

counts.sort((a, b) => b[1] - a[1]);
const total = counts.reduce((sum, [, calls]) => sum + calls, 0);
console.log(
  `${total} syscalls by process ${process.pid} in ${seconds} s, ${counts.length} different`,
);
for (const [syscallNr, calls] of counts.slice(0, 5))
  console.log(`  syscall ${syscallNr}: ${calls}`);
