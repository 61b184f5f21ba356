/**
 * Test support every ringkit package shares (its tests import it by relative path; nothing here
 * is published).
 *
 * For tests that need something this machine may lack (the native addon, a compiler with
 * ThreadSanitizer, chromium, BPF privileges): returns true to skip, after printing why — unless
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

/** Why this process may not load and attach BPF programs, or '' when it may (Linux, as root). */
export function bpfPrivilegeReason(): string {
  if (process.platform !== 'linux') return `BPF needs Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0)
    return 'loading and attaching BPF programs needs root (or CAP_BPF and CAP_PERFMON); run the tests as root';
  return '';
}
