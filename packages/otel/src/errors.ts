export type MetricsErrorCode = 'INVALID_SOURCE' | 'INVALID_OPTIONS' | 'DUPLICATE_SOURCE' | 'CLOSED';

/** Every error the package raises on purpose: a code to branch on and one sentence to act on. */
export class MetricsError extends Error {
  readonly code: MetricsErrorCode;

  constructor(code: MetricsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricsError';
    this.code = code;
  }
}

/** What a caller passed, in a few words, for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'object') return `an object without the expected methods`;
  return `${typeof value} ${String(value)}`;
}
