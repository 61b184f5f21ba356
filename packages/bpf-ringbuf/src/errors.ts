export type BpfErrorCode =
  | 'OBJECT_NOT_FOUND'
  | 'INVALID_OBJECT'
  | 'NO_KERNEL_BTF'
  | 'UNKNOWN_PROGRAM'
  | 'UNKNOWN_MAP'
  | 'UNKNOWN_GLOBAL'
  | 'READ_ONLY_GLOBAL'
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
  | 'UNKNOWN_STRUCT'
  | 'UNSUPPORTED_BTF_TYPE'
  | 'SCHEMA_MISMATCH'
  | 'SYMBOLS_UNAVAILABLE'
  | 'TRACEFS_UNAVAILABLE'
  | 'NOT_PERMITTED'
  | 'LOAD_FAILED'
  | 'ATTACH_FAILED'
  | 'ATTACH_TARGET_NOT_FOUND'
  | 'WRONG_PROGRAM_TYPE'
  | 'READER_FAILED'
  | 'NATIVE_UNAVAILABLE'
  | 'UNSUPPORTED_PLATFORM'
  | 'CLOSED';

/** Every error the package raises on purpose: a code to branch on and one sentence to act on. */
export class BpfError extends Error {
  readonly code: BpfErrorCode;
  /** LOAD_FAILED and NOT_PERMITTED at load: the program that failed, when one did. */
  readonly program?: string;
  /**
   * LOAD_FAILED and NOT_PERMITTED at load: the verifier's whole log of the program it
   * rejected ('' when the kernel refused without one); the message quotes its last lines.
   */
  readonly verifierLog?: string;

  constructor(code: BpfErrorCode, message: string, options?: BpfErrorOptions) {
    super(message, options);
    this.name = 'BpfError';
    this.code = code;
    if (options?.program !== undefined) this.program = options.program;
    if (options?.verifierLog !== undefined) this.verifierLog = options.verifierLog;
  }
}

export interface BpfErrorOptions {
  readonly cause?: unknown;
  readonly program?: string;
  readonly verifierLog?: string;
}

/**
 * The addon throws plain Errors with a `code` (and a load failure's `program` and
 * `verifierLog`); callers see a BpfError with the same sentence and fields.
 */
export function fromNative(error: unknown): unknown {
  if (error instanceof BpfError || !(error instanceof Error)) return error;
  const { code, program, verifierLog } = error as Error & {
    code?: unknown;
    program?: unknown;
    verifierLog?: unknown;
  };
  if (typeof code !== 'string') return error;
  return new BpfError(code as BpfErrorCode, error.message, {
    cause: error,
    ...(typeof program === 'string' ? { program } : {}),
    ...(typeof verifierLog === 'string' ? { verifierLog } : {}),
  });
}

/** Runs a native call, rethrowing its error as a BpfError. */
export function native<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromNative(error);
  }
}
