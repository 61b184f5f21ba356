import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';

const root = join(import.meta.dirname, '..');

function hasTool(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

const skip = requireOrSkip(
  hasTool('cmake') && hasTool('g++'),
  'the native core needs cmake and g++ (bash scripts/install-system-deps.sh)',
);

/** Configures and builds cmdring_test in build/<folder> (with a sanitizer when given); returns its path. */
function buildTestExecutable(folder: string, sanitize = ''): string {
  const build = join(root, 'build', folder);
  execFileSync(
    'cmake',
    [
      '-S',
      root,
      '-B',
      build,
      '-DCMAKE_BUILD_TYPE=Release',
      `-DRINGKIT_CMDRING_SANITIZE=${sanitize}`,
    ],
    { stdio: 'ignore' },
  );
  execFileSync('cmake', ['--build', build, '--parallel', '2'], { stdio: 'pipe' });
  const executable = join(build, 'cmdring_test');
  expect(existsSync(executable)).toBe(true);
  return executable;
}

/** Runs the executable; returns its output, failing the test with it on a non-zero exit. */
function run(executable: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): string {
  const result = spawnSync(executable, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`${executable} ${args.join(' ')} exited ${result.status}:\n${output}`);
  return output;
}

describe.skipIf(skip)('the command ring core and the cpu backend (C++ test executable)', () => {
  it('passes every core and cpu-backend test', () => {
    const output = run(buildTestExecutable('test'));
    expect(output).toMatch(/^core: \d+ passed, 0 failed$/m);
    expect(output).toMatch(/^cpu: \d+ passed, 0 failed$/m);
  });

  it('passes them under ThreadSanitizer, with no race reported', () => {
    const output = run(buildTestExecutable('tsan', 'thread'), [], {
      TSAN_OPTIONS: 'halt_on_error=1',
    });
    expect(output).not.toMatch(/WARNING: ThreadSanitizer/);
    expect(output).toMatch(/^core: \d+ passed, 0 failed$/m);
    expect(output).toMatch(/^cpu: \d+ passed, 0 failed$/m);
  });

  it('passes them under AddressSanitizer and UndefinedBehaviorSanitizer', () => {
    const output = run(buildTestExecutable('asan', 'address,undefined'), [], {
      UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
    });
    expect(output).not.toMatch(/runtime error|ERROR: AddressSanitizer/);
    expect(output).toMatch(/^core: \d+ passed, 0 failed$/m);
    expect(output).toMatch(/^cpu: \d+ passed, 0 failed$/m);
  });

  it('runs the cuda backend on a GPU, or says in one line why it cannot', () => {
    const output = run(join(root, 'build', 'test', 'cmdring_test'), ['--cuda']);
    expect(output).toMatch(/^SKIP cuda: .+\.$|^cuda: \d+ passed, 0 failed$/m);
  });

  it('drives the cuda backend through a stand-in libcuda.so.1 (plumbing only, no GPU)', () => {
    const executable = join(root, 'build', 'test', 'cmdring_test');
    const output = run(executable, ['--cuda'], {
      LD_LIBRARY_PATH: join(root, 'build', 'test', 'fake-cuda'),
    });
    expect(output).toMatch(/^cuda: \d+ passed, 0 failed$/m);
  });
});
