/**
 * The piscina worker entry: imports the objective module once per worker (and says so on its parentPort: the
 * main thread hands it tasks only then), then runs one trial per task. It never rejects: whatever the objective
 * does (return, throw, return NaN, throw from a timer, reject unhandled) comes back as a TrialResult, so a
 * rejected task on the main thread always means the worker itself died (crashed) or was terminated (timeout, stop).
 *
 * Errors raised outside the objective's call stack (timers, unawaited promises) are attributed through an
 * AsyncLocalStorage to the trial whose code raised them: that trial fails if it is still running; if it already
 * finished, the error is reported on stderr and dropped rather than blamed on whichever trial runs now.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BroadcastChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import { cloneableResult, fail, type Objective, resultFromError, resultFromReturn } from '../study/objective.js';
import { trialSeed } from '../study/study.js';
import type { TrialResult } from '../study/trial.js';
import { importModule } from './import.js';
import { type AbortMessage, LOADED, type LoadedMessage, type PoolTask, type PoolWorkerData } from './protocol.js';

const data = workerData as PoolWorkerData;
const trialContext = new AsyncLocalStorage<number>();
const running = new Map<number, { abort: (reason: unknown) => void; settle: (r: TrialResult) => void }>();

let objective: Objective | null = null;
let loadError: string | undefined;
/**
 * piscina awaits the default export when it is not a function: exporting a promise of the handler, settled once the
 * objective module is loaded, makes piscina report the worker ready only then, without top-level await (piscina
 * first `require()`s its worker file, and on Node 20.19+ requiring an ES module with top-level await fails and can
 * leave it in a state that the following `import()` trips over: "Unexpected status of a module that is imported
 * again after being required").
 */
const handler: Promise<typeof evaluate> = load().then(() => {
  const loaded: LoadedMessage = loadError === undefined ? { [LOADED]: threadId } : { [LOADED]: threadId, error: loadError };
  parentPort?.postMessage(loaded);
  return evaluate;
});
export default handler;

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

const aborts = new BroadcastChannel(data.abortChannel);
aborts.unref();
aborts.onmessage = (event) => {
  const { trial, reason } = (event as { data: AbortMessage }).data;
  running.get(trial)?.abort(new Error(reason === 'timeout' ? 'trial timed out' : 'run stopped'));
};

process.on('uncaughtException', (e) => stray(e, 'uncaught exception'));
process.on('unhandledRejection', (e) => stray(e, 'unhandled rejection'));

function stray(error: unknown, what: string): void {
  const trial = trialContext.getStore();
  const owner = trial === undefined ? undefined : running.get(trial);
  if (owner) {
    // The objective may still be awaiting something: tell it to stop, its result no longer counts.
    owner.abort(error);
    const r = resultFromError(error);
    owner.settle(r.state === 'fail' ? { ...r, message: `${what}: ${r.message}`, attrs: { ...r.attrs, stray: what } } : r);
    return;
  }
  const where = trial === undefined ? 'outside any trial' : `trial ${trial} after it finished`;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`parzen worker: ignored an ${what} from ${where}: ${message}\n`);
}

/** Runs one trial (the task handler); resolves with its result, never rejects. */
function evaluate(task: PoolTask): Promise<TrialResult> {
  const fn = objective;
  if (fn === null) return Promise.resolve(fail('threw', loadError ?? 'objective not loaded'));
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
  return new Promise<TrialResult>((resolve) => {
    let done = false;
    const settle = (r: TrialResult) => {
      if (done) return;
      done = true;
      running.delete(task.trial);
      resolve(cloneableResult(r));
    };
    running.set(task.trial, { abort: (reason) => signal().abort(reason), settle });
    trialContext.run(task.trial, () => {
      let out: unknown;
      try {
        out = fn(task.config, context);
      } catch (e) {
        return settle(resultFromError(e));
      }
      Promise.resolve(out).then(
        (v) => settle(resultFromReturn(v)),
        (e) => settle(resultFromError(e)),
      );
    });
  });
}
