import type { ObservedSource, RingkitMetrics } from '@ringkit/otel';
import { checkLiveBooks } from './conservation.js';
import type {
  ConservationReport,
  ControlMessage,
  Pipeline,
  PipelineDefinition,
  PipelineFigures,
  RingFill,
} from './pipeline.js';
import { sentenceOf } from './pipeline.js';
import { RateTracker } from './rates.js';
import type { TraceRecorder } from './trace.js';
import type { PanelView, PipelineStatus, PipelineView, RingView, Sample } from './views.js';

// What each tick yields is defined in views.ts, beside the rest of what the dashboard receives.
export type { PanelView, PipelineStatus, PipelineView, Sample, TopListView } from './views.js';

export interface PipelineOutcome {
  readonly id: string;
  readonly title: string;
  readonly status: PipelineStatus;
  readonly error: string | null;
  readonly conservation: ConservationReport | null;
}

/** Rows a top list shows. */
const TOP_ROWS = 8;
/** Samples kept for a dashboard that connects late: one minute at 4 a second. */
const HISTORY = 240;
const NO_FIGURES: PipelineFigures = { banner: null, sources: [], rings: [], panels: [] };

interface Running {
  readonly definition: PipelineDefinition;
  readonly pipeline: Pipeline;
  readonly tracePid: number;
  readonly rates: RateTracker;
  status: PipelineStatus;
  error: string | null;
  lastFigures: PipelineFigures;
  /** What the pipeline registered on the metrics, removed before it registers again or stops. */
  observed: ObservedSource[];
}

/**
 * A ring as the dashboard shows it: the instant fill and the peak, as counts and percentages.
 * The peak is never below `used`: the sampling instant is part of the span the peak covers
 * (a mark raised by drains misses what arrived after the last one).
 */
export function ringView(ring: RingFill): RingView {
  const percent = (value: number) => (ring.capacity > 0 ? (100 * value) / ring.capacity : 0);
  const peak = ring.peak === undefined ? null : Math.max(ring.peak, ring.used);
  return {
    name: ring.name,
    used: ring.used,
    capacity: ring.capacity,
    fillPercent: percent(ring.used),
    peak,
    peakPercent: peak === null ? null : percent(peak),
    peakSince: ring.peakSince ?? 'sample',
  };
}

/**
 * Runs the registered pipelines: starts each, samples them every tick into
 * views with rates, relays control messages, and stops them all for their
 * conservation reports. A pipeline that fails is marked failed and the others
 * keep running.
 */
export class Supervisor {
  private readonly running: Running[];
  private readonly listeners = new Set<(sample: Sample) => void>();
  private readonly samples: Sample[] = [];
  private readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private metrics: RingkitMetrics | null = null;

  constructor(
    definitions: readonly PipelineDefinition[],
    private readonly trace: TraceRecorder,
    private readonly options: { readonly forceSynthetic: boolean; readonly namePrefix: string },
  ) {
    this.running = definitions.map((definition, index) => ({
      definition,
      pipeline: definition.create(),
      tracePid: index + 1,
      rates: new RateTracker(),
      status: 'starting',
      error: null,
      lastFigures: NO_FIGURES,
      observed: [],
    }));
  }

