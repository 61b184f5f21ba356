import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import {
  eventually,
  freePort,
  type PipelineProcess,
  startPipeline,
  startServer,
} from './processes.js';

const CAPACITY = 1024; // test/workers/exporting-pipeline.mjs's rings
const HOSTS = ['host-a', 'host-b'] as const;

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

describe.skipIf(skip)('two exporting processes scraped by a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringkit-otel-prometheus-'));
  const hosts: PipelineProcess[] = [];
  let prometheus: ReturnType<typeof startServer> | null = null;
  let api = '';

  async function query(promql: string): Promise<Sample[]> {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: Sample[] } };
    if (body.status !== 'success')
      throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  beforeAll(async () => {
    for (const host of HOSTS)
      hosts.push(
        await startPipeline({
          RINGKIT_PROMETHEUS: '1',
          RINGKIT_PIPELINES: 'capture,export',
          RINGKIT_HOST: host,
        }),
      );
    const targets = hosts.map(({ prometheusUrl }) => new URL(prometheusUrl!).host);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: ringkit',
        '    static_configs:',
        `      - targets: [${targets.map((target) => `'${target}'`).join(', ')}]`,
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
  });

  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the scraped counters are what each process reports: deliveries, no drops, an overload counted', async () => {
    const [a, b] = hosts as [PipelineProcess, PipelineProcess];
    await a.ask({ run: { pipeline: 'capture', records: 10_000, drain: true } }, 'ran');
    await a.ask({ run: { pipeline: 'export', records: 3_000, drain: true } }, 'ran');
    await b.ask({ run: { pipeline: 'capture', records: 7_000, drain: true } }, 'ran');
    // An overload: 5000 records pushed into a 1024-slot ring that nobody drains until the end.
    await b.ask({ run: { pipeline: 'export', records: 5_000, drain: false } }, 'ran');
    const reported = {
      'host-a': await a.ask<Record<string, RingStats>>(
        { run: { pipeline: 'capture', records: 0, drain: true } },
        'ran',
      ),
      'host-b': await b.ask<Record<string, RingStats>>(
        { run: { pipeline: 'capture', records: 0, drain: true } },
        'ran',
      ),
    };
    const finished = Date.now() / 1000;
    expect(reported['host-b'].export).toMatchObject({
      pushed: CAPACITY,
      dropped: 5_000 - CAPACITY,
    });

    // Wait for a scrape of every series that began after the processes stopped moving records.
    const scraped = await eventually(
      'a scrape of both processes after the runs',
      async () => {
        const samples = await query('ringkit_ring_records_popped_total');
        const fresh = samples.filter(({ value }) => value[0] > finished + 0.1);
        return fresh.length === 4 ? samples : undefined;
      },
      30_000,
    );
    expect(scraped).toHaveLength(4);

    for (const [metric, field] of [
      ['ringkit_ring_records_pushed_total', 'pushed'],
      ['ringkit_ring_records_popped_total', 'popped'],
      ['ringkit_ring_records_dropped_total', 'dropped'],
    ] as const) {
      const samples = await query(metric);
      const seen = Object.fromEntries(
        samples.map(({ metric: labels, value }) => [
          `${labels.host}/${labels.pipeline}/${labels.ringkit_ring}`,
          Number(value[1]),
        ]),
      );
      const expected = Object.fromEntries(
        HOSTS.flatMap((host) =>
          ['capture', 'export'].map((pipeline) => [
            `${host}/${pipeline}/${pipeline}-frames`,
            reported[host][pipeline]![field],
          ]),
        ),
      );
      expect(seen, metric).toEqual(expected);
    }
    expect(reported['host-a'].capture!.popped).toBe(10_000);
    expect(reported['host-a'].capture!.dropped).toBe(0);
    expect(reported['host-b'].capture!.dropped).toBe(0);
  });

  it('sum by (pipeline) across both processes adds up what each reports', async () => {
    const reported = await Promise.all(
      hosts.map((host) =>
        host.ask<Record<string, RingStats>>(
          { run: { pipeline: 'capture', records: 0, drain: true } },
          'ran',
        ),
      ),
    );
    const sums = await query('sum by (pipeline) (ringkit_ring_records_popped_total)');
    const byPipeline = Object.fromEntries(
      sums.map(({ metric, value }) => [metric.pipeline, Number(value[1])]),
    );
    expect(byPipeline).toEqual({
      capture: reported[0]!.capture!.popped + reported[1]!.capture!.popped,
      export: reported[0]!.export!.popped + reported[1]!.export!.popped,
    });
    expect(byPipeline).toEqual({ capture: 17_000, export: 3_000 + CAPACITY });
    const up = await query('up{job="ringkit"}');
    expect(up.map(({ value }) => value[1])).toEqual(['1', '1']);
  });
});
