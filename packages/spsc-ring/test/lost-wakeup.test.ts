import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { FixedConsumer } from '../src/fixed-ring.js';
import { createRing } from '../src/header.js';
import { nativeBinding, nativeUnavailableReason } from '../src/native.js';
import { startNativeProducer } from '../src/native-threads.js';

/**
 * A lost wake-up is invisible to a throughput test: the next publish wakes the
 * sleeper anyway. Here every record needs a wake-up — a 2-slot ring, both sides
 * sleeping (no spin) — and a tick of 5 s, so one lost wake-up stalls the stream
 * for seconds instead of microseconds.
 *
 * What this catches: a handshake whose logic loses wake-ups (a flag not raised,
 * not taken, a signal not bumped). What it cannot catch: the instruction-level
 * race the sleeper's membarrier closes for light-path publishers — nanoseconds
 * wide; removing the barrier did not make these runs fail. That part rests on
 * membarrier's guarantee, argued in native/include/ringkit/barrier.hpp.
 */
const RECORDS = 20_000;
const TICK_MS = 5_000;

describe('no lost wake-up between a native publisher (light path) and a sleeping JS consumer', () => {
  const skip = requireOrSkip(
    nativeBinding() !== null,
    `the native addon is not built: ${nativeUnavailableReason()}`,
  );

  it.skipIf(skip)(
    `${RECORDS} records through a 2-slot ring, each one a wake-up, with a ${TICK_MS / 1000} s tick`,
    async () => {
      const buffer = createRing({
        kind: 'fixed',
        capacity: 2,
        recordSize: 16,
        waitDomain: 'os',
        fullPolicy: 'block',
      });
      const started = performance.now();
      const native = startNativeProducer(buffer, { records: RECORDS, batch: 1, close: true });
      const consumer = FixedConsumer.attach(buffer);
      let received = 0;
      for (;;) {
        received += consumer.drain(() => {});
        if ((await consumer.waitAsync({ tickMs: TICK_MS, spin: 0 })) === 'closed') break;
      }
      const seconds = (performance.now() - started) / 1000;
      expect(await native.join()).toMatchObject({ records: RECORDS, errors: 0 });
      expect(received).toBe(RECORDS);
      // Each record costs two wake-ups of ~20–50 µs; one lost wake-up alone would cost 5 s.
      expect(seconds).toBeLessThan(4);
    },
    60_000,
  );
});

describe('no lost wake-up between two native threads sleeping on each other', () => {
  const build = fileURLToPath(new URL('../build-stress', import.meta.url));
  const cmake = spawnSync('cmake', ['--version']);
  const skip = requireOrSkip(
    cmake.status === 0,
    'cmake is not installed (bash scripts/install-system-deps.sh installs it)',
  );

  it.skipIf(skip)(
    '20 000 round trips, both sides asleep between them, with a 5 s tick',
    () => {
      const source = fileURLToPath(new URL('../native/test', import.meta.url));
      expect(
        spawnSync('cmake', ['-S', source, '-B', build, '-DCMAKE_BUILD_TYPE=Release'], {
          encoding: 'utf8',
        }).status,
      ).toBe(0);
      const compiled = spawnSync('cmake', ['--build', build], { encoding: 'utf8' });
      expect(compiled.status === 0 ? '' : compiled.stdout + compiled.stderr).toBe('');
      const result = spawnSync(`${build}/ringkit_stress`, ['pingpong', '20000'], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stdout).toMatch(
        /^pingpong: 20000 round trips in [\d.]+ s, 0 errors, light publish (on|off)/,
      );
      const seconds = Number(/in ([\d.]+) s/.exec(result.stdout)?.[1]);
      // Each round trip costs two wake-ups of ~20–50 µs; one lost wake-up alone would cost 5 s.
      expect(seconds).toBeLessThan(4);
      expect(result.status).toBe(0);
    },
    120_000,
  );
});
