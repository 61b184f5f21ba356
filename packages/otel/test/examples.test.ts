import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startOtlpReceiver } from './otlp-receiver.js';

const EXAMPLE = fileURLToPath(new URL('../examples/metrics.mjs', import.meta.url));

const SCRAPED = [
  /^ringkit_ring_records_pushed_total\{pipeline="capture",ringkit_ring="frames",otel_scope_name="@ringkit\/otel",otel_scope_version="[^"]+"\} 1024$/m,
  /^ringkit_ring_records_popped_total\{.*\} 1024$/m,
  /^ringkit_ring_records_dropped_total\{.*\} 3976$/m,
];

describe('the README example', () => {
  it('examples/metrics.mjs runs as written and prints its own scrape: 1024 delivered, 3976 dropped', () => {
    const run = spawnSync(process.execPath, [EXAMPLE], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const line of SCRAPED) expect(run.stdout).toMatch(line);
  });

  it('examples/metrics.mjs --otlp URL also pushes the same counts over OTLP/HTTP as it closes', async () => {
    const receiver = await startOtlpReceiver();
    try {
      // spawn, not spawnSync: the receiver answers in this process while the example runs.
      const child = spawn(process.execPath, [EXAMPLE, '--otlp', receiver.url], { stdio: 'pipe' });
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      const dropped = receiver.exports
        .flatMap((exported) => exported.points)
        .filter((point) => point.metric === 'ringkit.ring.records.dropped')
        .map((point) => point.value);
      expect(dropped.at(-1)).toBe(3976);
    } finally {
      await receiver.close();
    }
  });
});
