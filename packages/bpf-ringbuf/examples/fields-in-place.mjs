// Syscalls per CPU and the busiest processes, read in place: mode 'direct' (the JS
// thread walks the kernel rings itself, no reader thread) and every field with one
// typed-array load. `batch.offsets[i]` is where event i lies in the data area and
// `batch.views.u32` is that area as 32-bit words, so a u32 field at byte `at` of an
// event is `u32[(offsets[i] + at) >>> 2]`. The cheapest way to read every event;
// `batch.get.field(i)` reads the same through a call per field.
// Run as root: node examples/fields-in-place.mjs [seconds]
import { openProgram, syscallEvent } from '@ringkit/bpf-ringbuf';

const seconds = Number(process.argv[2] ?? 2);
const tracer = openProgram('syscalls', {
  topology: 'per-cpu',
  policy: { kind: 'timer', periodMs: 10 },
});
const reader = tracer.read({ schema: syscallEvent, mode: 'direct' });

const perCpu = new Map();
const perProcess = new Map();
let misplaced = 0;
const done = reader.onBatch((batch) => {
  // Syscall events are whole 32-bit words, so every batch is word-aligned (batch.wordAligned);
  // an event layout that is not would read views.dataView instead.
  const { offsets, views } = batch; // valid until this callback returns, like the batch
  const u32 = views.u32;
  // Each field's 32-bit word within an event (its byte offset over 4), in locals: a hot loop
  // reads a local or a literal faster than a module-level constant.
  const cpuWord = syscallEvent.fields.cpu.offset >>> 2;
  const pidWord = syscallEvent.fields.pid.offset >>> 2;
  const cpu = reader.rings[batch.ring].cpu; // per-CPU rings: ring i is CPU i's
  for (let i = 0; i < offsets.length; i++) {
    const at = offsets[i] >>> 2;
    if (u32[at + cpuWord] !== cpu) misplaced++;
    const pid = u32[at + pidWord];
    perProcess.set(pid, (perProcess.get(pid) ?? 0) + 1);
  }
  perCpu.set(cpu, (perCpu.get(cpu) ?? 0) + offsets.length);
});

setTimeout(async () => {
  await reader.stop(); // a last walk of the rings, then the callback's promise settles
  await done;
  const kernelDropped = tracer.kernelDropped();
  tracer.close();
  const total = [...perCpu.values()].reduce((sum, count) => sum + count, 0);
  console.log(
    `${total} syscalls in ${seconds} s, ${kernelDropped} dropped in the kernel, ${misplaced} in another CPU's ring`,
  );
  for (const [cpu, count] of [...perCpu].sort((a, b) => a[0] - b[0]))
    console.log(`  cpu ${cpu}: ${count}`);
  for (const [pid, count] of [...perProcess].sort((a, b) => b[1] - a[1]).slice(0, 3))
    console.log(`  process ${pid}: ${count}`);
}, seconds * 1000);
