/**
 * The pool's worker entry: imports the objective module once (and says so: the main thread posts tasks only then),
 * then runs the tasks it is posted one at a time, in order. The main thread keeps the next tasks queued here while
 * one runs, so the worker starts the next one the moment the previous one settles instead of waiting for a round
 * trip, and answers most tasks in shared memory, waking the main thread only when it must post more (protocol.ts).
 *
 * A task starts only if it wins its slot's compare-and-swap (see `PoolWorkerData`): the main thread can withdraw a
 * queued task (to move it to an idle worker, or on stop) and always knows which task was running when a worker dies.
 *
 * It never rejects: whatever the objective does (return, throw, return NaN, throw from a timer, reject unhandled)
 * comes back as a TrialResult, so a worker that dies (process.exit, out of memory, a native crash) or is
 * terminated (timeout, stop) is the only other outcome.
 *
 * Errors raised outside the objective's call stack (timers, unawaited promises) are attributed through an
 * AsyncLocalStorage to the trial whose code raised them: that trial fails if it is still running; if it already
 * finished, the error is reported on stderr and dropped rather than blamed on whichever trial runs now.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { cloneableResult, fail, type Objective, resultFromError, resultFromReturn } from '../trial/objective.js';
import { trialSeed } from '../rng.js';
import type { TrialResult } from '../trial/trial.js';
import { importModule } from './import.js';
import { type LoadedMessage, type OutboxMessage, type PoolTask, type PoolWorkerData, slotViews, type TaskMessage, WAKE } from './protocol.js';

const data = workerData as PoolWorkerData;
const results = data.results;
const tasks = data.tasks;
const { starts, values, durations, states, finished } = slotViews(data.slots, data.depth);
const trialContext = new AsyncLocalStorage<PoolTask>();
/** The running task, by seq (one at most; a map so that a late abort or error finds nothing rather than the wrong one). */
const running = new Map<number, { abort: (reason: unknown) => void; settle: (r: TrialResult) => void }>();
const queue: PoolTask[] = [];
let busy = false;
let objective: Objective | null = null;
let loadError: string | undefined;

tasks.on('message', (m: TaskMessage) => {
  receive(m);
  if (busy) return;
  const task = claim();
  if (task) run(task);
});

function receive(m: TaskMessage): void {
  if ('seq' in m) queue.push(m);
  else if ('abort' in m) running.get(m.abort)?.abort(new Error(m.reason === 'timeout' ? 'trial timed out' : 'run stopped'));
  else queue.push(...m);
}

process.on('uncaughtException', (e) => stray(e, 'uncaught exception'));
process.on('unhandledRejection', (e) => stray(e, 'unhandled rejection'));

await load();
(parentPort as NonNullable<typeof parentPort>).postMessage((loadError === undefined ? { loaded: true } : { loaded: true, error: loadError }) satisfies LoadedMessage);

