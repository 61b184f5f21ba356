import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandRingError } from './errors.js';

import type { NativeBinding } from './native-binding.js';

const ADDON = 'ringkit_metal_cmdring.node';

/** This package's root folder (build/ and prebuilds/ are found from it). */
export function packageRoot(): string {
  // dist/index.{js,cjs} and src/native.ts are both one level below the package root. A CJS build
  // has an absolute __dirname; under ESM a global one (node -e sets '.') must not be believed.
  const here =
    typeof __dirname === 'string' && isAbsolute(__dirname)
      ? __dirname
      : dirname(fileURLToPath(import.meta.url));
  return join(here, '..');
}

interface Loaded {
  readonly binding: NativeBinding | null;
  readonly reason: string;
}

/** Local build first (build/Release), then the prebuild shipped in the tarball. */
function load(): Loaded {
  const root = packageRoot();
  const platform = `${process.platform}-${process.arch}`;
  const candidates = [
    join(root, 'build', 'Release', ADDON),
    join(root, 'prebuilds', platform, ADDON),
  ];
  const requireNative = createRequire(join(root, 'package.json'));
  const failures: string[] = [];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    try {
      return { binding: requireNative(candidate) as NativeBinding, reason: '' };
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  const reason =
    failures.length > 0
      ? `the native addon ${ADDON} failed to load (${failures.join('; ')})`
      : `no native addon ${ADDON} is built for ${platform} (looked in build/Release and prebuilds/)`;
  return { binding: null, reason };
}

let loaded: Loaded | undefined;

/** The addon, or a CommandRingError saying what is missing and how to build it. */
export function requireNative(what: string): NativeBinding {
  loaded ??= load();
  if (loaded.binding === null)
    throw new CommandRingError(
      'NATIVE_UNAVAILABLE',
      `${what} needs @ringkit/metal-cmdring's native addon, but ${loaded.reason}; build it by running "npm run build:native" in ${packageRoot()} (needs cmake and a C++20 compiler).`,
    );
  return loaded.binding;
}
