/**
 * For tests that need something this machine may lack (chromium, BPF
 * privileges): returns true to skip, after printing why — unless
 * RINGKIT_NO_SKIP=1 (CI), where a missing prerequisite is a failure.
 */
export function requireOrSkip(available: boolean, reason: string): boolean {
  if (available) return false;
  if (process.env.RINGKIT_NO_SKIP === '1') {
    throw new Error(`RINGKIT_NO_SKIP=1 forbids skipping: ${reason}`);
  }
  console.warn(`skipping: ${reason}`);
  return true;
}
