import type { Pruner } from '../pruners/pruner.js';
import type { TrialRecord } from '../trial/trial.js';

// What optimize takes, and what it tells its callbacks while it runs.

export interface Progress {
  /** Finished trials that count against the budget (interrupted and stale ones do not). */
  readonly done: number;
  readonly total: number;
  /** Trials of this run being evaluated now (not counting those queued on a worker behind another). */
  readonly running: number;
  readonly failed: number;
  /** Finished trials stopped early by the pruner. */
  readonly pruned: number;
  readonly best: number | null;
  readonly last: TrialRecord;
  /** When the oldest trial of this run still running started (epoch ms), or null: shows a trial that hangs. */
  readonly oldestRunningSince: number | null;
}

/** What `onTick` reports about the trials running now. */
export interface RunningStatus {
  readonly running: number;
  /** When the oldest of them started (epoch ms), or null when none runs. */
  readonly oldestRunningSince: number | null;
}

export interface OptimizeOptions {
  /** The study's total number of trials (hyperopt's max_evals): trials already in a resumed study count. */
  nTrials: number;
  /**
   * Objective calls in flight at once. A function objective runs on the main thread with up to this many
   * promises in flight (default 1); a module objective runs in this many worker threads (default: the number of cores).
   */
  concurrency?: number;
  /**
   * A trial still running this many ms after it started fails with reason 'timeout': its signal is aborted and, for
   * a module objective, its worker is terminated and replaced if it has not returned 100 ms later. (A trial queued on
   * a worker behind another one starts when that one ends.)
   */
  trialTimeoutMs?: number;
  /**
   * When aborted: no new trials start; trials not started yet, and running ones still unfinished after `graceMs`,
   * are recorded as failed with reason 'interrupted' (they do not use up the budget).
   */
  signal?: AbortSignal;
  /** How long running trials may take to finish after `signal` is aborted (ms). Default 10000; 0 cuts them off at once. */
  graceMs?: number;
  /**
   * Trials asked ahead beyond `concurrency`, queued to start the moment a slot frees; asks are then made in batches
   * of half as many points (rounded up), so that the other half is still queued while a batch is asked. Keeps
   * workers busy when the objective is cheap next to an ask; costs the sampler up to that many more pending, unseen
   * results per suggestion. Default 0 (one point per ask after the first batch).
   * With a module objective, a freed worker gets its next trial from this queue at once, without waiting for an ask.
   */
  prefetch?: number;
  /**
   * true (default): the sampler sees results in trial-number order at fixed points, so a seed and a concurrency
   * reproduce the same trials whatever order they finish in (a slow trial can hold back the next ask).
   * false: each ask sees every result so far and asks for all free slots at once (no waiting; not reproducible).
   */
  reproducible?: boolean;
  /** Called after each trial finishes. */
  onProgress?: (progress: Progress) => void;
  /**
   * Decides after each `report(step, value)` of an objective whether its trial should stop (the objective then throws
   * `TrialPruned`, recorded as 'pruned'). Default: the study's pruner; null: none (reports are still recorded).
   */
  pruner?: Pruner | null;
  /**
   * Called about once a second while the run goes on, finished trials or not: a display of how long the oldest
   * running trial has run keeps moving when a trial hangs (there is no default trial timeout; see trialTimeoutMs).
   */
  onTick?: (status: RunningStatus) => void;
  /**
   * How often this run's trials beat (ms). Each trial it claims carries a lease of 3 beats: if its lease runs out (this
   * process died or stalled), any process of the study fails it as 'stale'. Processes with different intervals judge
   * each other's trials by their own leases. Default 10000.
   */
  heartbeatMs?: number;
  /**
   * Module objectives: heap cap of each worker thread, MB; a trial that exhausts it fails with reason 'oom', its worker
   * is replaced and the study goes on (with a WorkerPool, give it to `workerPool` instead). Default: Node's own limit.
   */
  maxMemoryMb?: number;
  /**
   * Ask the sampler in a worker thread of its own (sampler-thread.ts), so that a slow ask never holds up results,
   * freed workers, progress, heartbeats or a stop (an ask under way is abandoned); the points are the same. On the
   * main thread a stop waits for the ask under way (a GP over 256 inputs: seconds). Needs a built-in model-based sampler (tpe, gp,
   * cmaes, evolution) as made by its factory. Default: true for those samplers when the objective runs in worker
   * threads (a module or a WorkerPool), else false.
   */
  samplerThread?: boolean;
}

export const OPTIMIZE_KEYS = {
  nTrials: true,
  concurrency: true,
  trialTimeoutMs: true,
  signal: true,
  graceMs: true,
  prefetch: true,
  reproducible: true,
  onProgress: true,
  onTick: true,
  heartbeatMs: true,
  maxMemoryMb: true,
  samplerThread: true,
  pruner: true,
} as const satisfies { readonly [K in keyof Required<OptimizeOptions>]: true };
