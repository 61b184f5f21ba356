import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('the README example', () => {
  it('examples/pipeline.mjs moves every record through two lanes and every buffer comes home', () => {
    const output = execFileSync(
      process.execPath,
      [fileURLToPath(new URL('../examples/pipeline.mjs', import.meta.url))],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(output).toMatch(/received: \[ 50000, 50000 \]/);
    expect(output).toMatch(/home: true/);
  });
});
