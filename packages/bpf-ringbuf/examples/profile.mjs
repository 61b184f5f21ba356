// A CPU profiler in the spirit of bcc's `profile`: samples every CPU 99 times a second
// (a perf_event on the CPU clock: no hardware PMU needed), and a BPF program counts each
// (process, kernel stack, user stack) it finds running in a hash map. Every second this
// reads the map, empties it and prints the busiest stacks, kernel frames named from
// /proc/kallsyms and user frames as addresses in the file they were mapped from.
// Run as root: node examples/profile.mjs [seconds] [pid] [top]   (pid 0: every process)
import { endianness } from 'node:os';
import { loadKernelSymbols, loadUserMappings, openObject } from '@ringkit/bpf-ringbuf';

const seconds = Number(process.argv[2] ?? 5);
const pid = Number(process.argv[3] ?? 0);
const top = Number(process.argv[4] ?? 5);
const frequency = 99; // off the beat of 100 Hz timers, as bcc's and perf's defaults are

const objectPath = new URL('../bpf/profile.bpf.o', import.meta.url).pathname;
// target_tgid is `const volatile` in .rodata: set before load, the verifier sees it as a constant.
const object = openObject(objectPath, { maps: { ring: null }, globals: { target_tgid: pid } });
const kernel = loadKernelSymbols(); // first: its half second of parsing is not sampled time
const link = object.program('ringkit_profile').attach({ kind: 'perf_event', frequency });
const counts = object.map('counts');
const stacks = object.map('stacks');
const littleEndian = endianness() === 'LE';
const EFAULT = 14; // bpf_get_stackid's "no stack of that kind" (a user-mode sample's kernel stack)

console.log(
  `profiling ${pid === 0 ? 'every process' : `process ${pid}`} at ${frequency} Hz on every CPU for ${seconds} s`,
);

/** struct profile_key (bpf/profile.bpf.c): pid, kernel and user stack ids, comm. */
function decodeKey(key) {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const comm = Buffer.from(key.subarray(16, 32)).toString('latin1');
  return {
    pid: view.getUint32(0, littleEndian),
    kernelStackId: view.getInt32(4, littleEndian),
    userStackId: view.getInt32(8, littleEndian),
    comm: comm.slice(0, comm.indexOf('\0') >>> 0),
  };
}

/** The frames of a stack id, or one line saying why there are none (nothing for EFAULT). */
function frames(stackId, format, kind) {
  if (stackId === -EFAULT) return [];
  if (stackId < 0) return [`[${kind} stack lost: error ${-stackId}]`];
  const addresses = stacks.stackTrace(stackId);
  return addresses === undefined ? [`[${kind} stack gone]`] : addresses.map(format);
}

function report(second, seconds) {
  const samples = [];
  for (const [key, value] of counts.entries()) {
    samples.push({
      ...decodeKey(key),
      count: new DataView(value.buffer, value.byteOffset).getBigUint64(0, littleEndian),
    });
    counts.delete(key); // deleting the key just read is safe while iterating
  }
  samples.sort((a, b) => (b.count > a.count ? 1 : b.count < a.count ? -1 : 0));
  const total = samples.reduce((sum, sample) => sum + sample.count, 0n);
  console.log(
    `--- second ${second} (${seconds.toFixed(2)} s): ${total} samples in ${samples.length} stacks`,
  );
  const mappings = new Map();
  for (const sample of samples.slice(0, top)) {
    if (!mappings.has(sample.pid)) {
      try {
        mappings.set(sample.pid, loadUserMappings(sample.pid));
      } catch {
        mappings.set(sample.pid, null); // the process exited: addresses stay bare
      }
    }
    const userMap = mappings.get(sample.pid);
    const user = frames(
      sample.userStackId,
      (address) => (userMap ? userMap.format(address) : `0x${address.toString(16)}`),
      'user',
    );
    const kernelFrames = frames(
      sample.kernelStackId,
      (address) => kernel.format(address),
      'kernel',
    );
    console.log(`${String(sample.count).padStart(6)} ${sample.comm} (${sample.pid})`);
    for (const frame of kernelFrames) console.log(`         ${frame}`);
    if (kernelFrames.length > 0 && user.length > 0) console.log('         --');
    for (const frame of user) console.log(`         ${frame}`);
  }
}

let last = performance.now();
for (let second = 1; second <= seconds; second++) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const now = performance.now();
  report(second, (now - last) / 1000); // the timer may fire late on a busy machine
  last = now;
}
link.detach();
object.close();
