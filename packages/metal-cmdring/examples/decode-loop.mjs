// examples/decode-loop.mjs — node examples/decode-loop.mjs [ringSize]
// A decode-like loop: record work into the next slot while the device runs the
// previous ones. Runs on the cpu backend anywhere; on cuda where there is a GPU.
import { backends, kernelArg, openRing } from '@ringkit/metal-cmdring';

const ringSize = Number(process.argv[2] ?? 3);
const gpu = backends().find((backend) => backend.name === 'cuda' && backend.available);
const ring = openRing({ backend: gpu ? 'cuda' : 'cpu', ringSize, timeoutMs: 1_000 });
const spin = gpu ? ring.builtinKernel('spin') : undefined;

const started = performance.now();
let last;
for (let step = 0; step < 2_000; step++) {
  const slot = await ring.acquire(); // resolves at once while a slot is free
  if (spin)
    slot.launch(spin, { grid: 1, block: 1, args: [kernelArg.u64(200_000), kernelArg.u64(0)] });
  else slot.busyFor(200); // 200 µs of "device" time on the executor thread
  last = ring.commit(slot); // never waits for the device
}
await last; // completions arrive in fence order
const seconds = (performance.now() - started) / 1000;

const stats = ring.stats(); // read from shared memory, no native call
console.log(`${ring.backend}, ring of ${ringSize}: ${(2_000 / seconds).toFixed(0)} commands/s`);
console.log(
  `acquisitions ${stats.totalAcquisitions}, waits ${stats.waitEvents}, reuse rate ${(100 * stats.reuseRate).toFixed(1)}%, average wait ${stats.avgWaitMs.toFixed(3)} ms`,
);
console.log(await ring.close()); // { drained: true, abandonedFences: 0 }
