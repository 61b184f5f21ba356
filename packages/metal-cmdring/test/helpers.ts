import { readFileSync } from 'node:fs';
import { requireOrSkip } from '../../../test-support/skip.js';
import { openRing, type RingOptions } from '../src/index.js';
import { requireNative } from '../src/native.js';

function addonReason(): string {
  try {
    requireNative('the tests');
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

/** True (after printing why) when the addon is not built; a failure under RINGKIT_NO_SKIP=1. */
export const skipWithoutAddon = requireOrSkip(addonReason() === '', addonReason());

export function cpuRing(options: RingOptions = {}) {
  return openRing({ backend: 'cpu', ...options });
}

/** The settled outcome of a promise, for asserting on rejections without unhandled ones. */
export async function outcome<T>(
  promise: Promise<T>,
): Promise<{ value?: T; error?: Error & { code?: string } }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: error as Error & { code?: string } };
  }
}

export function threadCount(): number {
  // Linux: one entry per thread of this process.
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
}
