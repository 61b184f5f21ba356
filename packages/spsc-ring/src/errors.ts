export type RingErrorCode =
  | 'NOT_SHARED'
  | 'BUFFER_TOO_SMALL'
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'BAD_KIND'
  | 'BAD_CAPACITY'
  | 'BAD_GEOMETRY'
  | 'WAIT_DOMAIN_MISMATCH'
  | 'WRONG_KIND'
  | 'INVALID_OPTIONS'
  | 'RECORD_TOO_LARGE'
  | 'CLOSED'
  | 'TIMEOUT'
  | 'CLAIM_PENDING'
  | 'CORRUPTED'
  | 'NATIVE_UNAVAILABLE'
  | 'INVALID_NAME'
  | 'SHARED_EXISTS'
  | 'SHARED_NOT_FOUND'
  | 'SHARED_PERMISSION'
  | 'SHARED_SYSTEM'
  | 'MEMORY_CAGE'
  | 'PEER_GONE';

/** Every error the ring raises on purpose: a code to branch on and one sentence to act on. */
export class RingError extends Error {
  readonly code: RingErrorCode;
  /** pushAll/pushAllAsync that gave up: how many of the batch's records went in before it did. */
  readonly pushed?: number;

  constructor(
    code: RingErrorCode,
    message: string,
    options?: { cause?: unknown; pushed?: number },
  ) {
    super(message, options);
    this.name = 'RingError';
    this.code = code;
    if (options?.pushed !== undefined) this.pushed = options.pushed;
  }
}

/** Throws unless `value` is a Uint8Array: a string or a plain array would be copied as garbage. */
export function assertBytes(value: unknown, what: string): void {
  if (value instanceof Uint8Array) return;
  throw new RingError(
    'INVALID_OPTIONS',
    `${what} must be a Uint8Array, got ${describeValue(value)}.`,
  );
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `a ${typeof value}`;
}
