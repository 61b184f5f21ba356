import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import {
  type BooksLine,
  booksLines,
  buildDemo,
  DEMO_COUNTERS,
  type DemoPipeline,
  type DemoRun,
  metricsUrl,
  prometheusCounter,
  reportedAround,
  startDemo,
  summaryRows,
} from './demos.js';
import {
  eventually,
  freePort,
  type PipelineProcess,
  startPipeline,
  startServer,
} from './processes.js';

const CAPACITY = 1024; // test/workers/exporting-pipeline.mjs's rings
const OVERLOAD_RECORDS = 5_000;
/** Scrapes of each demo before they stop. */
const SCRAPES = 3;
/** A table printed this long after a scrape read its figures after the scrape's collection. */
const AFTER_MARGIN_MS = 2000;
const PIPELINES = Object.keys(DEMO_COUNTERS) as DemoPipeline[];

const prometheusMissing = spawnSync('prometheus', ['--version']).status !== 0;
const skip = requireOrSkip(
  !prometheusMissing,
  "the prometheus binary is missing; install Debian's prometheus (bash scripts/install-system-deps.sh)",
);

interface RingStats {
  pushed: number;
  popped: number;
  dropped: number;
}
type Sample = { metric: Record<string, string>; value: [number, string] };
type Series = { metric: Record<string, string>; values: [number, string][] };

/** One demo of the fleet: how Prometheus names it, and what it reported itself. */
interface Host {
  readonly run: DemoRun;
  readonly instance: string;
  books: BooksLine[];
  summary: ReturnType<typeof summaryRows>;
  code: number;
}

