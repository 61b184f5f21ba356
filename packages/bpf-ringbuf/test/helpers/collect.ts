import type { EventBatch } from '../../src/batch.js';
import type { BpfObject } from '../../src/object.js';
import { benchEvent } from '../../src/programs.js';
import type { ReadOptions } from '../../src/reader.js';
import type { RingReader } from '../../src/rings.js';
import { binding } from './bpf.js';

type BenchFields = (typeof benchEvent)['fields'];

/** What a test saw of the bench program's events, per thread id. */
export interface Seen {
  readonly perTid: Map<number, number>;
  readonly cpus: Set<number>;
  events: number;
  batches: number;
  /** Timestamps in delivery order were never decreasing (merged streams). */
  ordered: boolean;
}

function observe(batch: EventBatch<BenchFields>, seen: Seen, last: { ts: number }) {
  seen.batches++;
  for (let i = 0; i < batch.length; i++) {
    const tid = batch.get.tid(i);
    seen.perTid.set(tid, (seen.perTid.get(tid) ?? 0) + 1);
    seen.cpus.add(batch.get.cpu(i));
    const ts = batch.get.timestampNs(i);
    if (ts < last.ts) seen.ordered = false;
    last.ts = ts;
    seen.events++;
  }
}

/** Consumes the reader with for-await (or onBatch) until the stream ends. */
export async function consume(
  reader: RingReader<BenchFields>,
  form: 'iterator' | 'callback' = 'iterator',
): Promise<Seen> {
  const seen: Seen = { perTid: new Map(), cpus: new Set(), events: 0, batches: 0, ordered: true };
  const last = { ts: 0 };
  if (form === 'callback') {
    await reader.onBatch((batch) => observe(batch, seen, last));
  } else {
    for await (const batch of reader) observe(batch, seen, last);
  }
  return seen;
}

/**
 * Runs getpgid() on threads pinned to `cpus` while `object` is read, then stops
 * the reader (a last drain) and returns what arrived plus the threads' ids and calls.
 */
export async function produceAndConsume(
  object: BpfObject,
  load: { cpus: readonly number[]; callsPerThread: number; ratePerSecond?: number },
  readOptions: ReadOptions<BenchFields> = {},
  form: 'iterator' | 'callback' = 'iterator',
) {
  const reader: RingReader<BenchFields> = object.read({ schema: benchEvent, ...readOptions });
  const seenPromise = consume(reader, form);
  const started = binding().startSyscallLoad({
    cpus: load.cpus,
    callsPerThread: load.callsPerThread,
    ratePerSecond: load.ratePerSecond ?? 0,
  });
  const result = await started.done;
  await reader.stop();
  const seen = await seenPromise;
  return { seen, result, reader, kernelDropped: object.kernelDropped() };
}
