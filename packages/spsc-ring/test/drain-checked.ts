import type { FixedConsumer } from '../src/fixed-ring.js';
import { checkTestRecord } from '../src/test-records.js';

/**
 * Drains a fixed-slot ring of test records until its stream ends, checking that
 * they continue the sequence from `first`, whole. Returns what it saw and how the stream ended.
 */
export async function drainChecked(
  consumer: FixedConsumer,
  first = 0,
): Promise<{ next: number; errors: number; outcome: string }> {
  const size = consumer.descriptor.recordSize;
  let next = first;
  let errors = 0;
  for (;;) {
    const got = consumer.drain((data, offset, count) => {
      for (let i = 0; i < count; i++, next++)
        if (checkTestRecord(data, offset + i * size, size, next) !== '') errors++;
    });
    if (got > 0) continue;
    const outcome = await consumer.waitAsync({ timeoutMs: 30_000 });
    if (outcome !== 'ready') return { next, errors, outcome };
  }
}
