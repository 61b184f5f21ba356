import { nativeAddon, packageRootOf } from '@ringkit/spsc-ring/native-loader';
import { BpfError } from './errors.js';
import type { NativeBinding } from './native-binding.js';

export type * from './native-binding.js';

const from = {
  dirname: typeof __dirname === 'string' ? __dirname : undefined,
  url: import.meta.url,
};

const addon = nativeAddon<NativeBinding>({
  packageName: '@ringkit/bpf-ringbuf',
  from,
  file: 'ringkit_bpf_ringbuf.node',
  needs: 'cmake, a C++20 compiler and libbpf-dev',
  unsupported: () =>
    process.platform === 'linux'
      ? undefined
      : `BPF ring buffers exist only on Linux, not on ${process.platform}`,
  explain: (failures) =>
    failures.some((failure) => failure.includes('libbpf.so'))
      ? 'the shared library libbpf.so.1 is not installed (run "apt-get install libbpf1", or "bash scripts/install-system-deps.sh" in the ringkit repository)'
      : undefined,
  error: (sentence) => new BpfError('NATIVE_UNAVAILABLE', sentence),
});

/** This package's root folder (the addon, bpf/ and prebuilds/ are found from it). */
export function packageRoot(): string {
  return packageRootOf(from);
}

export function nativeBinding(): NativeBinding | null {
  return addon.binding();
}

/** Why the addon is not available, or '' when it is. */
export function nativeUnavailableReason(): string {
  return addon.unavailableReason();
}

/** The addon, or a BpfError saying what is missing and how to build it. */
export function requireNative(what: string): NativeBinding {
  return addon.require(what);
}
