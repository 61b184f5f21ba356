export type CommandRingErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_CONFIG'
  | 'INVALID_OP'
  | 'INVALID_SLOT'
  | 'ACQUIRE_TIMEOUT'
  | 'WAIT_TIMEOUT'
  | 'ABORTED'
  | 'COMMAND_FAILED'
  | 'POISONED'
  | 'CLOSED'
  | 'CLOSE_TIMEOUT'
  | 'INVALID_STATE'
  | 'BACKEND_UNAVAILABLE'
  | 'INVALID_MODULE'
  | 'UNKNOWN_KERNEL'
  | 'NATIVE_UNAVAILABLE';

/**
 * Every error the ring raises on purpose: a code to branch on and one sentence to act on.
 * A POISONED error's `cause` is the COMMAND_FAILED error that poisoned the ring.
 */
export class CommandRingError extends Error {
  readonly code: CommandRingErrorCode;

  constructor(code: CommandRingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandRingError';
    this.code = code;
  }
}

/** The addon raises plain Errors with a `code` (and a `cause` for POISONED); callers see CommandRingErrors. */
export function fromNative(error: unknown): unknown {
  if (error instanceof CommandRingError || !(error instanceof Error)) return error;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  const cause = error.cause === undefined ? undefined : fromNative(error.cause);
  return new CommandRingError(
    code as CommandRingErrorCode,
    error.message,
    cause === undefined ? undefined : { cause },
  );
}
