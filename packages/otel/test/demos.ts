/**
 * The ringkit demo (apps/demo) as an exporting process of a fleet: built from its current
 * sources, started and read with the demo's own test helpers (one copy of each).
 */
import buildDemo from '../../../apps/demo/test/build-once.js';
import type { BooksLine } from '../../../apps/demo/test/run-demo.js';

export {
  type BooksLine,
  booksLines,
  type DemoRun,
  metricsUrl,
  startDemo,
  summaryRows,
} from '../../../apps/demo/test/run-demo.js';

/** Builds apps/demo/dist (tsup, about a second): the demo is no dependency of this package. */
export { buildDemo };

/** The demo's pipelines, and the counter (OpenTelemetry's name) of what each delivered and dropped. */
export const DEMO_COUNTERS = {
  syscalls: { delivered: 'ringkit.ring.records.popped', dropped: 'ringkit.ring.records.dropped' },
  'device-lanes': {
    delivered: 'ringkit.pool.records.collected',
    dropped: 'ringkit.pool.records.dropped',
  },
  // Abandoned commands are counted only as the ring closes: the live books show 0.
  'command-ring': { delivered: 'ringkit.command_ring.fences.completed', dropped: null },
} as const;

/** A counter's name as Prometheus shows it: ringkit.ring.records.popped → ringkit_ring_records_popped_total. */
export function prometheusCounter(name: string): string {
  return `${name.replaceAll('.', '_')}_total`;
}

export type DemoPipeline = keyof typeof DEMO_COUNTERS;

/**
 * What the demo's own tables say a counter was within a scrape taken at `atMs`: at least what
 * the last table printed before it said, at most what the first table printed `marginMs` after
 * it said (its figures were read after the scrape's), or the closing summary when none was.
 */
export function reportedAround(
  books: readonly BooksLine[],
  pipeline: string,
  field: 'delivered' | 'dropped',
  atMs: number,
  final: number,
  marginMs: number,
): { atLeast: number; atMost: number } {
  const own = books.filter((line) => line.pipeline === pipeline);
  return {
    atLeast: own.filter((line) => line.at <= atMs).at(-1)?.[field] ?? 0,
    atMost: own.find((line) => line.at >= atMs + marginMs)?.[field] ?? final,
  };
}
