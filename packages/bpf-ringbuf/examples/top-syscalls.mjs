// Top syscalls of this machine, live: the built-in `syscalls` program on per-CPU
// rings with the timer policy, consumed in batches, aggregated without an object
// per event. Run as root: node examples/top-syscalls.mjs [seconds]
import { openProgram, syscallEvent } from '@ringkit/bpf-ringbuf';

const seconds = Number(process.argv[2] ?? 3);
const tracer = openProgram('syscalls', {
  topology: 'per-cpu',
  policy: { kind: 'timer', periodMs: 5 },
});
const reader = tracer.read({ schema: syscallEvent });

const counts = new Map();
const done = (async () => {
  for await (const batch of reader) {
    const syscallNr = batch.get.syscallNr; // a typed accessor: reads straight from the ring
    for (let i = 0; i < batch.length; i++) {
      const nr = syscallNr(i);
      counts.set(nr, (counts.get(nr) ?? 0) + 1);
    }
  }
})();

setTimeout(async () => {
  await reader.stop(); // drains what the kernel still holds, then ends the loop above
  await done;
  const { reader: delivered, kernelDropped } = tracer.stats();
  tracer.close(); // detaches the program
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
  console.log(
    `${delivered.consumedEvents} syscalls in ${seconds} s, ${kernelDropped} dropped in the kernel`,
  );
  for (const [nr, count] of top) console.log(`  syscall ${nr}: ${(count / seconds).toFixed(0)}/s`);
}, seconds * 1000);
