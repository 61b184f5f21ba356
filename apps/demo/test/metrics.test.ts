import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { pipelines } from '../src/pipelines/index.js';
import {
  booksLines,
  bpfUnavailableReason,
  metricsUrl,
  startDemo,
  summaryRows,
} from './run-demo.js';

const ids = pipelines.map((pipeline) => pipeline.id);
/**
 * The pipelines that register metrics (observeMetrics is optional: the CPU profiler reads a BPF
 * hash map, for which @ringkit/otel has no kind yet). Creating one starts nothing.
 */
const observed = pipelines
  .filter((definition) => definition.create().observeMetrics !== undefined)
  .map((definition) => definition.id);

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition (no comments, no escaped quotes in labels). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((label) => [label[1]!, label[2]!]),
    );
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of one metric's samples for one pipeline (over lanes, devices, …). */
function total(samples: readonly Sample[], name: string, pipeline: string): number {
  const matching = samples.filter((s) => s.name === name && s.labels.pipeline === pipeline);
  expect(matching.length, `${name} for ${pipeline}`).toBeGreaterThan(0);
  return matching.reduce((sum, sample) => sum + sample.value, 0);
}

describe('--metrics-port', () => {
  it("serves /metrics with every pipeline's ringkit_ metrics, counting what the demo reports, and stops serving with the demo", async () => {
    const run = startDemo(['--headless', '--synthetic', '--metrics-port', '0']);
    const url = await metricsUrl(run);
    while (booksLines(run).length < 2 * ids.length && run.child.exitCode === null)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const before = booksLines(run);
    const response = await fetch(url);
    const scrapedAt = Date.now();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const samples = parseExposition(await response.text());
    // Wait for a table printed well after the scrape: its books were read after it too.
    while (
      !booksLines(run).some((line) => line.at > scrapedAt + 1500) &&
      run.child.exitCode === null
    )
      await new Promise((resolve) => setTimeout(resolve, 50));
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toBe('');
    const after = booksLines(run).filter((line) => line.at > scrapedAt + 1500);

    expect(observed).toEqual(expect.arrayContaining(['syscalls', 'device-lanes', 'command-ring']));
    for (const id of observed)
      expect(
        samples.some((s) => s.name.startsWith('ringkit_') && s.labels.pipeline === id),
        `no ringkit_ metric for ${id}`,
      ).toBe(true);
    // What each pipeline delivered and dropped, in the metrics that count them: between what
    // the table printed before the scrape and one printed after it says.
    const scraped = {
      syscalls: {
        delivered: total(samples, 'ringkit_ring_records_popped_total', 'syscalls'),
        dropped: total(samples, 'ringkit_ring_records_dropped_total', 'syscalls'),
      },
      'device-lanes': {
        delivered: total(samples, 'ringkit_pool_records_collected_total', 'device-lanes'),
        dropped: total(samples, 'ringkit_pool_records_dropped_total', 'device-lanes'),
      },
      'command-ring': {
        delivered: total(samples, 'ringkit_command_ring_fences_completed_total', 'command-ring'),
        dropped: 0, // abandoned commands are counted only when the ring closes
      },
    };
    for (const [pipeline, counts] of Object.entries(scraped)) {
      const earlier = before.filter((line) => line.pipeline === pipeline).at(-1)!;
      const later = after.find((line) => line.pipeline === pipeline)!;
      expect(counts.delivered, pipeline).toBeGreaterThan(0);
      for (const field of ['delivered', 'dropped'] as const) {
        expect(counts[field], `${pipeline} ${field} vs the table before`).toBeGreaterThanOrEqual(
          earlier[field],
        );
        expect(counts[field], `${pipeline} ${field} vs a table after`).toBeLessThanOrEqual(
          later[field],
        );
      }
    }
    expect(total(samples, 'ringkit_pool_conservation', 'device-lanes')).toBe(1);
    expect(total(samples, 'ringkit_tracking_memory_live', 'device-lanes')).toBeGreaterThan(0);
    expect(samples.filter((s) => s.name === 'ringkit_metrics_read_errors_total')).toEqual([]);

    for (const row of summaryRows(run.stdout())) expect(row.conservation).toBe('conserved');
    await expect(fetch(url)).rejects.toThrow();
  });

  const bpfMissing = bpfUnavailableReason();
  it.skipIf(requireOrSkip(bpfMissing === '', bpfMissing))(
    "exports the eBPF reader's counts, per CPU ring and with both sides' drops, when it reads the kernel",
    async () => {
      const run = startDemo(['--headless', '--metrics-port', '0']);
      const url = await metricsUrl(run);
      while (booksLines(run).length < 2 * ids.length && run.child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const before = booksLines(run).filter((line) => line.pipeline === 'syscalls');
      const samples = parseExposition(await (await fetch(url)).text());
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toMatch(/^syscalls\s+kernel \(eBPF, \d+ per-CPU rings\)/m);
      const consumed = total(samples, 'ringkit_bpf_events_consumed_total', 'syscalls');
      expect(consumed).toBeGreaterThanOrEqual(before.at(-1)!.delivered);
      expect(consumed).toBeLessThanOrEqual(
        summaryRows(run.stdout()).find((row) => row.pipeline === 'syscalls')!.delivered,
      );
      const sides = samples
        .filter((s) => s.name === 'ringkit_bpf_events_dropped_total')
        .map((s) => s.labels.ringkit_drop_side);
      expect(sides.sort()).toEqual(['js', 'kernel']);
      // One series per kernel ring: the demo reads one ring per CPU.
      const rings = Number(/kernel \(eBPF, (\d+) per-CPU rings\)/.exec(run.stdout())![1]);
      const cpus = samples
        .filter((s) => s.name === 'ringkit_bpf_ring_events_taken_total')
        .map((s) => s.labels.ringkit_cpu);
      expect(new Set(cpus).size).toBe(rings);
    },
  );
});
