import type { MessagePort } from 'node:worker_threads';
import type { TrialResult } from '../study/trial.js';

/**
 * What the main thread hands a pool worker at start (`workerData`).
 *
 * `slots` is shared memory of `depth` task slots: `depth` float64 start times (Date.now() ms) followed by `depth`
 * int32 states. The main thread stores a task's `seq` (> 0) in its slot's state when it posts the task; the worker
 * swaps it for `-seq` when the task starts, the main thread for 0 when it withdraws a task that has not started.
 * Whichever compare-and-swap wins decides: a withdrawn task never starts, a started one is never withdrawn.
 */
export interface PoolWorkerData {
  /** Absolute path of the objective module (.mjs, .js, .cjs; .ts/.mts/.cts through tsx). */
  readonly module: string;
  /** The export to call. */
  readonly exportName: string;
  /** The study seed, from which each trial's seed derives. */
  readonly studySeed: number;
  /** Tasks a worker may hold at once (one running, the rest queued behind it). */
  readonly depth: number;
  readonly slots: SharedArrayBuffer;
  /**
   * Where the main thread posts tasks and aborts (results go back on the parentPort): a port of its own, so that
   * the worker can take the tasks posted while it was busy synchronously, without a turn of its event loop.
   */
  readonly tasks: MessagePort;
  /**
   * Where the worker posts its results: a port of its own rather than the parentPort, whose messages the main thread
   * receives relayed through the Worker object's events (a few µs more per trial).
   */
  readonly results: MessagePort;
}

/** Byte size of the shared slots of a worker holding `depth` tasks. */
export function slotBytes(depth: number): number {
  return depth * 12;
}

/** Views on a worker's shared slots (see `PoolWorkerData`). */
export function slotViews(slots: SharedArrayBuffer, depth: number): { starts: Float64Array; states: Int32Array } {
  return { starts: new Float64Array(slots, 0, depth), states: new Int32Array(slots, depth * 8, depth) };
}

/** main → worker: evaluate `config` as trial `trial`, in slot `slot`, unless task `seq` is withdrawn first. */
export interface PoolTask {
  readonly seq: number;
  readonly slot: number;
  readonly trial: number;
  readonly config: unknown;
}

/** main → worker: abort the signal of task `abort` if it is running. */
export interface AbortMessage {
  readonly abort: number;
  readonly reason: 'timeout' | 'interrupted';
}

/** worker → main: task `seq` (in `slot`) finished. The worker never rejects: failures come back as results too. */
export interface ResultMessage {
  readonly seq: number;
  readonly slot: number;
  readonly result: TrialResult;
}

/** worker → main, once: the objective module is imported (`error` set when it could not be). */
export interface LoadedMessage {
  readonly loaded: true;
  readonly error?: string;
}

export type WorkerMessage = ResultMessage | LoadedMessage;
