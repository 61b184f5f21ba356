/**
 * For tests that need something this machine may lack (the native addon, a
 * compiler with ThreadSanitizer): returns true to skip, after printing why —
 * unless RINGKIT_NO_SKIP=1 (CI), where a missing prerequisite is a failure.
 */
export function requireOrSkip(available: boolean, reason: string): boolean {
  if (available) return false;
  if (process.env.RINGKIT_NO_SKIP === '1') {
    throw new Error(`RINGKIT_NO_SKIP=1 forbids skipping: ${reason}`);
  }
  console.warn(`skipping: ${reason}`);
  return true;
}

/** Why BPF tests cannot run here, or '' when they can: they need root (or CAP_BPF + CAP_PERFMON) and the addon. */
export function bpfUnavailableReason(): string {
  if (process.platform !== 'linux') return `BPF needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0)
    return 'loading BPF programs needs root (or CAP_BPF and CAP_PERFMON); run the tests as root';
  return '';
}
