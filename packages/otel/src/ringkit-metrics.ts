import {
  type Attributes,
  type BatchObservableCallback,
  type Meter,
  metrics,
  type ObservableCounter,
} from '@opentelemetry/api';
import { Attribute } from './attributes.js';
import { bpfReaderKind } from './bpf-metrics.js';
import { commandRingKind } from './command-ring-metrics.js';
import { describeValue, MetricsError } from './errors.js';
import { poolKind } from './pool-metrics.js';
import { ringKind } from './ring-metrics.js';
import type { SourceInstruments, SourceKind } from './source-kind.js';
import type {
  BpfReaderSource,
  CommandRingSource,
  PoolSource,
  RingSource,
  TrackingServerSource,
} from './sources.js';
import { trackingServerKind } from './tracking-metrics.js';
import { VERSION } from './version.js';

export interface RingkitMetricsOptions {
  /** Where the instruments are created (default: `metrics.getMeter('@ringkit/otel')`, the global provider's). */
  readonly meter?: Meter;
  /** Attributes on every value, e.g. `{ pipeline: 'capture' }`. */
  readonly attributes?: Attributes;
}

/** A source being observed; `remove()` stops reading it (idempotent). */
export interface ObservedSource {
  readonly kind: string;
  readonly name: string;
  remove(): void;
}

interface Entry {
  readonly source: unknown;
  readonly attributes: Attributes;
}

/** One kind's instruments and its sources, read by one batch callback per collection. */
interface KindState {
  readonly instruments: SourceInstruments<unknown>;
  readonly sources: Map<string, Entry>;
  readonly callback: BatchObservableCallback;
}

/**
 * Observable instruments over ringkit's shared-memory statistics. Nothing is recorded on any
 * hot path: at each collection (a Prometheus scrape, an OTLP export) every source's stats are
 * read once and reported as counters and gauges.
 */
export class RingkitMetrics {
  readonly meter: Meter;
  /** The last error a source's stats threw at a collection (also counted as ringkit.metrics.read_errors). */
  lastError: unknown = null;
  private readonly attributes: Attributes;
  private readonly kinds = new Map<SourceKind<unknown>, KindState>();
  private readonly readErrors: ObservableCounter;
  /** Failed reads by source, for ringkit.metrics.read_errors. */
  private readonly errorCounts = new Map<string, { attributes: Attributes; count: number }>();
  private closed = false;

  constructor(options: RingkitMetricsOptions = {}) {
    if (typeof options !== 'object' || options === null)
      throw new MetricsError(
        'INVALID_OPTIONS',
        `RingkitMetrics options must be an object, got ${describeValue(options)}.`,
      );
    this.meter = options.meter ?? metrics.getMeter('@ringkit/otel', VERSION);
    this.attributes = checkAttributes(options.attributes ?? {}, 'options.attributes');
    this.readErrors = this.meter.createObservableCounter('ringkit.metrics.read_errors', {
      unit: '{error}',
      description: "Collections at which a source's stats could not be read (see lastError).",
    });
  }

  /** An spsc-ring ring end (or `{ stats: () => readRingStats(buffer) }`), named `name`. */
  observeRing(name: string, ring: RingSource, attributes?: Attributes): ObservedSource {
    return this.observe(ringKind, name, ring, attributes);
  }

  /** A buffer-pool pool (a BufferPool; open one for metrics, its handoff rate is per object). */
  observePool(name: string, pool: PoolSource, attributes?: Attributes): ObservedSource {
    return this.observe(poolKind, name, pool, attributes);
  }

  /** A bpf-ringbuf reader and its object (`{ reader, object }`), named `name`. */
  observeBpfReader(name: string, source: BpfReaderSource, attributes?: Attributes): ObservedSource {
    return this.observe(bpfReaderKind, name, source, attributes);
  }

  /** A metal-cmdring command ring (or `{ stats: () => readStatistics(buffer) }`). */
  observeCommandRing(
    name: string,
    ring: CommandRingSource,
    attributes?: Attributes,
  ): ObservedSource {
    return this.observe(commandRingKind, name, ring, attributes);
  }

