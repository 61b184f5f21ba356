import { join } from 'node:path';
import { BenchEvent, SchedSwitchEvent, SyscallEvent } from './layout.js';
import { packageRoot } from './native.js';
import { type BpfObject, type OpenOptions, openObject } from './object.js';
import { defineSchema, type FieldSpecs, type FieldType, type Schema } from './schema.js';

/**
 * A field of a built-in event at its src/layout.ts offset, typed `number` so the
 * exported schemas keep the types that literal offsets gave them.
 */
function at<T extends FieldType>(offset: number, type: T): { offset: number; type: T } {
  return { offset, type };
}

/** struct ringkit_syscall_event (bpf/ringkit_abi.h; LAYOUT.md). */
export const syscallEvent = defineSchema({
  name: 'syscall',
  size: SyscallEvent.BYTES,
  timestamp: 'timestampNs',
  fields: {
    timestampNs: at(SyscallEvent.TIMESTAMP_NS, 'u64'),
    cpu: at(SyscallEvent.CPU, 'u32'),
    pid: at(SyscallEvent.PID, 'u32'),
    tid: at(SyscallEvent.TID, 'u32'),
    syscallNr: at(SyscallEvent.SYSCALL_NR, 'i32'),
  },
});

/** struct ringkit_sched_switch_event. */
export const schedSwitchEvent = defineSchema({
  name: 'sched-switch',
  size: SchedSwitchEvent.BYTES,
  timestamp: 'timestampNs',
  fields: {
    timestampNs: at(SchedSwitchEvent.TIMESTAMP_NS, 'u64'),
    cpu: at(SchedSwitchEvent.CPU, 'u32'),
    prevPid: at(SchedSwitchEvent.PREV_PID, 'u32'),
    nextPid: at(SchedSwitchEvent.NEXT_PID, 'u32'),
    prevState: at(SchedSwitchEvent.PREV_STATE, 'u32'),
    prevComm: at(SchedSwitchEvent.PREV_COMM, 'char[16]'),
    nextComm: at(SchedSwitchEvent.NEXT_COMM, 'char[16]'),
  },
});

/** struct ringkit_bench_event. */
export const benchEvent = defineSchema({
  name: 'bench',
  size: BenchEvent.BYTES,
  timestamp: 'timestampNs',
  fields: {
    timestampNs: at(BenchEvent.TIMESTAMP_NS, 'u64'),
    cpu: at(BenchEvent.CPU, 'u32'),
    tid: at(BenchEvent.TID, 'u32'),
    index: at(BenchEvent.INDEX, 'u32'),
    call: at(BenchEvent.CALL, 'u32'),
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
