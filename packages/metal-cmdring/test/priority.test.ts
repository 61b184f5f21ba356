import { describe, expect, it } from 'vitest';
import type { CommandCompletion, CommandRing } from '../src/index.js';
import { cpuRing, outcome, skipWithoutAddon } from './helpers.js';

/** Reads completions() until `count` records arrived. */
async function collect(ring: CommandRing, count: number): Promise<CommandCompletion[]> {
  const records: CommandCompletion[] = [];
  for await (const batch of ring.completions()) {
    records.push(...batch);
    if (records.length >= count) break;
  }
  return records;
}

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

describe.skipIf(skipWithoutAddon)('allocation strategy priority (cpu backend)', () => {
  it('a high-priority command overtakes low-priority ones queued before it', async () => {
    const ring = cpuRing({ ringSize: 8, allocationStrategy: 'priority', priorityLevels: 3 });
    expect(ring.priorityLevels).toBe(3);
    const reading = collect(ring, 8);
    // Fence 1 holds the executor for 400 ms while the rest queue behind it. At the top level
    // it is the oldest there, so it runs first even if the executor wakes after the rest arrive.
    const blocker = await ring.acquire();
    blocker.busyFor(400_000);
    const commits = [ring.commit(blocker, { priority: 2 })];
    const levels = [0, 0, 1, 0, 2, 1, 2]; // fences 2 to 8
    for (const priority of levels) {
      const slot = await ring.acquire();
      slot.busyFor(50);
      commits.push(ring.commit(slot, { priority }));
    }
    const queuedNs = nowNs();
    expect(await Promise.all(commits)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const records = await reading;
    // The order below holds only if every command was queued while fence 1 ran.
    expect(queuedNs).toBeLessThan(records[0]?.endNs ?? 0);
    // Level 2 first (6, 8), then level 1 (4, 7), then level 0 (2, 3, 5): fence order in each.
    expect(records.map((record) => record.fence)).toEqual([1, 6, 8, 4, 7, 2, 3, 5]);
    for (let i = 1; i < records.length; i++)
      expect(records[i]?.startNs).toBeGreaterThanOrEqual(records[i - 1]?.endNs ?? 0);
    const stats = ring.stats();
    expect(stats).toMatchObject({
      totalAcquisitions: 8,
      totalReleases: 8,
      submittedFences: 8,
      completedFences: 8,
    });
    expect(await ring.close()).toEqual({ drained: true, abandonedFences: 0 });
  });

  it('every fence settles once and the counters balance over random priorities', async () => {
    const ring = cpuRing({ ringSize: 4, allocationStrategy: 'priority', priorityLevels: 4 });
    // Read until the ring closes: this loop seldom yields to the event loop, so the reader on
    // the same thread may fall a whole completion ring behind, and what it misses is counted.
    const reading = collect(ring, Number.POSITIVE_INFINITY);
    const commits: Promise<number>[] = [];
    const levelOf = new Map<number, number>();
    for (let i = 0; i < 400; i++) {
      const slot = await ring.acquire();
      slot.busyFor(i % 7);
      const priority = (i * 7) % 4;
      levelOf.set(slot.fence, priority);
      commits.push(ring.commit(slot, { priority }));
    }
    const fences = await Promise.all(commits);
    expect(fences).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(ring.stats()).toMatchObject({ submittedFences: 400, completedFences: 400 });
    expect(ring.completedFences).toBe(400);
    expect(await ring.close()).toEqual({ drained: true, abandonedFences: 0 });
    const records = await reading;
    // Every command's record delivered or counted as dropped, none twice.
    expect(new Set(records.map((record) => record.fence)).size).toBe(records.length);
    expect(records.length + ring.completionsDropped).toBe(400);
    const lastInLevel = new Map<number, number>();
    for (const { fence } of records) {
      const level = levelOf.get(fence) ?? -1;
      expect(fence).toBeGreaterThan(lastInLevel.get(level) ?? 0);
      lastInLevel.set(level, fence);
    }
  });

  it('close with commands queued at several levels reports exactly the ones it rejected', async () => {
    const ring = cpuRing({ ringSize: 8, allocationStrategy: 'priority', priorityLevels: 3 });
    const commits: Promise<number>[] = [];
    for (let i = 0; i < 8; i++) {
      const slot = await ring.acquire();
      // Fence 1, the oldest at the top level, runs first and outlasts the close timeout.
      slot.busyFor(i === 0 ? 5_000_000 : 100);
      commits.push(ring.commit(slot, { priority: i === 0 ? 2 : i % 3 }));
    }
    const report = await ring.close({ timeoutMs: 50 });
    const outcomes = await Promise.all(commits.map(outcome));
    const rejected = outcomes.filter(({ error }) => error?.code === 'CLOSE_TIMEOUT').length;
    expect(report.drained).toBe(false);
    expect(report.abandonedFences).toBe(rejected);
    expect(rejected).toBe(8);
  });

  it('abandonedFences is exactly the number of CLOSE_TIMEOUT rejections, over 300 close races at several levels', async () => {
    let racesWithBothOutcomes = 0;
    for (let race = 0; race < 300; race++) {
      const ring = cpuRing({ ringSize: 4, allocationStrategy: 'priority', priorityLevels: 3 });
      const commits: ReturnType<typeof outcome<number>>[] = [];
      for (let i = 0; i < 4; i++) {
        const slot = (await ring.acquire()).busyFor(400);
        commits.push(outcome(ring.commit(slot, { priority: (race + i) % 3 })));
      }
      const report = await ring.close({ timeoutMs: 0.5 + (race % 9) * 0.1 });
      const settled = await Promise.all(commits);
      const rejected = settled.filter(({ error }) => error?.code === 'CLOSE_TIMEOUT').length;
      const resolved = settled.filter(({ error }) => error === undefined).length;
      expect(resolved + rejected).toBe(4);
      expect({ race, ...report }).toEqual({
        race,
        drained: rejected === 0,
        abandonedFences: rejected,
      });
      if (rejected > 0 && resolved > 0) racesWithBothOutcomes++;
    }
    // The timing reaches the interesting case at least sometimes, or the test proves little.
    expect(racesWithBothOutcomes).toBeGreaterThan(0);
  });

  it('refuses a priority outside the levels with INVALID_OPTIONS, leaving the slot to commit', async () => {
    const ring = cpuRing({ ringSize: 2, allocationStrategy: 'priority', priorityLevels: 2 });
    const slot = await ring.acquire();
    for (const priority of [2, -1, 0.5, '1']) {
      // Thrown, as a slot that cannot be committed is: nothing reached the ring.
      expect(() => ring.commit(slot, { priority: priority as number })).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTIONS',
          message: expect.stringMatching(
            /^priority must be a whole number from 0 \(the lowest\) to 1 \(priorityLevels − 1\), got .+\.$/,
          ),
        }),
      );
    }
    expect(await ring.commit(slot, { priority: 1 })).toBe(1);
    await ring.close();
  });

  it('a round-robin ring takes only priority 0, and says how to get more', async () => {
    const ring = cpuRing({ ringSize: 2 });
    expect(ring.priorityLevels).toBe(1);
    const slot = await ring.acquire();
    expect(() => ring.submit(slot, { priority: 1 })).toThrow(
      /^priority 1 needs a ring opened with allocationStrategy 'priority'/,
    );
    expect(ring.submit(slot, { priority: 0 })).toBe(1);
    await ring.close();
  });
});