  /** buffer-pool's tracking server. */
  observeTrackingServer(
    name: string,
    server: TrackingServerSource,
    attributes?: Attributes,
  ): ObservedSource {
    return this.observe(trackingServerKind, name, server, attributes);
  }

  /** Stops reading every source and unregisters the callbacks. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [kind, state] of this.kinds) {
      this.meter.removeBatchObservableCallback(state.callback, [
        ...state.instruments.observables,
        this.readErrors,
      ]);
      this.kinds.delete(kind);
    }
  }

  private observe<S>(
    kind: SourceKind<S>,
    name: string,
    source: S,
    attributes: Attributes = {},
  ): ObservedSource {
    if (this.closed)
      throw new MetricsError(
        'CLOSED',
        `these RingkitMetrics were closed; create new ones to observe ${kind.kind} "${name}".`,
      );
    if (typeof name !== 'string' || name === '')
      throw new MetricsError(
        'INVALID_OPTIONS',
        `a ${kind.kind}'s name must be a non-empty string, got ${describeValue(name)}.`,
      );
    if (!kind.accepts(source))
      throw new MetricsError(
        'INVALID_SOURCE',
        `${kind.kind} "${name}" must be ${kind.shape}, got ${describeValue(source)}.`,
      );
    const state = this.stateOf(kind as SourceKind<unknown>);
    if (state.sources.has(name))
      throw new MetricsError(
        'DUPLICATE_SOURCE',
        `a ${kind.kind} named "${name}" is observed already; give each a name of its own or remove the first.`,
      );
    const entry = {
      source,
      attributes: {
        ...this.attributes,
        ...checkAttributes(attributes, `the attributes of ${kind.kind} "${name}"`),
        [kind.nameAttribute]: name,
      },
    };
    state.sources.set(name, entry);
    return {
      kind: kind.kind,
      name,
      remove: () => {
        if (state.sources.get(name) === entry) state.sources.delete(name);
      },
    };
  }

  /** The kind's instruments, created and given their batch callback at its first source. */
  private stateOf(kind: SourceKind<unknown>): KindState {
    const existing = this.kinds.get(kind);
    if (existing !== undefined) return existing;
    const instruments = kind.instruments(this.meter);
    const sources = new Map<string, Entry>();
    const callback: BatchObservableCallback = (result) => {
      for (const [name, { source, attributes }] of sources) {
        try {
          instruments.observe(result, source, attributes);
        } catch (error) {
          // One broken source (a closed object, a corrupted ring) must not hide the others.
          this.noteReadError(kind.kind, name, error);
        }
      }
      // In the same callback as the reads, so a failure is counted at the collection it hit.
      for (const [key, { attributes, count }] of this.errorCounts)
        if (key.startsWith(`${kind.kind}\u0000`))
          result.observe(this.readErrors, count, attributes);
    };
    this.meter.addBatchObservableCallback(callback, [...instruments.observables, this.readErrors]);
    const state = { instruments, sources, callback };
    this.kinds.set(kind, state);
    return state;
  }

  private noteReadError(kind: string, name: string, error: unknown): void {
    this.lastError = error;
    const key = `${kind}\u0000${name}`;
    const counted = this.errorCounts.get(key) ?? {
      attributes: { ...this.attributes, [Attribute.SOURCE_KIND]: kind, [Attribute.SOURCE]: name },
      count: 0,
    };
    counted.count++;
    this.errorCounts.set(key, counted);
  }
}

/** Attributes must be a plain object; OpenTelemetry itself drops bad values with only a log line. */
function checkAttributes(attributes: unknown, what: string): Attributes {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes))
    throw new MetricsError(
      'INVALID_OPTIONS',
      `${what} must be an object of attribute values, got ${describeValue(attributes)}.`,
    );
  for (const [key, value] of Object.entries(attributes))
    if (!['string', 'number', 'boolean'].includes(typeof value))
      throw new MetricsError(
        'INVALID_OPTIONS',
        `${what}: "${key}" must be a string, number or boolean, got ${describeValue(value)}.`,
      );
  return attributes as Attributes;
}
