import { native } from './errors.js';
import { BpfLink } from './link.js';
import type { RawObject } from './native-binding.js';

/**
 * Where `program.attach()` attaches a program, whatever its section says. The program's
 * type must fit the kind (WRONG_PROGRAM_TYPE otherwise): SEC("tracepoint") programs
 * attach as 'tracepoint', SEC("raw_tp") as 'raw_tracepoint', SEC("kprobe"),
 * SEC("uprobe") and SEC("usdt") as any of 'kprobe', 'kretprobe', 'uprobe', 'uretprobe'
 * or 'usdt', SEC("perf_event") as 'perf_event'. A target that does not exist throws
 * ATTACH_TARGET_NOT_FOUND, saying where to list what does.
 */
export type AttachTarget =
  /** A tracefs tracepoint: /sys/kernel/tracing/events/CATEGORY/NAME. */
  | { readonly kind: 'tracepoint'; readonly category: string; readonly name: string }
  /** A raw tracepoint by name (e.g. 'sys_enter'): no tracefs needed. */
  | { readonly kind: 'raw_tracepoint'; readonly name: string }
  /** A kernel function's entry (or return), `offset` bytes into it (default 0). */
  | {
      readonly kind: 'kprobe' | 'kretprobe';
      readonly function: string;
      readonly offset?: number;
    }
  /**
   * A function of an executable or shared library (a path, or a library name the
   * loader resolves, e.g. 'libc.so.6'): by symbol name, by offset in the file, or the
   * offset past the symbol; only process `pid`'s calls (default: every process's).
   */
  | {
      readonly kind: 'uprobe' | 'uretprobe';
      readonly binary: string;
      readonly function?: string;
      readonly offset?: number;
      readonly pid?: number;
    }
  /** A USDT probe (DTRACE_PROBE / STAP_PROBE of <sys/sdt.h>); the program needs <bpf/usdt.bpf.h>. */
  | {
      readonly kind: 'usdt';
      readonly binary: string;
      readonly provider: string;
      readonly name: string;
      readonly pid?: number;
    }
  /**
   * Sampling on the CPU clock: `frequency` samples per second, or one every `period`
   * nanoseconds of CPU time; on every online CPU (default), the CPUs listed, or wherever
   * process `pid` runs. One link detaches every CPU's event.
   */
  | {
      readonly kind: 'perf_event';
      readonly frequency?: number;
      readonly period?: number;
      readonly cpus?: readonly number[];
      readonly pid?: number;
    };

/**
 * A program of a loaded object (`object.program(name)`), to attach explicitly. Programs
 * whose section names no target (SEC("kprobe"), SEC("uprobe"), SEC("usdt"),
 * SEC("perf_event"), ...) are loaded but not attached at open; any loaded program may
 * be attached here, to as many targets as wanted.
 */
export class BpfProgram {
  readonly name: string;
  private readonly live: () => RawObject;

  /** @internal Use object.program(). */
  constructor(name: string, live: () => RawObject) {
    this.name = name;
    this.live = live;
  }

  /** Attaches the program to `target`; the link's detach() stops it (and so does the object's close(), unless the link is pinned). */
  attach(target: AttachTarget): BpfLink {
    const raw = this.live();
    return new BpfLink(native(() => raw.attachProgram(this.name, target)));
  }
}
