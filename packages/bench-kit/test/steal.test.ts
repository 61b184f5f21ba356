import { describe, expect, it } from 'vitest';
import { parseCpuLine, readCpuTimes, stealShare } from '../src/steal.js';

describe('the hypervisor’s share of the CPUs', () => {
  it('reads steal and the whole from /proc/stat’s cpu line, guests not counted twice', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice
    const times = parseCpuLine('cpu  5072262 1937 576107 3420671 21017 0 20962 75179 400 0');
    expect(times).toEqual({
      steal: 75179,
      total: 5072262 + 1937 + 576107 + 3420671 + 21017 + 0 + 20962 + 75179,
    });
  });

  it('refuses a line that is not the cpu total', () => {
    expect(parseCpuLine('cpu0 1 2 3 4 5 6 7 8 9 10')).toBeNull();
    expect(parseCpuLine('cpu 1 2 3')).toBeNull();
    expect(parseCpuLine('cpu 1 2 3 4 5 6 7 x')).toBeNull();
  });

  it('gives the stolen share of the time between two readings', () => {
    expect(stealShare({ steal: 10, total: 1000 }, { steal: 30, total: 1200 })).toBeCloseTo(0.1);
    expect(stealShare({ steal: 10, total: 1000 }, { steal: 10, total: 1000 })).toBe(0);
  });

  it('reads this machine where it runs Linux', () => {
    const times = readCpuTimes();
    if (process.platform !== 'linux') {
      expect(times).toBeNull();
      return;
    }
    expect(times?.total).toBeGreaterThan(0);
    expect(times?.steal).toBeGreaterThanOrEqual(0);
  });
});
