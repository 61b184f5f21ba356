import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../test-support/skip.js';
import { backends } from '../src/index.js';
import { skipWithoutAddon } from './helpers.js';

const root = join(import.meta.dirname, '..');
const fakeDriverFolder = join(root, 'build', 'test', 'fake-cuda');
const hasCudaHeaders = existsSync('/usr/local/cuda/include/cuda.h') || !!process.env.CUDA_HOME;

/** The JS cuda checks in their own process; one JSON line per check. */
function cudaChecks(env: NodeJS.ProcessEnv = {}) {
  const child = spawnSync(
    process.execPath,
    [join(import.meta.dirname, 'fixtures', 'cuda-check.mjs')],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 120_000,
    },
  );
  const checks = child.stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { check: string; ok: boolean; error?: string });
  return { status: child.status, checks, stderr: child.stderr };
}

const expectedChecks = [
  'saxpy',
  'user module, bad PTX, unknown kernel',
  'a refused launch poisons the ring',
  '2000 cycles over ring sizes 1..4 complete in order',
  'close with kernels in flight gives up cleanly',
  'priority levels: every fence settles once, in fence order within its level',
];

describe.skipIf(skipWithoutAddon)('the cuda backend from JavaScript', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'index.js')))
      spawnSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  });

  it('backends() says why cuda is or is not usable here, in one sentence', () => {
    const cuda = backends().find((backend) => backend.name === 'cuda');
    expect(cuda).toBeDefined();
    if (cuda?.available) expect(cuda.reason).toBe('');
    else expect(cuda?.reason).toMatch(/^[^\n]+\.$/);
    expect(backends().find((backend) => backend.name === 'cpu')?.available).toBe(true);
  });

  const noHeaders = requireOrSkip(
    hasCudaHeaders,
    'the stand-in libcuda needs the CUDA headers (/usr/local/cuda/include/cuda.h)',
  );
  it.skipIf(noHeaders)(
    'runs every check through a stand-in libcuda.so.1 (plumbing, no GPU)',
    () => {
      const build = join(root, 'build', 'test');
      spawnSync('cmake', ['-S', root, '-B', build, '-DCMAKE_BUILD_TYPE=Release'], {
        stdio: 'ignore',
      });
      const built = spawnSync('cmake', ['--build', build, '--target', 'cmdring_fake_libcuda'], {
        encoding: 'utf8',
      });
      expect(built.status, built.stderr).toBe(0);
      const run = cudaChecks({ LD_LIBRARY_PATH: fakeDriverFolder });
      expect(run.checks.map((check) => check.check)).toEqual(expectedChecks);
      for (const check of run.checks) expect(check, check.error).toMatchObject({ ok: true });
      expect(run.status, run.stderr).toBe(0);
    },
  );

  // CI has no GPU: this skips there with the driver's reason. On a GPU machine,
  // RINGKIT_REQUIRE_GPU=1 makes a missing GPU a failure instead.
  const cuda = skipWithoutAddon ? undefined : backends().find((backend) => backend.name === 'cuda');
  const noGpu = !cuda?.available && process.env.RINGKIT_REQUIRE_GPU !== '1';
  if (noGpu) console.warn(`skipping the real-GPU checks: ${cuda?.reason ?? 'no addon'}`);
  it.skipIf(noGpu)('runs every check on a real GPU', () => {
    const run = cudaChecks();
    expect(run.checks.map((check) => check.check)).toEqual(expectedChecks);
    for (const check of run.checks) expect(check, check.error).toMatchObject({ ok: true });
    expect(run.status, run.stderr).toBe(0);
  });
});
