// Run with --expose-gc: create, attach and unlink 10 000 shared rings, then
// report the file descriptors and mappings before and after (collected).
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { attachShared, createShared, unlinkShared } from '../../dist/index.js';

// Every mapping of a shared-memory object names its /dev/shm file in /proc/self/maps.
const count = () => {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  return {
    fds: readdirSync('/proc/self/fd').length,
    maps: maps.length,
    sharedMaps: maps.filter((line) => line.includes('/dev/shm/')).length,
  };
};
const settle = async () => {
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await sleep(20); // the backing-store deleters run on a V8 background thread
  }
};
const name = `ringkit-leak-${process.pid}`;
createShared(name, { kind: 'fixed', capacity: 16, recordSize: 8 });
attachShared(name);
unlinkShared(name);
await settle();
const before = count();
for (let i = 0; i < 10_000; i++) {
  createShared(name, { kind: 'fixed', capacity: 16, recordSize: 8 });
  attachShared(name);
  unlinkShared(name);
  if (i % 1000 === 999) await settle();
}
await settle();
console.log(JSON.stringify({ before, after: count() }));
