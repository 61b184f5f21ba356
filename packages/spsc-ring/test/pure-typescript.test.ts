import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** Runs a snippet against the built package in a fresh process with the addon switched off. */
function withoutAddon(body: string) {
  const script = `import * as ring from ${JSON.stringify(ENTRY)};\n${body}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, RINGKIT_NO_NATIVE: '1' },
  });
  return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
}

describe('without the native addon', () => {
  it('a process-domain ring works in pure TypeScript', () => {
    const { status, stdout } = withoutAddon(`
      const buffer = ring.createRing({ kind: 'bytes', capacity: 1024 });
      const producer = ring.ByteProducer.attach(buffer);
      const consumer = ring.ByteConsumer.attach(buffer);
      producer.tryPush(new Uint8Array([1, 2, 3]), 9);
      console.log(JSON.stringify(consumer.tryPop()), consumer.wait({ timeoutMs: 0 }));
    `);
    expect(status).toBe(0);
    expect(stdout).toBe('{"type":9,"payload":{"0":1,"1":2,"2":3}} timeout');
  });

  it('an os-domain ring refuses to attach, saying what is missing and how to build it', () => {
    const { status, stdout } = withoutAddon(`
      const buffer = ring.createRing({ kind: 'fixed', capacity: 8, recordSize: 8, waitDomain: 'os' });
      try { ring.FixedConsumer.attach(buffer); } catch (error) { console.log(error.code + ': ' + error.message); }
    `);
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /^NATIVE_UNAVAILABLE: wait domain "os" \(futex\) needs @ringkit\/spsc-ring's native addon, but the native addon is disabled by RINGKIT_NO_NATIVE=1; unset RINGKIT_NO_NATIVE to use it\.$/,
    );
    expect(stdout.split('\n')).toHaveLength(1);
  });

  it('says why through nativeUnavailableReason()', () => {
    expect(withoutAddon('console.log(ring.nativeUnavailableReason())').stdout).toBe(
      'the native addon is disabled by RINGKIT_NO_NATIVE=1',
    );
    expect(withoutAddon('console.log(ring.nativeBinding())').stdout).toBe('null');
  });
});
