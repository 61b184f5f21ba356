import { join } from 'node:path';
import { packageRoot } from './native.js';
import { type BpfObject, type OpenOptions, openObject } from './object.js';
import { defineSchema, type FieldSpecs, type Schema } from './schema.js';

/** struct ringkit_syscall_event (bpf/ringkit_abi.h). */
export const syscallEvent = defineSchema({
  name: 'syscall',
  size: 24,
  timestamp: 'timestampNs',
  fields: {
    timestampNs: { offset: 0, type: 'u64' },
    cpu: { offset: 8, type: 'u32' },
    pid: { offset: 12, type: 'u32' },
    tid: { offset: 16, type: 'u32' },
    syscallNr: { offset: 20, type: 'i32' },
  },
});

/** struct ringkit_sched_switch_event. */
export const schedSwitchEvent = defineSchema({
  name: 'sched-switch',
  size: 56,
  timestamp: 'timestampNs',
  fields: {
    timestampNs: { offset: 0, type: 'u64' },
    cpu: { offset: 8, type: 'u32' },
    prevPid: { offset: 12, type: 'u32' },
    nextPid: { offset: 16, type: 'u32' },
    prevState: { offset: 20, type: 'u32' },
    prevComm: { offset: 24, type: 'char[16]' },
    nextComm: { offset: 40, type: 'char[16]' },
  },
});

/** struct ringkit_bench_event. */
export const benchEvent = defineSchema({
  name: 'bench',
  size: 24,
  timestamp: 'timestampNs',
  fields: {
    timestampNs: { offset: 0, type: 'u64' },
    cpu: { offset: 8, type: 'u32' },
    tid: { offset: 12, type: 'u32' },
    index: { offset: 16, type: 'u32' },
    call: { offset: 20, type: 'u32' },
  },
});

export interface BuiltinProgram<F extends FieldSpecs> {
  /** The compiled object shipped in the package (bpf/NAME.bpf.o). */
  readonly objectPath: string;
  readonly schema: Schema<F>;
  readonly description: string;
}

function bpfFolder(): string {
  return join(packageRoot(), 'bpf');
}

/** The built-in programs: compiled objects ship in the package, so no clang is needed. */
export const programs = {
  syscalls: {
    objectPath: join(bpfFolder(), 'syscalls.bpf.o'),
    schema: syscallEvent,
    description: 'every syscall entry (raw tracepoint sys_enter): timestamp, CPU, pid, tid, number',
  },
  'sched-switch': {
    objectPath: join(bpfFolder(), 'sched_switch.bpf.o'),
    schema: schedSwitchEvent,
    description: 'every context switch (BTF tracepoint sched_switch): previous and next thread',
  },
  bench: {
    objectPath: join(bpfFolder(), 'bench.bpf.o'),
    schema: benchEvent,
    description: 'getpgid() calls of the target process, N events per call, R events per record',
  },
} as const;

export type BuiltinProgramName = keyof typeof programs;

/** Opens, loads and attaches a built-in program; read({ schema: programs[name].schema }) consumes it. */
export function openProgram(name: BuiltinProgramName, options: OpenOptions = {}): BpfObject {
  const program = programs[name];
  if (program === undefined)
    throw new TypeError(
      `unknown built-in program ${JSON.stringify(name)}: choose one of ${Object.keys(programs).join(', ')}.`,
    );
  return openObject(program.objectPath, options);
}
