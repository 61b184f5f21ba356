import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const BUILD = `${PACKAGE}build-tsan`;

function run(command: string, args: string[], timeout = 600_000) {
  const result = spawnSync(command, args, {
    cwd: PACKAGE,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, TSAN_OPTIONS: 'halt_on_error=1' },
  });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}`,
    error: result.error,
  };
}

const cmake = run('cmake', ['--version']);
const skip = requireOrSkip(
  cmake.status === 0,
  'cmake is not installed (bash scripts/install-system-deps.sh installs it)',
);

describe('the C++ twin under ThreadSanitizer', () => {
  it.skipIf(skip)('builds the stress test with -fsanitize=thread in its own folder', () => {
    const configure = run('cmake', [
      '-S',
      'native/test',
      '-B',
      BUILD,
      '-DCMAKE_BUILD_TYPE=RelWithDebInfo',
      '-DCMAKE_CXX_FLAGS=-fsanitize=thread',
    ]);
    expect(configure.output).not.toMatch(/CMake Error/);
    const build = run('cmake', ['--build', BUILD]);
    expect({ status: build.status, output: build.status === 0 ? '' : build.output }).toEqual({
      status: 0,
      output: '',
    });
    // A clean run proves nothing unless ThreadSanitizer is really in the binary.
    expect(run('ldd', [`${BUILD}/ringkit_stress`]).output).toMatch(/libtsan/);
  });

  it.skipIf(skip)(
    'moves 10⁸ fixed records between two threads with no data race, loss or tear',
    () => {
      const result = run(`${BUILD}/ringkit_stress`, ['fixed', '100000000', '1024']);
      expect(result.output).not.toMatch(/ThreadSanitizer/);
      expect(result.output).toMatch(
        /fixed: 100000000 records, 0 errors, pushed 100000000, popped 100000000, dropped 0/,
      );
      expect(result.status).toBe(0);
    },
    600_000,
  );

  it.skipIf(skip)(
    'moves 10⁶ byte records of random size, with claims, aborts and deferred publishes, race-free',
    () => {
      const result = run(`${BUILD}/ringkit_stress`, ['bytes', '1000000', '8192']);
      expect(result.output).not.toMatch(/ThreadSanitizer/);
      expect(result.output).toMatch(
        /bytes: 1000000 records, 0 errors, pushed 1000000, popped 1000000, dropped 0/,
      );
      expect(result.status).toBe(0);
    },
    600_000,
  );
});
