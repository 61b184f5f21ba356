import { describe, expect, it } from 'vitest';
import { binding, skipWithoutBpf } from './helpers/bpf.js';

const skip = skipWithoutBpf();

describe.skipIf(skip)('startSyscallLoad (the benches’ producer threads)', () => {
  it("reports each thread's own CPU time, which the consumer-cost benches subtract", async () => {
    const started = process.hrtime.bigint();
    const load = binding().startSyscallLoad({
      cpus: [-1, -1],
      callsPerThread: 20_000,
      ratePerSecond: 0,
    });
    const result = await load.done;
    const wallNs = Number(process.hrtime.bigint() - started);
    expect(result.cpuNs).toHaveLength(2);
    for (const cpuNs of result.cpuNs) {
      // 20 000 getpgid calls take CPU time, and one thread cannot use more than the wall time.
      expect(cpuNs).toBeGreaterThan(0);
      expect(cpuNs).toBeLessThanOrEqual(wallNs);
    }
  });
});
