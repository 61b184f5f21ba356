export type BpfErrorCode =
  | 'OBJECT_NOT_FOUND'
  | 'INVALID_OBJECT'
  | 'NO_KERNEL_BTF'
  | 'UNKNOWN_PROGRAM'
  | 'UNKNOWN_MAP'
  | 'INVALID_KEY'
  | 'INVALID_VALUE'
  | 'KEY_NOT_FOUND'
  | 'KEY_EXISTS'
  | 'MAP_FULL'
  | 'WRONG_MAP_TYPE'
  | 'PIN_NOT_FOUND'
  | 'PIN_FAILED'
  | 'MAP_FAILED'
  | 'INVALID_OPTIONS'
  | 'TRACEFS_UNAVAILABLE'
  | 'NOT_PERMITTED'
  | 'LOAD_FAILED'
  | 'ATTACH_FAILED'
  | 'READER_FAILED'
  | 'NATIVE_UNAVAILABLE'
  | 'UNSUPPORTED_PLATFORM'
  | 'CLOSED';

/** Every error the package raises on purpose: a code to branch on and one sentence to act on. */
export class BpfError extends Error {
  readonly code: BpfErrorCode;

  constructor(code: BpfErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BpfError';
    this.code = code;
  }
}

/** The addon throws plain Errors with a `code`; callers see a BpfError with the same sentence. */
export function fromNative(error: unknown): unknown {
  if (error instanceof BpfError || !(error instanceof Error)) return error;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  return new BpfError(code as BpfErrorCode, error.message, { cause: error });
}

/** Runs a native call, rethrowing its error as a BpfError. */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromNative(error);
  }
}
