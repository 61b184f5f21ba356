export type TrackingErrorCode =
  /** An option is missing, of the wrong type or out of range. */
  | 'INVALID_OPTIONS'
  /** Another tracking server answers on the socket path. */
  | 'ADDRESS_IN_USE'
  /** The socket path cannot be used: too long, or something other than a socket is there. */
  | 'SOCKET_PATH';

/**
 * Every error tracking throws on purpose: a code to branch on, a sentence to act on.
 * Only constructors and `TrackingServer.listen` throw; the tracker's hot-path
 * methods never do (their failures are counted in `stats()`).
 */
export class TrackingError extends Error {
  readonly code: TrackingErrorCode;

  constructor(code: TrackingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrackingError';
    this.code = code;
  }
}
