import { writeFile } from 'node:fs/promises';

/**
 * Chrome / Perfetto trace events (the JSON object format ui.perfetto.dev and
 * chrome://tracing load): `ts` and `dur` in microseconds from the demo's start.
 * M = metadata (process and thread names), i = instant, X = complete (a span),
 * C = counter (one track per name, one series per args key).
 */
export type TraceEvent =
  | {
      readonly ph: 'M';
      readonly name: 'process_name' | 'thread_name';
      readonly pid: number;
      readonly tid: number;
      readonly ts: 0;
      readonly args: { readonly name: string };
    }
  | {
      readonly ph: 'i';
      readonly name: string;
      readonly cat: string;
      readonly pid: number;
      readonly tid: number;
      readonly ts: number;
      /** Thread-scoped instant: drawn on its thread's track. */
      readonly s: 't';
      readonly args?: Record<string, number | string>;
    }
  | {
      readonly ph: 'X';
      readonly name: string;
      readonly cat: string;
      readonly pid: number;
      readonly tid: number;
      readonly ts: number;
      readonly dur: number;
      readonly args?: Record<string, number | string>;
    }
  | {
      readonly ph: 'C';
      readonly name: string;
      readonly pid: number;
      readonly tid: 0;
      readonly ts: number;
      readonly args: Record<string, number>;
    };

/** Captured events kept per trace process and second: enough to see the pattern, bounded file size. */
const DEFAULT_EVENTS_PER_SECOND = 2000;

/**
 * Collects trace events while the demo runs and writes them once at the end.
 * Disabled (no --trace), every method returns at once, so pipelines can call it
 * unconditionally. Timestamps: JS code passes epoch milliseconds
 * (performance.timeOrigin + performance.now(), comparable across workers);
 * BPF and the synthetic source pass CLOCK_MONOTONIC nanoseconds, which is what
 * bpf_ktime_get_ns() and process.hrtime.bigint() both read.
 */
export class TraceRecorder {
  private readonly events: TraceEvent[] = [];
  private readonly startEpochMs = performance.timeOrigin + performance.now();
  private readonly startMonotonicNs = process.hrtime.bigint();
  private readonly window = new Map<number, { second: number; taken: number }>();
  private readonly skipped = new Map<number, number>();

  constructor(
    readonly enabled: boolean,
    private readonly eventsPerSecond = DEFAULT_EVENTS_PER_SECOND,
  ) {}

  /** Microseconds since the start, for an epoch time in ms. */
  fromEpochMs(epochMs: number): number {
    return Math.max(0, (epochMs - this.startEpochMs) * 1000);
  }

  /** Microseconds since the start, for a CLOCK_MONOTONIC time in ns. */
  fromMonotonicNs(monotonicNs: bigint | number): number {
    const ns = typeof monotonicNs === 'bigint' ? monotonicNs : BigInt(Math.round(monotonicNs));
    return Math.max(0, Number(ns - this.startMonotonicNs) / 1000);
  }

  nowUs(): number {
    return this.fromEpochMs(performance.timeOrigin + performance.now());
  }

  nameProcess(pid: number, name: string): void {
    if (this.enabled)
      this.events.push({ ph: 'M', name: 'process_name', pid, tid: 0, ts: 0, args: { name } });
  }

  nameThread(pid: number, tid: number, name: string): void {
    if (this.enabled)
      this.events.push({ ph: 'M', name: 'thread_name', pid, tid, ts: 0, args: { name } });
  }

  /**
   * Whether one more captured event of `pid` fits this second's budget; a
   * caller asks before building the event, so a busy source costs nothing more.
   */
  wants(pid: number): boolean {
    if (!this.enabled) return false;
    const second = Math.floor((performance.timeOrigin + performance.now()) / 1000);
    let window = this.window.get(pid);
    if (window === undefined || window.second !== second) {
      window = { second, taken: 0 };
      this.window.set(pid, window);
    }
    if (window.taken < this.eventsPerSecond) {
      window.taken++;
      return true;
    }
    this.skipped.set(pid, (this.skipped.get(pid) ?? 0) + 1);
    return false;
  }

  instant(
    pid: number,
    tid: number,
    cat: string,
    name: string,
    ts: number,
    args?: Record<string, number | string>,
  ): void {
    if (this.enabled)
      this.events.push({ ph: 'i', s: 't', name, cat, pid, tid, ts, ...(args && { args }) });
  }

  complete(
    pid: number,
    tid: number,
    cat: string,
    name: string,
    ts: number,
    dur: number,
    args?: Record<string, number | string>,
  ): void {
    if (this.enabled)
      this.events.push({
        ph: 'X',
        name,
        cat,
        pid,
        tid,
        ts,
        dur: Math.max(0, dur),
        ...(args && { args }),
      });
  }

  counter(pid: number, name: string, ts: number, values: Record<string, number>): void {
    if (this.enabled) this.events.push({ ph: 'C', name, pid, tid: 0, ts, args: values });
  }

  get size(): number {
    return this.events.length;
  }

  /** Writes the JSON object format; events sorted by time, metadata first. */
  async write(path: string): Promise<void> {
    const sorted = [...this.events].sort((a, b) => a.ts - b.ts);
    const skipped: Record<string, number> = {};
    for (const [pid, count] of this.skipped) skipped[String(pid)] = count;
    const body = {
      displayTimeUnit: 'ms',
      traceEvents: sorted,
      otherData: {
        producer: '@ringkit/demo',
        startedAt: new Date(this.startEpochMs).toISOString(),
        eventsPerSecondKept: this.eventsPerSecond,
        skippedEventsByPid: skipped,
      },
    };
    await writeFile(path, JSON.stringify(body));
  }
}
