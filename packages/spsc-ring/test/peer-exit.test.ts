import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';

const SCRIPT = fileURLToPath(new URL('./workers/peer-exit.mjs', import.meta.url));

/** Runs test/workers/peer-exit.mjs in a fresh process: a main thread whose only work is a waitAsync. */
function waitInFreshProcess(how: string, domain: string, side: string) {
  const run = spawnSync(process.execPath, [SCRIPT, how, domain, side], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  return {
    status: run.status,
    result: line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : null,
    // Status and signal too: a run that died silently (no output at all) must still say how.
    output: `exit status ${run.status}, signal ${run.signal}, error ${run.error?.message}\n${run.stdout}${run.stderr}`,
  };
}

const domains = ['process', 'os'] as const;
const native = nativeBinding() !== null;

describe.each(domains)('a worker peer that ends without close(), wait domain %s', (domain) => {
  const skip =
    domain === 'os' &&
    requireOrSkip(native, `the native addon is not built: ${nativeUnavailableReason()}`);

  it.skipIf(skip).each(['return', 'throw', 'terminate'])(
    'a producer that ends by %s: the main thread drains its records, then waitAsync says peer-gone',
    (how) => {
      const { status, result, output } = waitInFreshProcess(how, domain, 'consumer');
      expect(result, output).toMatchObject({ outcome: 'peer-gone', received: 10 });
      expect(result!.ms).toBeLessThan(2_500); // the wait's timeout is 3 s: not a timeout
      expect(status).toBe(0);
    },
  );

  it.skipIf(skip).each(['return', 'throw', 'terminate'])(
    'a consumer that ends by %s: pushAsync into the full ring throws PEER_GONE',
    (how) => {
      const { status, result, output } = waitInFreshProcess(how, domain, 'producer');
      expect(result, output).toMatchObject({ outcome: 'PEER_GONE' });
      expect(result!.ms).toBeLessThan(2_500);
      expect(status).toBe(0);
    },
  );

  it.skipIf(skip)(
    'waitAsync keeps a process with nothing else to do alive until it settles (timeout)',
    () => {
      const consumer = waitInFreshProcess('none', domain, 'consumer');
      expect(consumer.result, consumer.output).toMatchObject({ outcome: 'timeout', received: 0 });
      expect(consumer.status).toBe(0);
      const producer = waitInFreshProcess('none', domain, 'producer');
      expect(producer.result, producer.output).toMatchObject({ outcome: 'TIMEOUT' });
      expect(producer.status).toBe(0);
    },
  );
});
