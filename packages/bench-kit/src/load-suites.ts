import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Suite } from './define.js';
import { BenchKitError } from './errors.js';
import { findPackageName } from './workspace.js';

const BENCH_FILE = /\.bench\.(ts|mts|cts|js|mjs|cjs)$/;
const TYPESCRIPT_FILE = /\.(ts|mts|cts)$/;

export interface LoadedSuite {
  readonly file: string;
  readonly packageName: string;
  readonly suite: Suite;
}

/** `bench/*.bench.{ts,js,…}` under `cwd`, in name order. */
export function defaultBenchFiles(cwd: string): string[] {
  const folder = join(cwd, 'bench');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => BENCH_FILE.test(file))
    .sort()
    .map((file) => join(folder, file));
}

let typescriptLoaderRegistered = false;

/** Bench files may be TypeScript: tsx's loader is registered on first need. */
async function ensureTypeScriptLoader(): Promise<void> {
  if (typescriptLoaderRegistered) return;
  const { register } = await import('tsx/esm/api');
  register();
  typescriptLoaderRegistered = true;
}

export async function loadSuite(file: string): Promise<LoadedSuite> {
  const path = resolve(file);
  if (!existsSync(path))
    throw new BenchKitError('BENCH_FILE', `benchmark file ${file} does not exist.`);
  if (TYPESCRIPT_FILE.test(path)) await ensureTypeScriptLoader();
  let module: { default?: unknown; suite?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as typeof module;
  } catch (error) {
    throw new BenchKitError(
      'BENCH_FILE',
      `benchmark file ${file} failed to load: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const suite = (module.default ?? module.suite) as Suite | undefined;
  if (typeof suite !== 'object' || suite === null || !Array.isArray(suite.benches)) {
    throw new BenchKitError(
      'BENCH_FILE',
      `benchmark file ${file} exports no suite; write "export default defineSuite({ benches: [...] })".`,
    );
  }
  const packageName = suite.package ?? findPackageName(dirname(path));
  if (!packageName) {
    throw new BenchKitError(
      'BENCH_FILE',
      `benchmark file ${file} is in no package; set "package" in its defineSuite().`,
    );
  }
  return { file: path, packageName, suite };
}
