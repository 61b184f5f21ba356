import { requireNative } from './native.js';

export interface BackendAvailability {
  name: 'cpu' | 'cuda' | 'metal';
  available: boolean;
  /** Why not, in one sentence; '' when available. */
  reason: string;
}

/** Which backends can run here and why the others cannot (cpu is always available). */
export function backends(): BackendAvailability[] {
  return requireNative('backends()').backends();
}
