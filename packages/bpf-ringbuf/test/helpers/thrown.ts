import { expect } from 'vitest';

/**
 * The code and sentence `call` throws, checked to be one sentence (no line break, a full
 * stop at the end), as every error of this package must be.
 */
export function thrown(call: () => unknown): { code?: string; message: string } {
  try {
    call();
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    expect(message).not.toMatch(/\n/);
    expect(message.endsWith('.')).toBe(true);
    return { code, message };
  }
  throw new Error('expected a throw');
}
