import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfError } from './errors.js';

import type { NativeBinding } from './native-binding.js';

export type * from './native-binding.js';

const ADDON = 'ringkit_bpf_ringbuf.node';

/** This package's root folder (the addon, bpf/ and prebuilds/ are found from it). */
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

/** Local build first (build/Release), then the prebuild shipped in the tarball; null with the reason when neither loads. */
function load(): Loaded {
  if (process.platform !== 'linux')
    return {
      binding: null,
      reason: `BPF ring buffers exist only on Linux, not on ${process.platform}`,
    };
  if (process.env.RINGKIT_NO_NATIVE === '1')
    return { binding: null, reason: 'the native addon is disabled by RINGKIT_NO_NATIVE=1' };
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
  if (failures.some((failure) => failure.includes('libbpf.so')))
    return {
      binding: null,
      reason:
        'the shared library libbpf.so.1 is not installed (run "apt-get install libbpf1", or "bash scripts/install-system-deps.sh" in the ringkit repository)',
    };
  const reason =
    failures.length > 0
      ? `the native addon ${ADDON} failed to load (${failures.join('; ')})`
      : `no native addon ${ADDON} is built for ${platform} (looked in build/Release and prebuilds/)`;
  return { binding: null, reason };
}

let loaded: Loaded | undefined;

export function nativeBinding(): NativeBinding | null {
  loaded ??= load();
  return loaded.binding;
}

/** Why the addon is not available, or '' when it is. */
export function nativeUnavailableReason(): string {
  loaded ??= load();
  return loaded.reason;
}

/** The addon, or a BpfError saying what is missing and how to build it. */
export function requireNative(what: string): NativeBinding {
  const binding = nativeBinding();
  if (binding === null)
    throw new BpfError(
      'NATIVE_UNAVAILABLE',
      `${what} needs @ringkit/bpf-ringbuf's native addon, but ${nativeUnavailableReason()}; build it by running "npx cmake-js compile --out build" in ${packageRoot()} (needs cmake, a C++20 compiler and libbpf-dev).`,
    );
  return binding;
}
