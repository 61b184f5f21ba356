import { syscallName } from '../syscall-names.js';
import type { TraceRecorder } from '../trace.js';

/** Syscall numbers above this are counted together (none exist on x86-64 or arm64 today). */
const MAX_SYSCALL_NR = 1023;

/**
 * Counts syscall events by number as they arrive, whichever source delivers
 * them; a typed array indexed by number, so counting is one increment with no
 * allocation per event. Samples events into the trace within its budget.
 */
export class SyscallAggregator {
  private readonly counts = new Float64Array(MAX_SYSCALL_NR + 2);
  /** Events counted here: the delivered side of the conservation check. */
  total = 0;

  constructor(
    private readonly trace: TraceRecorder,
    private readonly tracePid: number,
  ) {}

  add(nr: number, cpu: number, pid: number, tid: number, timestampNs: number): void {
    this.counts[nr >= 0 && nr <= MAX_SYSCALL_NR ? nr : MAX_SYSCALL_NR + 1]!++;
    this.total++;
    if (this.trace.enabled && this.trace.wants(this.tracePid))
      this.trace.instant(
        this.tracePid,
        cpu,
        'syscall',
        syscallName(nr),
        this.trace.fromMonotonicNs(timestampNs),
        { nr, pid, tid },
      );
  }

  /** The `limit` busiest syscalls so far, by cumulative count. */
  top(limit: number): { label: string; count: number }[] {
    const rows: { label: string; count: number }[] = [];
    this.counts.forEach((count, nr) => {
      if (count > 0) rows.push({ label: nr > MAX_SYSCALL_NR ? 'other' : syscallName(nr), count });
    });
    return rows.sort((a, b) => b.count - a.count).slice(0, limit);
  }
}
