import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** 1, 5 and 15 minute load averages when the run ended: a loaded machine explains a wide interval. */
  readonly loadAverage: readonly [number, number, number];
  /** The kernel's release (`uname -r`): hook costs and probes differ between kernels. */
  readonly kernel?: string;
  /**
   * Linux's clock source (tsc, kvm-clock, hpet…): what a timestamp costs, so figures that read
   * the clock per event (a BPF program's bpf_ktime_get_ns) mean little without it. Absent elsewhere.
   */
  readonly clockSource?: string;
}

export function describeMachine(): MachineInfo {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadAverage: [round2(one), round2(five), round2(fifteen)],
    kernel: release(),
    ...clockSourceField(),
  };
}

const CLOCK_SOURCE = '/sys/devices/system/clocksource/clocksource0/current_clocksource';

function clockSourceField(): { clockSource?: string } {
  try {
    return { clockSource: readFileSync(CLOCK_SOURCE, 'utf8').trim() };
  } catch {
    return {}; // not Linux, or sysfs not mounted: the field is left out rather than guessed
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
