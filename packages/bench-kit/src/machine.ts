import { availableParallelism, cpus, loadavg } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** 1, 5 and 15 minute load averages when the run ended: a loaded machine explains a wide interval. */
  readonly loadAverage: readonly [number, number, number];
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
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
