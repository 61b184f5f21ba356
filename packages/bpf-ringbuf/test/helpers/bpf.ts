import { bpfPrivilegeReason, requireOrSkip } from '../../../../test-support/skip.js';
import { nativeBinding, nativeUnavailableReason } from '../../src/native.js';
import type { NativeBinding } from '../../src/native-binding.js';

/** True (after printing why) when this machine cannot run BPF tests; a failure under RINGKIT_NO_SKIP=1. */
export function skipWithoutBpf(): boolean {
  const reason = bpfPrivilegeReason() || nativeUnavailableReason();
  return requireOrSkip(reason === '', reason);
}

/** The addon; call only after skipWithoutBpf() said false. */
export function binding(): NativeBinding {
  const loaded = nativeBinding();
  if (loaded === null) throw new Error(nativeUnavailableReason());
  return loaded;
}
