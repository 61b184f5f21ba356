import { PublishMode } from './layout.js';
import { nativeBinding } from './native.js';

/**
 * Light publishing (LAYOUT.md, step 5), decided once per thread. A side may
 * publish its position with a plain store — a release store on x86-64, where
 * V8 emits a MOV and keeps typed-array stores in program order — only when its
 * process is registered for membarrier(GLOBAL_EXPEDITED): the other side's
 * sleeper then issues that barrier after raising its flag, which restores the
 * store-then-load order the wake-up handshake needs. Elsewhere (no addon, a
 * kernel without expedited membarrier, RINGKIT_SYMMETRIC_BARRIERS=1, a weakly
 * ordered CPU) the side keeps the sequentially consistent `Atomics.store`.
 *
 * Why bother: `Atomics.store` is an XCHG, which waits for the cache line the
 * consumer just read to come back; a plain store leaves that to the store
 * buffer, and a ring whose consumer keeps up moves records 1.5–3× faster.
 */
let lightPublish: boolean | undefined;

export function publishModeOfThisThread(): number {
  lightPublish ??=
    process.arch === 'x64' &&
    process.env.RINGKIT_SYMMETRIC_BARRIERS === undefined &&
    (nativeBinding()?.lightPublishEnabled() ?? false);
  return lightPublish ? PublishMode.LIGHT : PublishMode.FENCED;
}

/**
 * The sleeper's half, after raising its flag and before re-checking: when the
 * other side publishes light, issue membarrier so that either its position is
 * visible to the re-check or our flag is visible to its next flag load.
 * False when the barrier was needed and could not be issued (no addon in this
 * thread): the sleep must then stay short, as a wake-up may be missed.
 */
export function barrierForPeer(peerMode: number): boolean {
  if (peerMode !== PublishMode.LIGHT) return true;
  return nativeBinding()?.sleeperBarrier() ?? false;
}