describe.skipIf(skip)('two demos, as two hosts of a fleet, scraped by a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-otel-prometheus-'));
  const hosts: Host[] = [];
  let overload: PipelineProcess | null = null;
  let overloadReported: Record<string, RingStats> = {};
  let prometheus: ReturnType<typeof startServer> | null = null;
  let api = '';

  async function query<T = Sample>(promql: string): Promise<T[]> {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: T[] } };
    if (body.status !== 'success')
      throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  /** Every scrape of `metric` for one host and pipeline, its series (lanes) added up: time (ms) → value. */
  async function scraped(
    metric: string,
    host: Host,
    pipeline: string,
  ): Promise<Map<number, number>> {
    const series = await query<Series>(
      `${metric}{job="ringkit-demo",instance="${host.instance}",pipeline="${pipeline}"}[5m]`,
    );
    const byTime = new Map<number, number>();
    for (const { values } of series)
      for (const [seconds, value] of values)
        byTime.set(seconds * 1000, (byTime.get(seconds * 1000) ?? 0) + Number(value));
    return new Map([...byTime].sort(([a], [b]) => a - b));
  }

  beforeAll(async () => {
    buildDemo();
    for (let i = 0; i < 2; i++) {
      const run = startDemo(['--headless', '--synthetic', '--metrics-port', '0']);
      const url = await metricsUrl(run);
      hosts.push({ run, instance: new URL(url).host, books: [], summary: [], code: -1 });
    }
    // The demo cannot be overloaded on purpose: a process of ours overloads a ring instead.
    overload = await startPipeline({
      RINGKIT_PROMETHEUS: '1',
      RINGKIT_PIPELINES: 'export',
      RINGKIT_HOST: 'overloaded',
    });
    const target = (instances: readonly string[]) =>
      `      - targets: [${instances.map((instance) => `'${instance}'`).join(', ')}]`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: ringkit-demo',
        '    static_configs:',
        target(hosts.map((host) => host.instance)),
        '  - job_name: ringkit-overload',
        '    static_configs:',
        target([new URL(overload.prometheusUrl!).host]),
        '',
      ].join('\n'),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = startServer('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    await eventually(
      'Prometheus to be ready',
      async () => ((await fetch(`${api}/-/ready`)).ok ? true : undefined),
      30_000,
    ).catch((error) => {
      throw new Error(`${error.message}; its log:\n${prometheus?.log()}`);
    });

    // An overload: 5000 records pushed into a 1024-slot ring that nobody drains until the end.
    overloadReported = await overload.ask(
      { run: { pipeline: 'export', records: OVERLOAD_RECORDS, drain: false } },
      'ran',
    );
    const overloaded = Date.now() / 1000;
    await eventually(
      `${SCRAPES} scrapes of each demo, and one of the overload after it`,
      async () => {
        const up = await query('sum_over_time(up{job="ringkit-demo"}[5m])');
        const dropped = await query('ringkit_ring_records_dropped_total{job="ringkit-overload"}');
        return up.length === 2 &&
          up.every(({ value }) => Number(value[1]) >= SCRAPES) &&
          dropped.some(({ value }) => value[0] > overloaded + 0.1)
          ? true
          : undefined;
      },
      60_000,
    );
    for (const host of hosts) host.run.child.kill('SIGINT');
    for (const host of hosts) {
      host.code = await host.run.exited;
      host.books = booksLines(host.run);
      host.summary = summaryRows(host.run.stdout());
    }
  }, 120_000);

  afterAll(async () => {
    for (const host of hosts) if (host.run.child.exitCode === null) host.run.child.kill('SIGKILL');
    await Promise.all(hosts.map((host) => host.run.exited));
    await overload?.stop();
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every scrape of each demo is what the demo's own tables said then, up to its last scrape", async () => {
    for (const host of hosts) {
      expect(host.code, host.run.stderr()).toBe(0);
      // Every pipeline the demo ran balanced its books (it runs more than those exported here).
      expect(host.summary.map((row) => row.pipeline)).toEqual(expect.arrayContaining(PIPELINES));
      expect(host.summary.map((row) => row.conservation)).toEqual(
        host.summary.map(() => 'conserved'),
      );
      for (const pipeline of PIPELINES) {
        const final = host.summary.find((row) => row.pipeline === pipeline)!;
        for (const field of ['delivered', 'dropped'] as const) {
          const counter = DEMO_COUNTERS[pipeline][field];
          if (counter === null) continue;
          const metric = prometheusCounter(counter);
          const scrapes = await scraped(metric, host, pipeline);
          expect(scrapes.size, `${host.instance} ${metric}`).toBeGreaterThanOrEqual(SCRAPES);
          for (const [atMs, value] of scrapes) {
            const what = `${host.instance} ${pipeline} ${field} scraped at ${new Date(atMs).toISOString()}`;
            const { atLeast, atMost } = reportedAround(
              host.books,
              pipeline,
              field,
              atMs,
              final[field],
              AFTER_MARGIN_MS,
            );
            expect(value, what).toBeGreaterThanOrEqual(atLeast);
            expect(value, what).toBeLessThanOrEqual(atMost);
          }
          if (field === 'delivered') expect([...scrapes.values()].at(-1)).toBeGreaterThan(0);
        }
      }
    }
  });

  it("an overload's drops are scraped as the overloaded process counts them", async () => {
    expect(overloadReported.export).toMatchObject({
      pushed: CAPACITY,
      dropped: OVERLOAD_RECORDS - CAPACITY,
    });
    for (const [metric, field] of [
      ['ringkit_ring_records_pushed_total', 'pushed'],
      ['ringkit_ring_records_dropped_total', 'dropped'],
    ] as const) {
      const samples = await query(`${metric}{job="ringkit-overload"}`);
      expect(
        samples.map(({ metric: labels, value }) => [labels.host, labels.ringkit_ring, value[1]]),
      ).toEqual([['overloaded', 'export-frames', String(overloadReported.export![field])]]);
    }
  });

  it('sum by (pipeline) across both demos adds up their last scrapes, within what they report', async () => {
    const delivered = PIPELINES.map((pipeline) =>
      prometheusCounter(DEMO_COUNTERS[pipeline].delivered),
    );
    const promql = `sum by (pipeline) (last_over_time({__name__=~"${delivered.join('|')}",job="ringkit-demo"}[5m]))`;
    const sums = await query(promql);
    const byPipeline = Object.fromEntries(
      sums.map(({ metric, value }) => [metric.pipeline, Number(value[1])]),
    );
    // The answer, for whoever reads the test's output: what an operator's dashboard would show.
    console.log(`PromQL ${promql}\n→ ${JSON.stringify(byPipeline)}`);
    expect(Object.keys(byPipeline).sort()).toEqual([...PIPELINES].sort());
    for (const pipeline of PIPELINES) {
      let lastScrapes = 0;
      let reportedBefore = 0;
      let reportedInTheEnd = 0;
      for (const host of hosts) {
        const scrapes = await scraped(
          prometheusCounter(DEMO_COUNTERS[pipeline].delivered),
          host,
          pipeline,
        );
        const [atMs, value] = [...scrapes].at(-1)!;
        lastScrapes += value;
        const final = host.summary.find((row) => row.pipeline === pipeline)!.delivered;
        reportedBefore += reportedAround(host.books, pipeline, 'delivered', atMs, final, 0).atLeast;
        reportedInTheEnd += final;
      }
      expect(byPipeline[pipeline], pipeline).toBe(lastScrapes);
      expect(byPipeline[pipeline], pipeline).toBeGreaterThanOrEqual(reportedBefore);
      expect(byPipeline[pipeline], pipeline).toBeLessThanOrEqual(reportedInTheEnd);
    }
  });
});
