import type { Objective } from '../study/objective.js';
import { resultFromError, resultFromReturn } from '../study/objective.js';
import type { AskedTrial } from '../study/study.js';
import type { TrialResult } from '../study/trial.js';

/** Why the runner cuts a trial off: it ran past its timeout, or the run was stopped. */
export type CancelReason = 'timeout' | 'interrupted';

/** One objective call under way. */
export interface Evaluation {
  /** The objective's outcome; never rejects. Ignored once the runner has cancelled the call. */
  readonly result: Promise<TrialResult>;
  /** Aborts the call's signal and releases its slot (a worker is terminated if the objective does not stop). */
  cancel(reason: CancelReason): void;
  /**
   * When the call began executing (Date.now() ms), or undefined while it is still queued behind another call on
   * its worker (a trial's timeout counts from its start).
   */
  started(): number | undefined;
  /** If the call has not started, makes sure it never does (its result is then never used) and returns true. */
  withdraw(): boolean;
}

/** Where trials run: in this thread (a function) or in worker threads (a module). */
export interface Evaluator {
  /** How many more calls can start now. */
  free(): number;
  /** Set by the runner: called whenever `free()` may have grown (a call settled, a worker came up). */
  onFree: () => void;
  start(trial: AskedTrial): Evaluation;
  /** Releases threads; calls still running are abandoned. */
  close(): Promise<void>;
}

/**
 * Runs an in-process objective on the main thread, with up to `concurrency` calls (promises) in flight.
 * A cancelled call's signal is aborted and its slot freed at once; the call itself cannot be killed.
 */
export class InProcessEvaluator implements Evaluator {
  private active = 0;
  onFree: () => void = () => {};

  constructor(
    private readonly objective: Objective,
    private readonly concurrency: number,
  ) {}

  free(): number {
    return this.concurrency - this.active;
  }

  start(trial: AskedTrial): Evaluation {
    // The AbortController is made only if the objective reads its signal (creating one per trial is not free).
    let abort: AbortController | null = null;
    this.active++;
    let released = false;
    const startedAt = Date.now();
    const release = () => {
      if (released) return;
      released = true;
      this.active--;
      this.onFree();
    };
    const context = {
      trial: trial.number,
      get seed(): number {
        return trial.seed;
      },
      get signal(): AbortSignal {
        return (abort ??= new AbortController()).signal;
      },
    };
    const result = Promise.resolve()
      .then(() => this.objective(trial.config, context))
      .then(resultFromReturn, (e) => resultFromError(e))
      .finally(release);
    return {
      result,
      cancel: (reason) => {
        abort ??= new AbortController();
        if (!abort.signal.aborted) abort.abort(new Error(reason === 'timeout' ? 'trial timed out' : 'run stopped'));
        release();
      },
      started: () => startedAt,
      withdraw: () => false,
    };
  }

  async close(): Promise<void> {}
}
