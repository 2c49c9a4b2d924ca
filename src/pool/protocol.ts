import type { TrialResult } from '../study/trial.js';

/** What the main thread hands a pool worker at start (piscina `workerData`). */
export interface PoolWorkerData {
  /** Absolute path of the objective module (.mjs, .js, .cjs; .ts/.mts/.cts through tsx). */
  readonly module: string;
  /** The export to call. */
  readonly exportName: string;
  /** Name of the BroadcastChannel on which the main thread aborts trials (`AbortMessage`). */
  readonly abortChannel: string;
}

/**
 * One objective call: the config the objective receives and what its context derives from (the per-trial seed
 * and the signal are made in the worker, only if the objective reads them).
 */
export interface PoolTask {
  readonly trial: number;
  readonly studySeed: number;
  readonly config: unknown;
}

/** Posted on the abort channel: abort the signal of `trial` if this worker is running it. */
export interface AbortMessage {
  readonly trial: number;
  readonly reason: 'timeout' | 'interrupted';
}

/** Marks the message a worker posts on its parentPort once its objective module is loaded (or failed to load). */
export const LOADED = '__parzenLoaded';

/** Posted once per worker, after the objective module is imported: `error` set when it could not be. */
export interface LoadedMessage {
  readonly [LOADED]: number;
  readonly error?: string;
}

/** The worker never rejects: every outcome of the objective, failures included, comes back as a TrialResult. */
export type PoolResult = TrialResult;

export function isLoadedMessage(m: unknown): m is LoadedMessage {
  return m !== null && typeof m === 'object' && LOADED in m;
}
