/** Every error parzen throws on purpose carries a stable `code`. */
export class ParzenError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A search space (hp.* or JSON) is malformed; the message names the label or JSON path. */
export class SpaceError extends ParzenError {
  constructor(message: string) {
    super('INVALID_SPACE', message);
  }
}

/** An options object failed validation; the message names the field. */
export class OptionsError extends ParzenError {
  constructor(message: string) {
    super('INVALID_OPTIONS', message);
  }
}

/** A trial was told (or finished) twice, or is unknown. */
export class TrialStateError extends ParzenError {
  constructor(message: string) {
    super('TRIAL_STATE', message);
  }
}

/** A study does not exist, already exists, or does not match what the caller expects. */
export class StudyError extends ParzenError {
  constructor(message: string) {
    super('STUDY', message);
  }
}

/** A storage URL or backend failed. */
export class StorageError extends ParzenError {
  constructor(message: string) {
    super('STORAGE', message);
  }
}

/**
 * A matrix that must be symmetric positive definite is not, even after the bounded diagonal-jitter retries of
 * the numeric core's Cholesky factorisation.
 */
export class NotPositiveDefiniteError extends ParzenError {
  /** Largest absolute diagonal jitter that was tried (0 if none). */
  readonly jitter: number;
  constructor(message: string, jitter = 0) {
    super('NOT_SPD', message);
    this.jitter = jitter;
  }
}

/**
 * Thrown by an objective to stop its trial early when its pruner says so (Optuna's `TrialPruned`): the trial is
 * recorded as 'pruned' with its last reported step and value, and the study goes on.
 */
export class TrialPruned extends ParzenError {
  constructor(message = 'trial pruned') {
    super('TRIAL_PRUNED', message);
  }
}

/** Whether `e` is a TrialPruned, also one from another copy of parzen (a worker's own import of the package). */
export function isTrialPruned(e: unknown): boolean {
  return e instanceof TrialPruned || (e instanceof Error && (e as { code?: unknown }).code === 'TRIAL_PRUNED');
}
