import type { MessagePort } from 'node:worker_threads';
import type { TrialResult } from '../trial/trial.js';

/**
 * What the main thread hands a pool worker at start (`workerData`).
 *
 * `slots` is shared memory of `depth` task slots, each with a start time (Date.now() ms), a value, a state and a
 * finished mark. The main thread stores a task's `seq` (> 0) in its slot's state when it posts the task; the worker
 * swaps it for `-seq` when the task starts, the main thread for 0 when it withdraws a task that has not started.
 * Whichever compare-and-swap wins decides: a withdrawn task never starts, a started one is never withdrawn.
 *
 * A task that completes with a plain number (the common case) is answered in shared memory: the worker writes the
 * value and how long the task ran, then the task's `seq` as the slot's finished mark, and posts nothing unless it
 * has nothing left to run. The main thread collects these results on a timer paced by the tasks' durations (see
 * `collectDelay`) rather than being woken by every result, which on a machine with as many workers as cores would
 * preempt a worker each time. Any other outcome is a `ResultMessage`. The memory outlives the thread, so results
 * written before a worker dies are not lost.
 */
export interface PoolWorkerData {
  /** Absolute path of the objective module (.mjs, .js, .cjs; .ts/.mts/.cts through tsx). */
  readonly module: string;
  /** The export to call. */
  readonly exportName: string;
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
  return depth * 32;
}

export interface SlotViews {
  /** When the slot's task started (Date.now() ms). */
  readonly starts: Float64Array;
  /** The value the slot's task completed with, once `finished` holds its seq. */
  readonly values: Float64Array;
  /** How long (ms) the slot's task ran, once `finished` holds its seq. */
  readonly durations: Float64Array;
  /** seq: posted; -seq: started; 0: free or withdrawn. */
  readonly states: Int32Array;
  /** The seq of the last task of the slot answered in shared memory. */
  readonly finished: Int32Array;
}

/** Views on a worker's shared slots (see `PoolWorkerData`). */
export function slotViews(slots: SharedArrayBuffer, depth: number): SlotViews {
  return {
    starts: new Float64Array(slots, 0, depth),
    values: new Float64Array(slots, depth * 8, depth),
    durations: new Float64Array(slots, depth * 16, depth),
    states: new Int32Array(slots, depth * 24, depth),
    finished: new Int32Array(slots, depth * 28, depth),
  };
}

/**
 * How long (ms) the main thread may wait before collecting results from workers that hold `queued` tasks behind
 * the running one, given the tasks' typical duration: half the time their queues last, so that they are refilled
 * well before they run out; at least 1 ms (the timers' resolution) and at most MAX_COLLECT_MS, which bounds how
 * late a result is recorded. With no duration known yet, MAX_COLLECT_MS: a worker that runs out says so itself.
 */
export function collectDelay(taskMs: number | null, queued: number): number {
  if (taskMs === null) return MAX_COLLECT_MS;
  return Math.min(MAX_COLLECT_MS, Math.max(1, (taskMs * queued) / 2));
}

export const MAX_COLLECT_MS = 20;

/** worker → main: this worker has run out of tasks; results wait in shared memory (see `PoolWorkerData`). */
export const WAKE = 0;

/** main → worker: evaluate `config` as trial `trial`, in slot `slot`, unless task `seq` is withdrawn first. */
export interface PoolTask {
  readonly seq: number;
  readonly slot: number;
  readonly trial: number;
  /** The seed of the trial's study, from which the trial's seed derives (a pool can serve one study, then another). */
  readonly studySeed: number;
  readonly config: unknown;
}

/** What the main thread posts on a worker's task port: the tasks posted at one time, or an abort. */
export type TaskMessage = PoolTask | readonly PoolTask[] | AbortMessage;

/** main → worker: abort the signal of task `abort` if it is running. */
export interface AbortMessage {
  readonly abort: number;
  readonly reason: 'timeout' | 'interrupted';
}

/**
 * worker → main: task `seq` (in `slot`) finished with anything but a plain number (see `PoolWorkerData`). The worker
 * never rejects: failures come back as results too.
 */
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

/** What the worker posts on its results port. */
export type OutboxMessage = ResultMessage | typeof WAKE;
