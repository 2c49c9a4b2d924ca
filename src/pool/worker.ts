/**
 * The pool's piscina task handler: imports the objective module once per worker (at load; a load error is answered
 * to every task), then runs one trial per task.
 *
 * It never rejects: whatever the objective does (return, throw, return NaN, throw from a timer, reject unhandled)
 * comes back as a TrialResult, so a worker that dies (process.exit, out of memory, a native crash) or is
 * terminated (timeout, stop) is the only other outcome, which piscina reports on the task.
 *
 * Errors raised outside the objective's call stack (timers, unawaited promises) are attributed through an
 * AsyncLocalStorage to the trial whose code raised them: that trial fails if it is still running; if it already
 * finished, the error is reported on stderr, naming that trial, rather than blamed on whichever trial runs now.
 */
import { workerData } from 'node:worker_threads';
import {
  checkReport,
  cloneableResult,
  fail,
  type Objective,
  type ObjectiveContext,
  reportRequest,
  resultFromError,
  resultFromReturn,
} from '../trial/objective.js';
import { trialSeed } from '../rng.js';
import type { TrialResult } from '../trial/trial.js';
import { channelScope, TrialChannel } from './channel.js';
import { importModule } from './import.js';
import type { PoolTask, PoolWorkerData, ProbeAnswer } from './pool.js';

const data = workerData as PoolWorkerData;
/** The running trial (one at most) and how to settle it, by its channel. */
const running = new Map<TrialChannel, (r: TrialResult) => void>();
let objective: Objective | null = null;
let loadError: string | undefined;

process.on('uncaughtException', (e) => stray(e, 'uncaught exception'));
process.on('unhandledRejection', (e) => stray(e, 'unhandled rejection'));

try {
  const mod = await importModule(data.module);
  const fn = mod[data.exportName];
  if (typeof fn === 'function') objective = fn as Objective;
  else {
    const found = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    loadError =
      `objective module ${data.module} has no function export ${JSON.stringify(data.exportName)}` +
      (found.length ? ` (function exports: ${found.join(', ')})` : '');
  }
} catch (e) {
  loadError = `objective module ${data.module} failed to load: ${e instanceof Error ? e.message : String(e)}`;
}

function stray(error: unknown, what: string): void {
  const channel = channelScope.getStore();
  const settle = channel && running.get(channel);
  if (settle) {
    const r = resultFromError(error);
    settle(r.state === 'fail' ? { ...r, message: `${what}: ${r.message}`, attrs: { ...r.attrs, stray: what } } : r);
    return;
  }
  const where = channel === undefined ? 'outside any trial' : `trial ${channel.trial} after it finished`;
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`parzen worker: ignored an ${what} from ${where}: ${message}\n`);
}

/** Runs one trial (or answers the pool's load probe). */
export default function runTask(task: PoolTask): Promise<TrialResult | ProbeAnswer> | ProbeAnswer {
  if (!('port' in task)) return { loadError };
  // Made on first use: most objectives never read their signal or seed.
  let controller: AbortController | null = null;
  const abort = () => (controller ??= new AbortController());
  const channel = new TrialChannel(task.trial, task.port, (reason) => {
    if (!abort().signal.aborted) abort().abort(new Error(reason === 'timeout' ? 'trial timed out' : 'run stopped'));
  });
  channel.started(Date.now());
  return new Promise<TrialResult>((resolve) => {
    const settle = (r: TrialResult) => {
      if (!running.delete(channel)) return;
      channel.close();
      // The objective may still be awaiting something (a stray error settled it): tell it to stop.
      if (r.state === 'fail' && r.attrs?.stray !== undefined) abort().abort(new Error(`trial failed: ${r.message}`));
      resolve(cloneableResult(r));
    };
    running.set(channel, settle);
    const fn = objective;
    if (fn === null) return settle(fail('threw', loadError ?? 'objective not loaded'));
    // Reports go to the main thread one after another over the trial's channel; the result waits for the last.
    let reports: Promise<unknown> | null = null;
    let prune = false;
    const done = (r: TrialResult) => (reports ? void reports.then(() => settle(r)) : settle(r));
    let seed: number | undefined;
    const context: ObjectiveContext = {
      trial: task.trial,
      get seed(): number {
        return (seed ??= trialSeed(task.studySeed, task.trial));
      },
      get signal(): AbortSignal {
        return abort().signal;
      },
      report(step: number, value: number): Promise<boolean> {
        checkReport(step, value);
        const answer = (reports ?? Promise.resolve()).then(() => channel.request(reportRequest(step, value))).then((v) => v === true);
        reports = answer.then(
          (p) => (prune = p),
          () => {},
        );
        return answer;
      },
      shouldPrune: () => prune,
    };
    channelScope.run(channel, () => {
      let out: unknown;
      try {
        out = fn(task.config, context);
      } catch (e) {
        return done(resultFromError(e));
      }
      if (!isThenable(out)) return done(resultFromReturn(out));
      Promise.resolve(out).then(
        (v) => done(resultFromReturn(v)),
        (e) => done(resultFromError(e)),
      );
    });
  });
}

function isThenable(v: unknown): boolean {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}
