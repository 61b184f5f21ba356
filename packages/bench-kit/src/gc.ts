import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let cached: (() => void) | null | undefined;

/**
 * The collector, so every sample starts from a clean heap and no side pays for
 * the other side's garbage. Uses `--expose-gc` when given, else turns the flag on
 * at run time (V8 honours it for contexts created afterwards); null if neither works.
 */
export function exposedGc(): (() => void) | null {
  if (cached !== undefined) return cached;
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') {
    cached = existing as () => void;
    return cached;
  }
  try {
    setFlagsFromString('--expose-gc');
    const fromContext = runInNewContext('gc') as unknown;
    cached = typeof fromContext === 'function' ? (fromContext as () => void) : null;
  } catch {
    cached = null;
  }
  return cached;
}
