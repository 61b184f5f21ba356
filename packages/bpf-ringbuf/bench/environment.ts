// What a producer-cost figure depends on besides ringkit: the kernel's clock
// source (bpf_ktime_get_ns reads it on every event: tsc costs a few ns, a
// paravirtual clock such as kvm-clock far more) and the hook the bench program
// runs on (a raw tracepoint skips the tracepoint's argument marshalling). Bench
// descriptions carry both, so a result file says what it was measured under.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const objects = join(import.meta.dirname, '..', 'bpf');

/** The current clock source, or 'unknown' where sysfs does not say. */
export function clockSource(): string {
  try {
    return readFileSync(
      '/sys/devices/system/clocksource/clocksource0/current_clocksource',
      'utf8',
    ).trim();
  } catch {
    return 'unknown';
  }
}

/** The hook of a shipped program (bpf/NAME.bpf.o), from its ELF section name. */
export function programHook(program: string): string {
  const object = readFileSync(join(objects, `${program}.bpf.o`)).toString('latin1');
  const section = /\b(raw_tp|raw_tracepoint|tp|tracepoint)\/[a-z_]+\/?[a-z_]*/.exec(object)?.[0];
  if (section === undefined) return 'unknown hook';
  return `${section.startsWith('raw') ? 'raw tracepoint' : 'tracepoint'} ${section}`;
}

/** "clock source tsc, hook raw tracepoint raw_tp/sys_enter": for bench descriptions. */
export function producerEnvironment(program = 'bench'): string {
  return `clock source ${clockSource()}, hook ${programHook(program)}`;
}
