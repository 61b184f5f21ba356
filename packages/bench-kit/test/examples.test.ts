import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/bench-kit.mjs', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../examples/push.bench.ts', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'bench-kit-example-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the README example', () => {
  it('examples/push.bench.ts runs as written: three results, the callback loop over budget', () => {
    const run = spawnSync(process.execPath, [BIN, 'run', EXAMPLE, '--quick', '--out', out], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    // forEach with a callback is several times slower than the plain loop: far over 8%.
    expect(output).toMatch(/ foreach-vs-loop: \+\d+\.\d+% \[.+\] FAIL \(budget 8%\)/);
    expect(output).toMatch(/ fill-1k: [\d.]+ [kMG]? ?items\/s \[.+\]/);
    expect(output).toMatch(
      / startup: [+−-]\d+\.\d+% \[.+\] (PASS|FAIL|INCONCLUSIVE) \(budget 20%\)/,
    );
    expect(output).toContain('bench-kit: 1 benchmark(s) failed their target: foreach-vs-loop.');
    expect(run.status).toBe(1);
    for (const name of ['foreach-vs-loop', 'fill-1k', 'startup'])
      expect(existsSync(join(out, 'bench-kit', `${name}.json`)), name).toBe(true);
  });
});
