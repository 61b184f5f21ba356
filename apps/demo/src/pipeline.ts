import type { TraceRecorder } from './trace.js';
import type { Panel } from './views.js';

// The panels a snapshot holds are defined in views.ts, beside what the dashboard receives.
export type {
  CommandRingPanel,
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
  /** Cumulative figures now. Cheap: called every tick from the main thread. */
  snapshot(): PipelineFigures;
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

/** How full one ring (or queue) is right now. */
export interface RingFill {
  readonly name: string;
  readonly used: number;
  readonly capacity: number;
}

export interface PipelineFigures {
  /** Shown above the dashboard: e.g. why a synthetic source replaced the real one. */
  readonly banner: string | null;
  readonly sources: readonly SourceFigures[];
  readonly rings: readonly RingFill[];
  readonly panels: readonly Panel[];
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
