import { describe, expect, it } from 'vitest';
import { LiveTable } from '../src/tracking/live-table.js';

/** A seeded xorshift32: the same sequence of operations on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe('LiveTable (the tracking server’s live ids)', () => {
  it('agrees with a Map over 500 000 random sets, gets and deletes, across growth', () => {
    const random = seeded(19);
    const table = new LiveTable();
    const model = new Map<number, number>();
    // Ids as trackers send them: addresses (page multiples), small buffer ids, multiples of
    // 2³², and the values a Map keys by SameValueZero (0 and -0, NaN).
    const ids = Array.from({ length: 5000 }, (_, i) =>
      i % 3 === 0 ? 0x7f00_0000_0000 + i * 4096 : i % 3 === 1 ? i : i * 2 ** 32,
    );
    ids.push(0, -0, Number.NaN, 2 ** 53, -1.5);
    const disagreements: string[] = [];
    for (let step = 0; step < 500_000 && disagreements.length < 5; step++) {
      const id = ids[Math.floor(random() * ids.length)]!;
      const action = random();
      const expected = model.get(id);
      let got: number | undefined;
      if (action < 0.45) {
        const bytes = Math.floor(random() * 1e6);
        got = table.set(id, bytes);
        model.set(id, bytes);
      } else if (action < 0.9) {
        got = table.delete(id);
        model.delete(id);
      } else {
        got = table.get(id);
      }
      if (got !== expected || table.size !== model.size)
        disagreements.push(`step ${step}, id ${id}: ${got} for ${expected}, size ${table.size}`);
    }
    expect(disagreements).toEqual([]);
    expect(model.size).toBeGreaterThan(1000); // it grew well past its first 64 slots
    for (const [id, bytes] of model) expect(table.get(id)).toBe(bytes);
  });
});