  /** Starts every pipeline in order, then samples every `tickMs`. */
  async start(tickMs: number): Promise<void> {
    for (const entry of this.running) {
      const fail = (error: unknown) => {
        if (entry.status === 'failed' || entry.status === 'stopped') return;
        entry.status = 'failed';
        entry.error = sentenceOf(error);
      };
      // The trace test finds each pipeline's events by this name's `id:` prefix.
      this.trace.nameProcess(entry.tracePid, `${entry.definition.id}: ${entry.pipeline.title}`);
      try {
        await entry.pipeline.start({
          trace: this.trace,
          tracePid: entry.tracePid,
          forceSynthetic: this.options.forceSynthetic,
          namePrefix: `${this.options.namePrefix}-${entry.definition.id}`,
          fail,
        });
        if (entry.status === 'starting') entry.status = 'running';
        // A pipeline (re)started after observeMetrics registers its new sources here.
        this.registerMetrics(entry);
      } catch (error) {
        fail(error);
      }
    }
    this.tick();
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  get pipelineIds(): string[] {
    return this.running.map((entry) => entry.definition.id);
  }

  get latest(): Sample | null {
    return this.samples.at(-1) ?? null;
  }

  get history(): readonly Sample[] {
    return this.samples;
  }

  onSample(listener: (sample: Sample) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Exports every running pipeline's sources on `metrics`, each value with `{ pipeline: id }`;
   * a pipeline started later registers as it starts.
   */
  observeMetrics(metrics: RingkitMetrics): void {
    this.metrics = metrics;
    for (const entry of this.running) this.registerMetrics(entry);
  }

  /** Passes a dashboard's control message on; rejects with one sentence when it cannot. */
  async control(pipelineId: string, message: ControlMessage): Promise<void> {
    const entry = this.running.find((candidate) => candidate.definition.id === pipelineId);
    if (entry === undefined)
      throw new Error(
        `there is no pipeline ${JSON.stringify(pipelineId)}: the demo runs ${this.pipelineIds.join(', ')}.`,
      );
    if (entry.pipeline.control === undefined)
      throw new Error(`the ${pipelineId} pipeline takes no control messages.`);
    if (entry.status !== 'running')
      throw new Error(`the ${pipelineId} pipeline is ${entry.status}, not running.`);
    await entry.pipeline.control(message);
  }

  /** Stops sampling and every pipeline; one outcome per pipeline. */
  async stop(): Promise<PipelineOutcome[]> {
    clearInterval(this.timer);
    this.tick();
    return Promise.all(
      this.running.map(async (entry): Promise<PipelineOutcome> => {
        let conservation: ConservationReport | null = null;
        this.unregisterMetrics(entry);
        try {
          conservation = await entry.pipeline.stop();
        } catch (error) {
          entry.status = 'failed';
          entry.error ??= `stopping failed: ${sentenceOf(error)}`;
        }
        if (entry.status !== 'failed') entry.status = 'stopped';
        return {
          id: entry.definition.id,
          title: entry.pipeline.title,
          status: entry.status,
          error: entry.error,
          conservation,
        };
      }),
    );
  }

  /** Registers the entry's sources afresh: a restarted pipeline's sources are new objects. */
  private registerMetrics(entry: Running): void {
    this.unregisterMetrics(entry);
    const { pipeline } = entry;
    if (
      this.metrics === null ||
      entry.status !== 'running' ||
      pipeline.observeMetrics === undefined
    )
      return;
    try {
      entry.observed = pipeline.observeMetrics(this.metrics, { pipeline: entry.definition.id });
    } catch (error) {
      entry.status = 'failed';
      entry.error = `its metrics could not be registered: ${sentenceOf(error)}`;
    }
  }

  private unregisterMetrics(entry: Running): void {
    for (const observed of entry.observed) observed.remove();
    entry.observed = [];
  }

  private tick(): void {
    const at = performance.timeOrigin + performance.now();
    const pipelines = this.running.map((entry) => this.view(entry, at));
    const { user, system } = process.cpuUsage();
    const sample: Sample = {
      at,
      uptimeSeconds: (performance.now() - this.startedAt) / 1000,
      pipelines,
      cpuSeconds: (user + system) / 1e6,
    };
    this.samples.push(sample);
    if (this.samples.length > HISTORY) this.samples.shift();
    this.traceCounters(sample);
    for (const listener of this.listeners) listener(sample);
  }

  private view(entry: Running, at: number): PipelineView {
    if (entry.status === 'running') {
      try {
        entry.lastFigures = entry.pipeline.snapshot();
      } catch (error) {
        entry.status = 'failed';
        entry.error = `its figures could not be read: ${sentenceOf(error)}`;
      }
    }
    const figures = entry.lastFigures;
    const totals = new Map<string, number>();
    for (const source of figures.sources) {
      totals.set(`delivered:${source.name}`, source.delivered);
      totals.set(`dropped:${source.name}`, source.dropped);
    }
    for (const panel of figures.panels)
      if (panel.kind === 'top-list')
        for (const row of panel.counts) totals.set(`top:${panel.title}:${row.label}`, row.count);
    const rates = entry.rates.update(at, totals);
    return {
      id: entry.definition.id,
      title: entry.pipeline.title,
      status: entry.status,
      error: entry.error,
      banner: figures.banner,
      sources: figures.sources.map((source) => ({
        ...source,
        perSecond: rates.get(`delivered:${source.name}`) ?? 0,
        droppedPerSecond: rates.get(`dropped:${source.name}`) ?? 0,
      })),
      rings: figures.rings.map(ringView),
      panels: figures.panels.map((panel): PanelView => {
        if (panel.kind !== 'top-list') return panel;
        const rows = panel.counts
          .map((row) => ({
            label: row.label,
            perSecond: rates.get(`top:${panel.title}:${row.label}`) ?? 0,
          }))
          .sort((a, b) => b.perSecond - a.perSecond)
          .slice(0, TOP_ROWS);
        return { kind: 'top-list', title: panel.title, itemName: panel.itemName, rows };
      }),
      conservation: figures.books === undefined ? null : checkLiveBooks(figures.books),
    };
  }

  /** Ring activity in the trace: rates and fill levels as counter tracks, one process per pipeline. */
  private traceCounters(sample: Sample): void {
    if (!this.trace.enabled) return;
    const ts = this.trace.fromEpochMs(sample.at);
    sample.pipelines.forEach((view, index) => {
      const pid = this.running[index]!.tracePid;
      for (const source of view.sources)
        this.trace.counter(pid, `${source.name} per second`, ts, {
          delivered: Math.round(source.perSecond),
          dropped: Math.round(source.droppedPerSecond),
        });
      for (const ring of view.rings) {
        this.trace.counter(pid, `${ring.name} fill`, ts, {
          used: ring.used,
          capacity: ring.capacity,
        });
        // Its own track: `used` is one instant (usually just after a drain), the peak is what
        // the ring held at its fullest since the previous sample (or since the start).
        if (ring.peak !== null)
          this.trace.counter(pid, `${ring.name} peak`, ts, {
            [ring.peakSince === 'start' ? 'peakSinceStart' : 'peakSinceLastSample']: ring.peak,
          });
      }
    });
  }
}
