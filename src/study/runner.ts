import { OptionsError } from '../errors.js';
import { countsAgainstBudget } from '../storage/storage.js';
import { fail, type Objective, resultFromError, resultFromReturn } from './objective.js';
import type { AskedTrial, Study } from './study.js';
import type { TrialRecord, TrialResult } from './trial.js';

export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly running: number;
  readonly failed: number;
  readonly best: number | null;
  readonly last: TrialRecord;
}

export interface OptimizeOptions {
  /** The study's total number of trials (hyperopt's max_evals): trials already in a resumed study count. */
  nTrials: number;
  /** Objective calls in flight at once (async objectives). Default 1. */
  concurrency?: number;
  /** A trial still running after this many ms fails with reason 'timeout' (its signal is aborted). */
  trialTimeoutMs?: number;
  /** Stops asking for new trials when aborted; running trials are cut off and recorded as 'interrupted'. */
  signal?: AbortSignal;
  /** Called after each trial finishes. */
  onProgress?: (progress: Progress) => void;
  /** How often running trials beat (ms); a running trial of any process silent for 3 beats is failed as 'stale'. Default 10000. */
  heartbeatMs?: number;
}

/**
 * The optimize loop: keeps up to `concurrency` trials in flight; when k slots are free it asks the sampler for
 * k points at once (running trials visible as pending), claims them, evaluates them and tells the results.
 */
export async function runStudy(study: Study, objective: Objective, options: OptimizeOptions): Promise<TrialRecord | null> {
  const { nTrials, concurrency = 1, trialTimeoutMs, signal, onProgress, heartbeatMs = 10_000 } = options;
  if (!Number.isInteger(nTrials) || nTrials < 0) throw new OptionsError(`options.nTrials must be a non-negative integer (got ${nTrials})`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new OptionsError(`options.concurrency must be a positive integer (got ${concurrency})`);
  if (trialTimeoutMs !== undefined && !(trialTimeoutMs > 0)) throw new OptionsError(`options.trialTimeoutMs must be > 0 (got ${trialTimeoutMs})`);
  if (!(heartbeatMs > 0)) throw new OptionsError(`options.heartbeatMs must be > 0 (got ${heartbeatMs})`);
  const { storage } = study;
  const inflight = new Map<number, { id: number; promise: Promise<void>; abort: AbortController }>();
  let exhausted = false;
  const report = (last: TrialRecord) => {
    if (!onProgress) return;
    let failed = 0;
    let running = 0;
    let done = 0;
    for (const t of study.cached) {
      if (!t) continue;
      if (t.state === 'running') running++;
      else if (countsAgainstBudget(t)) done++;
      if (t.state === 'fail') failed++;
    }
    onProgress({ done, total: nTrials, running, failed, best: study.bestTrial?.value ?? null, last });
  };
  const run = async (trial: AskedTrial, abort: AbortController): Promise<void> => {
    let result: TrialResult;
    let timer: NodeJS.Timeout | undefined;
    try {
      const call = Promise.resolve().then(() => objective(trial.config, { trial: trial.number, seed: trial.seed, signal: abort.signal }));
      const timeout = new Promise<TrialResult>((resolve) => {
        if (trialTimeoutMs !== undefined) {
          timer = setTimeout(() => {
            abort.abort(new Error('trial timed out'));
            resolve(fail('timeout', `no result after ${trialTimeoutMs} ms`));
          }, trialTimeoutMs);
        }
      });
      const stopped = new Promise<TrialResult>((resolve) => {
        abort.signal.addEventListener('abort', () => resolve(fail('interrupted', 'the run was stopped before the trial finished')), { once: true });
      });
      result = await Promise.race([call.then(resultFromReturn, (e) => resultFromError(e)), timeout, stopped]);
    } finally {
      clearTimeout(timer);
    }
    report(await study.tell(trial.number, result));
  };
  const onStop = () => {
    for (const { abort } of inflight.values()) abort.abort(new Error('stopped'));
  };
  signal?.addEventListener('abort', onStop, { once: true });
  // Beat for our running trials; fail other processes' trials that stopped beating.
  const beat = setInterval(() => {
    const ids = [...inflight.values()].map((f) => f.id);
    void storage.heartbeat(ids).then(() => storage.failStale(study.record.id, 3 * heartbeatMs)).catch(() => {});
  }, heartbeatMs);
  beat.unref();
  try {
    await storage.failStale(study.record.id, 3 * heartbeatMs);
    while (!signal?.aborted) {
      const free = concurrency - inflight.size;
      if (free > 0 && !exhausted) {
        await study.refresh();
        const remaining = nTrials - study.cached.filter((t) => t && countsAgainstBudget(t)).length;
        if (remaining > 0) {
          const asked = await study.ask(Math.min(free, remaining), nTrials);
          if (asked.length === 0) exhausted = true;
          for (const trial of asked) {
            const abort = new AbortController();
            const promise = run(trial, abort).finally(() => inflight.delete(trial.number));
            inflight.set(trial.number, { id: study.cached[trial.number].id, promise, abort });
          }
        } else exhausted = true;
      }
      if (inflight.size === 0) break;
      await Promise.race([...inflight.values()].map((f) => f.promise));
    }
    await Promise.all([...inflight.values()].map((f) => f.promise));
  } finally {
    clearInterval(beat);
    signal?.removeEventListener('abort', onStop);
  }
  await study.refresh();
  return study.bestTrial;
}
