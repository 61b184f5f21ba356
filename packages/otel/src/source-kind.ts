import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';

/** One kind's instruments, created once per meter, and how one source's reading fills them. */
export interface SourceInstruments<S> {
  readonly observables: readonly Observable[];
  /** Reads `source` once (one stats call) and records a value in each instrument. */
  observe(result: BatchObservableResult, source: S, attributes: Attributes): void;
}

/** A kind of source (a ring, a pool, …): its name attribute, its shape and its instruments. */
export interface SourceKind<S> {
  /** `ring`, `pool`, …: the `ringkit.source.kind` of a failed read. */
  readonly kind: string;
  /** The attribute that carries the name the caller gave the source. */
  readonly nameAttribute: string;
  /** What the source must be, for the error a wrong one gets ("an object with stats()"). */
  readonly shape: string;
  accepts(source: unknown): source is S;
  instruments(meter: Meter): SourceInstruments<S>;
}

/** True when `value` is an object whose `path` (e.g. ['reader', 'stats']) leads to a function. */
export function hasMethod(value: unknown, ...path: string[]): boolean {
  let at: unknown = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return false;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'function';
}
