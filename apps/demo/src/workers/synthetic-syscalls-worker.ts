/**
 * The synthetic syscall source: stands in for the kernel where BPF cannot run.
 * It writes events in the `syscalls` program's layout (24 bytes: u64 timestamp
 * ns, u32 cpu, u32 pid, u32 tid, i32 syscall number) at a steady rate into a
 * ring in POSIX shared memory that it attaches by name, as another process
 * would. The ring drops (and counts) what does not fit, like a kernel ring.
 */
import { workerData } from 'node:worker_threads';
import { attachShared, FixedProducer } from '@ringkit/spsc-ring';
import { syscallNumber } from '../syscall-names.js';
import {
  SYNTHETIC_BATCH as BATCH,
  SyntheticWord,
  type SyntheticWorkerData,
} from './synthetic-protocol.js';

const RECORD_BYTES = 24;
/** How often the source wakes to catch up with its rate. */
const TICK_MS = 2;

/** A plausible mix for a busy server: weights per syscall. */
const MIX: readonly [string, number][] = [
  ['futex', 28],
  ['read', 14],
  ['epoll_wait', 12],
  ['write', 11],
  ['recvfrom', 7],
  ['sendto', 6],
  ['openat', 4],
  ['close', 4],
  ['fstat', 3],
  ['mmap', 3],
  ['clock_nanosleep', 3],
  ['ioctl', 2],
  ['getpid', 2],
  ['madvise', 1],
];

const { sharedName, words, ratePerSecond, cpus } = workerData as SyntheticWorkerData;
const control = new Float64Array(words);
const flags = new Int32Array(words, 0, 2);
const producer = FixedProducer.attach(attachShared(sharedName));

// A cumulative table, so drawing a syscall is one random number and a short scan.
const totalWeight = MIX.reduce((sum, [, weight]) => sum + weight, 0);
let running = 0;
const table = MIX.map(([name, weight]) => {
  running += weight / totalWeight;
  return { nr: syscallNumber(name), upTo: running };
});
function drawSyscall(): number {
  const r = Math.random();
  for (const entry of table) if (r < entry.upTo) return entry.nr;
  return table[table.length - 1]!.nr;
}

const batch = new Uint8Array(BATCH * RECORD_BYTES);
const view = new DataView(batch.buffer);
const started = process.hrtime.bigint();
let produced = 0;

while (Atomics.load(flags, SyntheticWord.STOP) === 0) {
  const now = process.hrtime.bigint();
  const due = Math.floor((Number(now - started) / 1e9) * ratePerSecond) - produced;
  for (let left = due; left > 0; ) {
    const count = Math.min(left, BATCH);
    for (let i = 0; i < count; i++) {
      const at = i * RECORD_BYTES;
      // Spread the batch over the tick so the timeline looks like arrivals, not bursts.
      view.setBigUint64(at, now - BigInt(Math.round(((count - i) * 1e9) / ratePerSecond)), true);
      const cpu = (Math.random() * cpus) | 0;
      const pid = 1000 + ((Math.random() * 4) | 0);
      view.setUint32(at + 8, cpu, true);
      view.setUint32(at + 12, pid, true);
      view.setUint32(at + 16, pid + cpu, true);
      view.setInt32(at + 20, drawSyscall(), true);
    }
    // Counted as produced before the push: whatever does not fit the ring counts as dropped there.
    produced += count;
    control[SyntheticWord.PRODUCED] = produced;
    producer.pushBatch(batch, count);
    left -= count;
  }
  Atomics.wait(flags, SyntheticWord.STOP, 0, TICK_MS);
}
producer.close();
control[SyntheticWord.PRODUCED] = produced;
