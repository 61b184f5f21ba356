// What the dashboard receives as JSON, and the panels pipelines report: the page's modules
// (public/dashboard/) are type-checked against these shapes. This file imports nothing, so that
// check (public/tsconfig.json) reads it without node's typings or the server's own modules.

export interface TopListPanel {
  readonly kind: 'top-list';
  readonly title: string;
  /** What one row is ("syscall"): the list's column heading. */
  readonly itemName: string;
  /** Cumulative counts per label; the supervisor turns them into rates. */
  readonly counts: readonly { readonly label: string; readonly count: number }[];
}

export interface LanesPanel {
  readonly kind: 'lanes';
  readonly title: string;
  readonly lanes: readonly {
    readonly lane: number;
    readonly free: number;
    readonly filling: number;
    readonly ready: number;
    readonly inCollector: number;
    readonly done: number;
    readonly recycled: number;
    /** Fewest free buffers the producer found (0: it ran dry); null before the first. */
    readonly freeMargin: number | null;
    readonly readyMargin: number;
  }[];
}

export interface TrackingPanel {
  readonly kind: 'tracking';
  readonly title: string;
  readonly devices: readonly {
    readonly device: string;
    readonly liveBytes: number;
    readonly peakLiveBytes: number;
  }[];
}

/** What a command ring reports; the dashboard shows it with a ring-size selector. */
export interface CommandRingPanel {
  readonly kind: 'command-ring';
  readonly title: string;
  /** Share of wall time the ring's slots were busy, 0–100. */
  readonly utilisationPercent: number;
  /** stats().reuseRate of the ring. */
  readonly reuseRate: number;
  readonly averageWaitMs: number;
  readonly ringSize: number;
  /** Sizes the selector offers; choosing one sends { type: 'set-ring-size', ringSize }. */
  readonly ringSizes: readonly number[];
  /** Per-command timings from the ring's completion records; absent where the ring has none. */
  readonly timings?: CommandTimingsView;
}

/** What a command ring's completion records say about its commands, for one sample. */
export interface CommandTimingsView {
  /**
   * The latest commands the device ran, oldest first: device time (end − start) and the gap
   * since the previous command of its burst ended (null for a burst's first: it follows the pause).
   */
  readonly recentCommands: readonly { readonly deviceUs: number; readonly gapUs: number | null }[];
  /** Medians over the commands completed since the previous sample; null before the first. */
  readonly medianDeviceUs: number | null;
  readonly medianGapUs: number | null;
  /** Commands whose completion record was read, so far. */
  readonly timedCommands: number;
  /** Completion records lost on the way (counted, never the commands themselves). */
  readonly timingsDropped: number;
}

export type Panel = TopListPanel | LanesPanel | TrackingPanel | CommandRingPanel;

/**
 * Every panel kind a pipeline can report. The `satisfies` keeps it equal to `Panel`'s kinds (one
 * missing or extra is a type error), and test/dashboard-modules.test.ts checks the dashboard has
 * a renderer for each.
 */
const EVERY_PANEL_KIND = {
  'top-list': true,
  lanes: true,
  tracking: true,
  'command-ring': true,
} as const satisfies Record<Panel['kind'], true>;
export const PANEL_KINDS = Object.keys(EVERY_PANEL_KIND) as readonly Panel['kind'][];

export type PipelineStatus = 'starting' | 'running' | 'failed' | 'stopped';

/** A top list as the dashboard shows it: rates, busiest first. */
export interface TopListView {
  readonly kind: 'top-list';
  readonly title: string;
  readonly itemName: string;
  readonly rows: readonly { readonly label: string; readonly perSecond: number }[];
}

export type PanelView = Exclude<Panel, { kind: 'top-list' }> | TopListView;

/** One pipeline at one tick, with rates worked out: what the dashboard and the table show. */
export interface PipelineView {
  readonly id: string;
  readonly title: string;
  readonly status: PipelineStatus;
  readonly error: string | null;
  readonly banner: string | null;
  readonly sources: readonly {
    readonly name: string;
    readonly delivered: number;
    readonly dropped: number;
    readonly perSecond: number;
    readonly droppedPerSecond: number;
  }[];
  readonly rings: readonly RingView[];
  readonly panels: readonly PanelView[];
  /** The live "nothing lost" check at this sample; null where the pipeline reports no books. */
  readonly conservation: LiveConservation | null;
}

/** Over what a ring's peak was taken: since the previous sample, or since the pipeline started. */
export type PeakSince = 'sample' | 'start';

/** One ring at one sample: the instant fill and the peak. */
export interface RingView {
  readonly name: string;
  /** Held at the sampling instant (usually just after a drain). */
  readonly used: number;
  readonly capacity: number;
  readonly fillPercent: number;
  /**
   * The most it held since the previous sample (or since the start, per `peakSince`), never
   * below `used`; null where the ring keeps no mark.
   */
  readonly peak: number | null;
  readonly peakPercent: number | null;
  readonly peakSince: PeakSince;
}

/**
 * delivered + dropped = produced so far, checked while records move (src/conservation.ts): the
 * records not yet delivered must fit in what the rings and buffers can hold at this instant.
 */
export interface LiveConservation {
  readonly ok: boolean;
  readonly produced: number;
  readonly delivered: number;
  readonly dropped: number;
  /** produced − delivered − dropped: on their way (when ok). */
  readonly inFlight: number;
  /** The most the rings and buffers could hold at this instant… */
  readonly inFlightBound: number;
  /** …and what they are ("the ring", "the buffers in use"). */
  readonly heldIn: string;
  /** "nothing lost so far: …", or what does not add up. */
  readonly line: string;
}

export interface Sample {
  /** Epoch ms. */
  readonly at: number;
  readonly uptimeSeconds: number;
  readonly pipelines: readonly PipelineView[];
  /**
   * CPU time the demo process has used so far (user + system, every thread), read just after
   * the pipelines' figures: what a record costs is the change of both between two samples.
   */
  readonly cpuSeconds: number;
}

/** One package's overhead benchmark, as the budget gate (`bench-kit check`) judges it. */
export interface OverheadVerdict {
  readonly package: string;
  readonly bench: string;
  readonly medianPercent: number;
  readonly lowPercent: number;
  readonly highPercent: number;
  readonly budgetPercent: number;
  readonly verdict: 'pass' | 'fail' | 'inconclusive';
  readonly quick: boolean;
  /** ISO 8601, when the benchmark ran. */
  readonly timestamp: string;
}

export interface OverheadSummary {
  readonly resultsDir: string;
  readonly verdicts: readonly OverheadVerdict[];
  /** What is missing or malformed, in sentences; null when every result read cleanly. */
  readonly problem: string | null;
}

/** GET /api/state: the pipelines, the samples kept so far (oldest first) and the overhead verdicts. */
export interface DashboardState {
  readonly pipelines: readonly string[];
  readonly history: readonly Sample[];
  readonly overhead: OverheadSummary;
}
