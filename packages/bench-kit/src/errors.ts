export type BenchKitErrorCode =
  | 'BAD_ARGUMENT'
  | 'UNKNOWN_FLAG'
  | 'RESULTS_NOT_FOUND'
  | 'MALFORMED_RESULTS'
  | 'BENCH_FILE'
  | 'WORKLOAD_FAILED'
  | 'BAD_DEFINITION';

/** Every error bench-kit raises on purpose: a code to branch on and a sentence to act on. */
export class BenchKitError extends Error {
  readonly code: BenchKitErrorCode;

  constructor(code: BenchKitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchKitError';
    this.code = code;
  }
}
