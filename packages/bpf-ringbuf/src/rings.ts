import { DirectReader } from './direct-reader.js';
import { BpfError } from './errors.js';
import type { BpfObject } from './object.js';
import { BpfReader, type ReadOptions, type ResolvedRing, type RingSpec } from './reader.js';
import type { FieldSpecs } from './schema.js';

/** A ring map of a loaded object, for readRings(). */
export interface RingSource extends RingSpec {
  readonly object: BpfObject;
}

/**
 * One reader over ring maps of one or several objects (libbpf's ring_buffer__add, one
 * epoll over them all): its batches say which ring they came from (`batch.ring`, an
 * index into `reader.rings`), each ring read with its own schema if it has one, and
 * `reader.ringStats()` counts each apart. A ring has one reader at a time; the objects
 * must share a wakeup policy.
 */
export function readRings<F extends FieldSpecs = FieldSpecs>(
  sources: readonly RingSource[],
  options: ReadOptions<F> & { readonly mode: 'direct' },
): DirectReader<F>;
export function readRings<F extends FieldSpecs = FieldSpecs>(
  sources: readonly RingSource[],
  options?: ReadOptions<F>,
): BpfReader<F>;
export function readRings<F extends FieldSpecs = FieldSpecs>(
  sources: readonly RingSource[],
  options: ReadOptions<F> = {},
): RingReader<F> {
  if (options.rings !== undefined)
    throw new BpfError(
      'INVALID_OPTIONS',
      'readRings takes its rings as its first argument, not as options.rings: move them there.',
    );
  return startRingReader(sources, options);
}

/** A reader of either mode. */
export type RingReader<F extends FieldSpecs = FieldSpecs> = BpfReader<F> | DirectReader<F>;

/** @internal readRings() and object.read(): checks the sources, claims their rings, starts. */
export function startRingReader<F extends FieldSpecs>(
  sources: readonly RingSource[],
  options: ReadOptions<F>,
): RingReader<F> {
  const mode = options.mode ?? 'thread';
  if (mode !== 'thread' && mode !== 'direct')
    throw new BpfError(
      'INVALID_OPTIONS',
      `mode must be 'thread' or 'direct', got ${JSON.stringify(mode)}.`,
    );
  if (!Array.isArray(sources) || sources.length === 0)
    throw new BpfError(
      'INVALID_OPTIONS',
      'readRings needs at least one { object, map } ring source: name the ring maps to read.',
    );
  const listed = new Map<BpfObject, Set<string>>();
  for (const source of sources) {
    if (typeof source?.map !== 'string' || typeof source.object?.ringReaderOf !== 'function')
      throw new BpfError(
        'INVALID_OPTIONS',
        `each ring source must be { object, map } with an object from openObject() and a map name, got ${describe(source)}.`,
      );
    const maps = listed.get(source.object) ?? new Set<string>();
    if (maps.has(source.map))
      throw new BpfError(
        'INVALID_OPTIONS',
        `ring map '${source.map}' of ${source.object.path} is listed twice: list each ring once.`,
      );
    maps.add(source.map);
    listed.set(source.object, maps);
    if (source.object.ringReaderOf(source.map) !== null)
      throw new BpfError(
        'INVALID_OPTIONS',
        `ring map '${source.map}' of ${source.object.path} already has a reader; a ring has one consumer: stop that reader first, or read another ring.`,
      );
  }
  const timing = sources[0]!.object.readerTiming();
  for (const source of sources) {
    const other = source.object.readerTiming();
    if (other.policy !== timing.policy || other.periodMs !== timing.periodMs)
      throw new BpfError(
        'INVALID_OPTIONS',
        `${source.object.path} was opened with another wakeup policy than ${sources[0]!.object.path}: open the objects of one reader with the same policy.`,
      );
  }
  const rings: ResolvedRing[] = sources.flatMap((source) =>
    source.object.resolveRing(source, options),
  );
  let reader: RingReader<F> | null = null;
  const release = () => {
    for (const object of listed.keys()) object.releaseRings(reader as RingReader);
  };
  reader =
    mode === 'direct'
      ? new DirectReader<F>(rings, timing, options, release)
      : new BpfReader<F>(rings, timing, options, release);
  for (const source of sources)
    source.object.claimRing(source.map, reader as unknown as RingReader);
  return reader;
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys ${Object.keys(value).join(', ') || '(none)'}`;
}
