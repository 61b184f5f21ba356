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

  constructor(code: RingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RingError';
    this.code = code;
  }
}
