import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { nativeUnavailableReason } from '../src/index.js';

const run = (example: string) =>
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL(`../examples/${example}`, import.meta.url))],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );

describe('the README examples', () => {
  it('examples/pipeline.mjs moves every record through two lanes and every buffer comes home', () => {
    const output = run('pipeline.mjs');
    expect(output).toMatch(/received: \[ 50000, 50000 \]/);
    expect(output).toMatch(/home: true/);
  });

  const skip = requireOrSkip(
    nativeUnavailableReason() === '',
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );
  it.skipIf(skip)(
    'examples/native-pipeline.mjs runs every role natively and verifies every record',
    () => {
      const output = run('native-pipeline.mjs');
      expect(output).toMatch(/written: \[ 500000, 500000 \]/);
      expect(output).toMatch(/verified: \[ 500000, 500000 \]/);
      expect(output).toMatch(/errors: \[ 0, 0 \]/);
      expect(output).toMatch(/home: true/);
    },
  );
});
