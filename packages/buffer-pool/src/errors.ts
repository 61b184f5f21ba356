export type PoolErrorCode =
  /** An option is missing, out of range or inconsistent with another. */
  | 'INVALID_OPTIONS'
  /** A queue end was taken a second time: ownership is static. */
  | 'ROLE_TAKEN'
  /** A pool description (spec) is not one this package made, or it was damaged. */
  | 'INVALID_SPEC'
  /** `block` policy: no free buffer came within the backstop timeout. */
  | 'BLOCK_TIMEOUT'
  /** A buffer id names a block that was never registered with this participant. */
  | 'UNKNOWN_BLOCK'
  /** A record larger than a whole buffer. */
  | 'RECORD_TOO_LARGE'
  /** The role was used after it exited or was closed. */
  | 'CLOSED'
  /** A native role was asked for, and the addon is not built or cannot load here. */
  | 'NATIVE_UNAVAILABLE'
  /** A native replenish asked the JS thread that started it for a block, and none came in time. */
  | 'ALLOCATION_TIMEOUT'
  /**
   * A role's thread died without the role exiting: the sentence names the role and lane, the
   * records in flight in that lane (counted lost) and how to take the role again.
   */
  | 'ROLE_DIED'
  /** whenAllHome: not every buffer came home in time; the sentence lists the roles still running. */
  | 'NOT_HOME';

/** Every error this package throws on purpose: a code to branch on, a sentence to act on. */
export class PoolError extends Error {
  readonly code: PoolErrorCode;

  constructor(code: PoolErrorCode, message: string) {
    super(message);
    this.name = 'PoolError';
    this.code = code;
  }
}
