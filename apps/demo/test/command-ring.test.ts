import { describe, expect, it } from 'vitest';
import { checkLiveBooks } from '../src/conservation.js';
import type { CommandRingPanel, PipelineContext, PipelineFigures } from '../src/pipeline.js';
import { createCommandRingPipeline } from '../src/pipelines/command-ring.js';
import { TraceRecorder } from '../src/trace.js';

function panelOf(figures: PipelineFigures): CommandRingPanel {
  const panel = figures.panels.find((candidate) => candidate.kind === 'command-ring');
  expect(panel).toBeDefined();
  return panel as CommandRingPanel;
}

const delivered = (figures: PipelineFigures) => figures.sources[0]?.delivered ?? 0;

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the command-ring pipeline', () => {
  it('refuses bad ring sizes in one sentence, switches sizes live, carries its counters over and balances its books', async () => {
    const pipeline = createCommandRingPipeline();
    const failures: unknown[] = [];
    const context: PipelineContext = {
      trace: new TraceRecorder(false),
      tracePid: 1,
      forceSynthetic: true,
      namePrefix: `ringkit-demo-test-${process.pid}-command-ring`,
      fail: (error) => failures.push(error),
    };
    await pipeline.start(context);
    try {
      const first = pipeline.snapshot();
      expect(first.sources.map((source) => source.name)).toEqual(['commands']);
      expect(panelOf(first)).toMatchObject({ ringSizes: [1, 2, 3, 4] });
      const startSize = panelOf(first).ringSize;
      await until(() => delivered(pipeline.snapshot()) > 0);

      for (const ringSize of [0, 5, 2.5, '3', null, Number.NaN])
        await expect(pipeline.control!({ type: 'set-ring-size', ringSize })).rejects.toThrow(
          /^the ring size must be a whole number from 1 to 4, got .+\.$/,
        );
      await expect(pipeline.control!({ type: 'set-size', ringSize: 2 })).rejects.toThrow(
        /takes only set-ring-size messages/,
      );
      expect(panelOf(pipeline.snapshot()).ringSize).toBe(startSize);

      for (const ringSize of [1, 4, 3]) {
        const before = delivered(pipeline.snapshot());
        await pipeline.control!({ type: 'set-ring-size', ringSize });
        const after = pipeline.snapshot();
        expect(panelOf(after).ringSize).toBe(ringSize);
        expect(after.rings).toEqual([
          {
            name: 'command ring slots',
            used: expect.any(Number),
            capacity: ringSize,
            peak: expect.any(Number),
          },
        ]);
        expect(after.rings[0]!.peak).toBeLessThanOrEqual(ringSize);
        // The live books, read while commands move, add up (in flight allowed for).
        expect(checkLiveBooks(after.books!)).toMatchObject({ ok: true });
        // The counters carry over the new ring: delivered never goes back.
        expect(delivered(after)).toBeGreaterThanOrEqual(before);
        await until(() => delivered(pipeline.snapshot()) > delivered(after));
      }
      // The worker's peak in flight since the previous take: commands run in bursts, so some
      // sample sees a busy slot even where the instant reading (just now) finds none.
      await until(() => (pipeline.snapshot().rings[0]?.peak ?? 0) > 0);
      // Utilisation is published per 500 ms window of the new ring.
      await until(() => panelOf(pipeline.snapshot()).utilisationPercent > 0);
      const panel = panelOf(pipeline.snapshot());
      expect(panel.utilisationPercent).toBeLessThanOrEqual(100);
      expect(panel.reuseRate).toBeGreaterThanOrEqual(0);
      expect(panel.reuseRate).toBeLessThanOrEqual(1);
      expect(panel.averageWaitMs).toBeGreaterThanOrEqual(0);
    } finally {
      const report = await pipeline.stop();
      expect(report.ok, report.detail).toBe(true);
      expect(report.produced).toBeGreaterThan(0);
      expect(report.produced).toBe(report.delivered + report.dropped);
      expect(report.detail).toMatch(/over 4 rings/);
    }
    expect(failures).toEqual([]);
  });

  it("times every command from the ring's completion records: device time, and gaps as long as the encoding with one slot", async () => {
    const pipeline = createCommandRingPipeline();
    const failures: unknown[] = [];
    await pipeline.start({
      trace: new TraceRecorder(false),
      tracePid: 1,
      forceSynthetic: true,
      namePrefix: `ringkit-demo-test-${process.pid}-command-timings`,
      fail: (error) => failures.push(error),
    });
    try {
      await pipeline.control!({ type: 'set-ring-size', ringSize: 1 });
      // Medians of the commands since the previous sample: the next sample's are all ring size 1.
      pipeline.snapshot();
      await until(() => (panelOf(pipeline.snapshot()).timings?.recentCommands.length ?? 0) >= 40);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const timings = panelOf(pipeline.snapshot()).timings!;
      expect(timings.recentCommands).toHaveLength(40);
      // Each command spins X = 100 µs on the executor (busyFor) between its start and end.
      for (const command of timings.recentCommands) {
        expect(command.deviceUs).toBeGreaterThanOrEqual(99);
        if (command.gapUs !== null) expect(command.gapUs).toBeGreaterThanOrEqual(0);
      }
      // A burst's first command follows the pause: no gap; every other one has one.
      const withoutGap = timings.recentCommands.filter((command) => command.gapUs === null);
      expect(withoutGap.length).toBeGreaterThanOrEqual(1);
      expect(withoutGap.length).toBeLessThanOrEqual(3);
      expect(timings.medianDeviceUs).toBeGreaterThanOrEqual(99);
      // One slot: the next command is encoded (E = 100 µs) only once the last one has finished,
      // so the device waits at least that long between two commands.
      expect(timings.medianGapUs).toBeGreaterThanOrEqual(99);
      expect(timings.timingsDropped).toBe(0);
    } finally {
      const report = await pipeline.stop();
      expect(report.ok, report.detail).toBe(true);
      // Every completed fence had its completion record read, none lost.
      expect(report.detail).toContain(`${report.delivered} completion records read, 0 lost`);
    }
    expect(failures).toEqual([]);
  });
});
