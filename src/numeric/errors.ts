/**
 * Raised when a matrix that must be symmetric positive definite is not, even after the
 * bounded diagonal-jitter retries of {@link NumericCore.cholesky}.
 * (To be folded into src/errors.ts.)
 */
export class NotPositiveDefiniteError extends Error {
  readonly code = 'NOT_SPD' as const;
  /** Largest absolute diagonal jitter that was tried (0 if none). */
  readonly jitter: number;
  constructor(message: string, jitter = 0) {
    super(message);
    this.name = 'NotPositiveDefiniteError';
    this.jitter = jitter;
  }
}
