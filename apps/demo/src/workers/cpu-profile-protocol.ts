/** What the cpu-profile pipeline shares with its profiler worker. */
export interface CpuProfileWorkerData {
  /** The profile program's object (bpf-ringbuf's bpf/profile.bpf.o). */
  readonly objectPath: string;
  /** perf_event samples per second on each CPU. */
  readonly frequencyHz: number;
  /** The process sampled: its `target_tgid` (0 would be every process). */
  readonly targetTgid: number;
  /** How often the worker reads and empties the `counts` map (ms). */
  readonly readEveryMs: number;
  /** Stacks sent with each read, busiest (cumulative) first. */
  readonly stacksReported: number;
}

/** Cumulative counts after one read of the `counts` map, and what that read took. */
export interface ProfileRead {
  /** Samples read from the map so far (produced). */
  readonly read: number;
  /** Samples counted under a stack label so far (delivered). */
  readonly shown: number;
  /** Samples whose stack was lost so far (dropped): an error id, or an id gone from the map. */
  readonly lost: number;
  /** The busiest stacks so far, by cumulative samples. */
  readonly stacks: readonly { readonly label: string; readonly count: number }[];
  /** Distinct stack labels so far. */
  readonly labels: number;
  /** This read, for the trace: when it started (epoch ms), how long it took, what it found. */
  readonly startedAtEpochMs: number;
  readonly durationMs: number;
  readonly samples: number;
  readonly entries: number;
}

/** The worker's last message, after it detached the program and read the map one last time. */
export interface ProfileReport {
  readonly last: ProfileRead;
  /** Whether the perf_event link reported itself detached. */
  readonly detached: boolean;
}

export type CpuProfileMessage =
  /** Attached: samples are being taken (the first read waits for the kernel's symbols). */
  | { readonly started: true }
  /** Nothing could be profiled; the sentence says why (bpf-ringbuf's own). */
  | { readonly unavailable: string }
  | { readonly read: ProfileRead }
  | { readonly report: ProfileReport }
  /** A read failed mid-run: the profiler stopped. */
  | { readonly error: string };

/** The one message the pipeline sends: stop, detach, read the last samples, report. */
export interface CpuProfileStop {
  readonly stop: true;
}
