// How the benches read a batch of bench events: every field of every event, in place
// (batch.offsets + batch.views.u32, one typed-array load per 32-bit word) — the fastest
// public way, and what a consumer that reads every field costs. Shared by
// js-consumer.mjs and ceiling.mjs so both measure the same reads.
import { benchEvent } from '@ringkit/bpf-ringbuf';

// Each field's first 32-bit word within an event, checked against the schema here and
// written as literals in the loop below: V8 folds a literal into each load, where a
// module-level constant costs a context load and a check per use (up to 2× this loop).
const FIELD_WORDS = { timestampNs: 0, cpu: 2, tid: 3, index: 4, call: 5 };
for (const [field, spec] of Object.entries(benchEvent.fields))
  if (spec.offset !== 4 * FIELD_WORDS[field])
    throw new Error(`benchEvent.${field} is at byte ${spec.offset}: update FIELD_WORDS`);

/** The sum of every field of every event in `batch` (a checksum the JIT cannot drop). */
export function sumFields(batch) {
  if (!batch.wordAligned)
    throw new Error(
      `bench events are ${benchEvent.size} bytes, whole words: a batch is word-aligned`,
    );
  const {
    offsets,
    views: { u32 },
  } = batch;
  // A local sum: a float kept in a closure's variable would be boxed on every write.
  let sum = 0;
  for (let i = 0; i < offsets.length; i++) {
    const at = offsets[i] >>> 2;
    // timestampNs (u64: low word + high word × 2^32), cpu, tid, index, call.
    sum += u32[at] + u32[at + 1] * 2 ** 32 + u32[at + 2] + u32[at + 3] + u32[at + 4] + u32[at + 5];
  }
  return sum;
}
