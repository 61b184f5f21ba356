import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs a snippet against the built package in a fresh process with the addon switched off. */
function withoutAddon(body: string) {
  const script = `import * as cmdring from ${JSON.stringify(ENTRY)};\n${body}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, RINGKIT_NO_NATIVE: '1' },
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

describe('the native addon, as every ringkit package loads it', () => {
  it('is switched off by RINGKIT_NO_NATIVE=1, and nativeUnavailableReason() says so', () => {
    const { status, stdout } = withoutAddon(
      'console.log(cmdring.nativeUnavailableReason()); console.log(cmdring.nativeBinding());',
    );
    expect(status).toBe(0);
    expect(stdout).toBe('the native addon is disabled by RINGKIT_NO_NATIVE=1\nnull');
  });

  it('refuses to open a ring without it, in one coded sentence', () => {
    const { status, stdout } = withoutAddon(
      "try { cmdring.openRing({ backend: 'cpu' }); } catch (error) { console.log(error.code + ': ' + error.message); }",
    );
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /^NATIVE_UNAVAILABLE: .+ needs @ringkit\/metal-cmdring's native addon, but the native addon is disabled by RINGKIT_NO_NATIVE=1; unset RINGKIT_NO_NATIVE to use it\.$/,
    );
  });

  it('loads here: nativeUnavailableReason() is empty', async () => {
    const { nativeUnavailableReason } = await import('../src/index.js');
    expect(nativeUnavailableReason()).toBe('');
  });
});
