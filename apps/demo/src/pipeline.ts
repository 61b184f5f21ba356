import type { ObservedSource, RingkitMetrics } from '@ringkit/otel';
import type { TraceRecorder } from './trace.js';
import type { Panel, PeakSince } from './views.js';

// The panels a snapshot holds are defined in views.ts, beside what the dashboard receives.
export type {
  CommandRingPanel,
  CommandTimingsView,
  LanesPanel,
  Panel,
  TopListPanel,
  TrackingPanel,
} from './views.js';

/**
 * The one interface every pipeline of the demo implements. The supervisor
 * starts each, reads a snapshot of its figures a few times a second, passes
 * control messages from the dashboard, and stops it for a conservation report.
 * Adding a pipeline is one module implementing this plus one line in
 * pipelines/index.ts; the dashboard and the headless table draw whatever the
 * snapshot holds, so they need no change.
 */
export interface Pipeline {
  /** Stable id: the dashboard's panel ids, the control route, the trace's process name. */
  readonly id: string;
  readonly title: string;
  /** Resolves once the pipeline produces; rejects with an Error whose message is one sentence. */
  start(context: PipelineContext): Promise<void>;
  /**
   * Cumulative figures now. Cheap: called once per tick from the main thread, by the supervisor
   * alone, so a pipeline may take (read and reset) its rings' peak marks here: it is their one
   * monitor, and each take is the peak since the previous sample.
   */
  snapshot(): PipelineFigures;
  /**
   * Optional: registers what the pipeline runs (its rings, pool, readers) on `metrics`, each
   * value carrying `attributes`. The sources are read at each collection (a scrape, an export),
   * never on the hot path. The supervisor calls this after start() succeeded and removes the
   * returned handles before it registers the pipeline again or stops it.
   */
  observeMetrics?(metrics: RingkitMetrics, attributes: MetricAttributes): ObservedSource[];
  /** Optional live control (e.g. a ring size); rejects with a one-sentence Error for a bad message. */
  control?(message: ControlMessage): Promise<void>;
  /** Stops every thread it started and frees what it holds, then accounts for every record. */
  stop(): Promise<ConservationReport>;
}

export interface PipelineContext {
  readonly trace: TraceRecorder;
  /** The trace process id of this pipeline (its events and counters go there). */
  readonly tracePid: number;
  /** --synthetic: use simulated sources even where real ones are available. */
  readonly forceSynthetic: boolean;
  /** A unique prefix for names the pipeline creates in shared namespaces (shm, sockets). */
  readonly namePrefix: string;
  /** A pipeline that fails after start() calls this; the supervisor marks it failed. */
  readonly fail: (error: unknown) => void;
}

/** On every value a pipeline exports: `{ pipeline: <its id> }`, so `sum by (pipeline)` adds hosts up. */
export type MetricAttributes = Readonly<Record<string, string>>;

/** A control message from the dashboard; `type` says which. */
export interface ControlMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** One stream of records a pipeline moves; rates are derived from these counters. */
export interface SourceFigures {
  readonly name: string;
  /** Cumulative records delivered to their consumer. */
  readonly delivered: number;
  /** Cumulative records counted as dropped. */
  readonly dropped: number;
}

/** How full one ring (or queue) is right now, and how full it got. */
export interface RingFill {
  readonly name: string;
  /** Held now: one instant, which for a ring drained on a timer is usually just after a drain. */
  readonly used: number;
  readonly capacity: number;
  /**
   * The most it held (same unit as `used`) since the previous sample, or since the start where
   * `peakSince` says so; absent where the ring keeps no mark.
   */
  readonly peak?: number;
  /** 'sample' (the default): the mark is taken and reset each sample; 'start': it only ever rises. */
  readonly peakSince?: PeakSince;
}

/**
 * A pipeline's books so far, read while records move, for the live "nothing lost" line (the
 * same produced / delivered / dropped as its stop() report). Read in this order: `produced`,
 * then `inFlight`, then `delivered` and `dropped`, then `producedAfter`; src/conservation.ts
 * says why that order makes the live check free of false alarms.
 */
export interface LiveBooks {
  /** Records produced so far, read first. */
  readonly produced: number;
  /**
   * At least how many records the rings and buffers (and a producer's hand) can hold now, read
   * after `produced`: an upper bound is enough.
   */
  readonly inFlight: number;
  readonly delivered: number;
  readonly dropped: number;
  /** `produced` read again, after `delivered` and `dropped`. */
  readonly producedAfter: number;
  /** Where the records in flight are, for the line: "the ring", "the buffers in use". */
  readonly heldIn: string;
}

export interface PipelineFigures {
  /** Shown above the dashboard: e.g. why a synthetic source replaced the real one. */
  readonly banner: string | null;
  readonly sources: readonly SourceFigures[];
  readonly rings: readonly RingFill[];
  readonly panels: readonly Panel[];
  /** The books so far, for the live conservation line; absent before the pipeline produces. */
  readonly books?: LiveBooks;
}

/** Every record a pipeline produced was delivered, or counted as dropped. */
export interface ConservationReport {
  readonly produced: number;
  readonly delivered: number;
  readonly dropped: number;
  /** produced = delivered + dropped, and whatever extra invariant the pipeline checks. */
  readonly ok: boolean;
  /** One line: what was checked, or what did not add up. */
  readonly detail: string;
}

/** A registry entry: the list in pipelines/index.ts holds these. */
export interface PipelineDefinition {
  readonly id: string;
  readonly create: () => Pipeline;
}

/** Turns anything thrown into one sentence for a user. */
export function sentenceOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n')[0]!.trim();
  return /[.!?)]$/.test(line) ? line : `${line}.`;
}
