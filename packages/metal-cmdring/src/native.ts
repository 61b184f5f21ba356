import { nativeAddon } from '@ringkit/spsc-ring/native-loader';
import { CommandRingError } from './errors.js';
import type { NativeBinding } from './native-binding.js';

const addon = nativeAddon<NativeBinding>({
  packageName: '@ringkit/metal-cmdring',
  from: { dirname: typeof __dirname === 'string' ? __dirname : undefined, url: import.meta.url },
  file: 'ringkit_metal_cmdring.node',
  needs: 'cmake and a C++20 compiler',
  // The package's own native tests are not shipped: an installed build leaves them out.
  buildArguments: '--CDRINGKIT_CMDRING_TESTS=OFF',
  error: (sentence) => new CommandRingError('NATIVE_UNAVAILABLE', sentence),
});

export function nativeBinding(): NativeBinding | null {
  return addon.binding();
}

/** Why the addon is not available, or '' when it is. */
export function nativeUnavailableReason(): string {
  return addon.unavailableReason();
}

/** The addon, or a CommandRingError saying what is missing and how to build it. */
export function requireNative(what: string): NativeBinding {
  return addon.require(what);
}