async function load(): Promise<void> {
  try {
    const mod = await importModule(data.module);
    const fn = mod[data.exportName];
    if (typeof fn === 'function') objective = fn as Objective;
    else {
      const found = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
      loadError = `objective module ${data.module} has no function export ${JSON.stringify(data.exportName)}` +
        (found.length ? ` (function exports: ${found.join(', ')})` : '');
    }
  } catch (e) {
    loadError = `objective module ${data.module} failed to load: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Marks the first queued task that has not been withdrawn as started, and returns it. */
function claim(): PoolTask | undefined {
  // Tasks posted while the previous one ran are still in the port: take them without a turn of the event loop.
  for (let m; queue.length === 0 && (m = receiveMessageOnPort(tasks)) !== undefined; ) receive(m.message as TaskMessage);
  while (queue.length) {
    const task = queue.shift() as PoolTask;
    starts[task.slot] = Date.now(); // before the swap that publishes it (an atomic write orders the plain one before it)
    if (Atomics.compareExchange(states, task.slot, task.seq, -task.seq) === task.seq) return task;
  }
  return undefined;
}

function stray(error: unknown, what: string): void {
  const task = trialContext.getStore();
  const owner = task === undefined ? undefined : running.get(task.seq);
  if (owner) {
    // The objective may still be awaiting something: tell it to stop, its result no longer counts.
    owner.abort(error);
    const r = resultFromError(error);
    owner.settle(r.state === 'fail' ? { ...r, message: `${what}: ${r.message}`, attrs: { ...r.attrs, stray: what } } : r);
    return;
  }
  const where = task === undefined ? 'outside any trial' : `trial ${task.trial} after it finished`;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`parzen worker: ignored an ${what} from ${where}: ${message}\n`);
}

/** Runs `task` and, while each settles synchronously, the tasks claimed after it (a loop: no recursion, no microtask). */
function run(task: PoolTask): void {
  for (let t: PoolTask | undefined = task; t; ) t = evaluate(t);
}

/**
 * Runs a claimed task and posts its result, whatever happens. Returns the next claimed task when this one settled
 * synchronously (the caller runs it); otherwise the settling callback runs the next one itself.
 *
 * Objectives that return a plain value settle without a promise: in Node 20 the AsyncLocalStorage turns on async
 * hooks, which make every promise and microtask cost a hook call (about 6% of the throughput of 1 ms objectives).
 */
function evaluate(task: PoolTask): PoolTask | undefined {
  busy = true;
  const began = performance.now();
  let sync = true;
  let following: PoolTask | undefined;
  const settle = (r: TrialResult) => {
    if (!running.delete(task.seq)) return;
    // The next task is claimed before this result is given: once the main thread knows a trial has finished,
    // it also knows whether the next one on this worker has started.
    const next = claim();
    answer(task, r, performance.now() - began, next === undefined);
    if (!next) busy = false;
    else if (sync) following = next;
    // Out of this trial's async context (and off an error handler's stack) before the next objective call.
    else queueMicrotask(() => trialContext.exit(run, next));
  };
  const fn = objective;
  if (fn === null) {
    running.set(task.seq, { abort: () => {}, settle });
    settle(fail('threw', loadError ?? 'objective not loaded'));
    sync = false;
    return following;
  }
  // Made on first use: most objectives never read their signal or seed, and both cost microseconds per trial.
  let controller: AbortController | null = null;
  const signal = () => (controller ??= new AbortController());
  let seed: number | undefined;
  const context = {
    trial: task.trial,
    get seed(): number {
      return (seed ??= trialSeed(task.studySeed, task.trial));
    },
    get signal(): AbortSignal {
      return signal().signal;
    },
  };
  running.set(task.seq, { abort: (reason) => signal().abort(reason), settle });
  trialContext.run(task, () => {
    let out: unknown;
    try {
      out = fn(task.config, context);
    } catch (e) {
      return settle(resultFromError(e));
    }
    if (!isThenable(out)) return settle(resultFromReturn(out));
    Promise.resolve(out).then(
      (v) => settle(resultFromReturn(v)),
      (e) => settle(resultFromError(e)),
    );
  });
  sync = false;
  return following;
}

/**
 * Hands the main thread a settled task's result: a plain value in shared memory, with a wake-up only if this worker
 * has nothing left to run (otherwise the main thread collects it on its timer: protocol.ts); anything else as a
 * message.
 */
function answer(task: PoolTask, r: TrialResult, ms: number, idle: boolean): void {
  if (r.state === 'complete' && r.attrs === undefined) {
    values[task.slot] = r.value;
    durations[task.slot] = ms;
    Atomics.store(finished, task.slot, task.seq); // after the value: an atomic write orders the plain ones before it
    if (idle) results.postMessage(WAKE satisfies OutboxMessage);
  } else results.postMessage({ seq: task.seq, slot: task.slot, result: cloneableResult(r) } satisfies OutboxMessage);
}

function isThenable(v: unknown): boolean {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}
