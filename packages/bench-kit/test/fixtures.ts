import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../src/results.js';

export function temporaryDir(prefix = 'bench-kit-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A valid result file's content with the fields a test cares about overridden. */
export function resultOf(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    schema: 'ringkit-bench-result',
    schemaVersion: 2,
    package: '@ringkit/example',
    bench: 'push-overhead',
    description: null,
    kind: 'overhead',
    unit: '%',
    median: 2,
    interval: { low: 1, high: 3, confidence: 0.95 },
    samples: 30,
    budget: 8,
    verdict: 'pass',
    mode: 'function',
    iterationsPerSample: 1000,
    quick: false,
    seed: 1,
    durationMs: 1234,
    sides: null,
    percentiles: null,
    machine: {
      cpuModel: 'test CPU',
      cores: 2,
      node: 'v20.0.0',
      platform: 'linux',
      arch: 'x64',
      loadAverage: [0.1, 0.2, 0.3],
    },
    timestamp: '2026-11-23T00:00:00.000Z',
    pid: 4242,
    p99Budget: null,
    runs: null,
    worst: null,
    best: null,
    ...overrides,
  };
}

export function writeResultFile(
  resultsDir: string,
  result: BenchResult | string,
  name?: string,
): string {
  const folder = join(
    resultsDir,
    typeof result === 'string' ? 'example' : result.package.replace(/^@[^/]+\//, ''),
  );
  mkdirSync(folder, { recursive: true });
  const file = join(
    folder,
    `${name ?? (typeof result === 'string' ? 'broken' : result.bench)}.json`,
  );
  writeFileSync(file, typeof result === 'string' ? result : JSON.stringify(result));
  return file;
}

/** A workspace root with one package per entry: name → extra package.json fields. */
export function workspaceWith(packages: Record<string, Record<string, unknown>>): string {
  const root = temporaryDir('bench-kit-ws-');
  writeFileSync(
    join(root, 'package.json'),
    JSON.stringify({ name: 'ws', private: true, workspaces: ['packages/*'] }),
  );
  for (const [name, fields] of Object.entries(packages)) {
    const dir = join(root, 'packages', name.replace(/^@[^/]+\//, ''));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '0.0.0', ...fields }));
  }
  return root;
}
