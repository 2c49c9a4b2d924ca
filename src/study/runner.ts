import { availableParallelism } from 'node:os';
import { OptionsError, TrialStateError } from '../errors.js';
import { checkKeys } from '../options.js';
import { type Evaluation, type Evaluator, type CancelReason, InProcessEvaluator } from '../pool/evaluator.js';
import { WorkerPool } from '../pool/worker-pool.js';
import { Rng } from '../rng.js';
import { openSession } from '../samplers/sampler.js';
import { show } from '../space/hp.js';
import type { Params } from '../space/space.js';
import { spaceToJson } from '../space/json.js';
import { type AskStream, movable, SamplerThread } from './sampler-thread.js';
import { countsAgainstBudget } from '../storage/storage.js';
import { Asked, type AskedTrial, type ConfiguredTrial } from '../trial/asked.js';
import {
  checkObjectiveModule,
  fail,
  isReportRequest,
  isObjectiveModule,
  type Objective,
  type ObjectiveModule,
} from '../trial/objective.js';
import type { Study } from './study.js';
import { OPTIMIZE_KEYS, type OptimizeOptions } from './optimize-options.js';
import { compareValues, type TrialRecord, type TrialResult } from '../trial/trial.js';

/**
 * What `optimize` accepts: a function run in this thread, a module run in worker threads started for the run, or
 * a WorkerPool (a module's worker threads kept across runs).
 */
export type ObjectiveSpec<C = any> = Objective<C> | ObjectiveModule | WorkerPool;

export type { OptimizeOptions, Progress, RunningStatus } from './optimize-options.js';

/**
 * The optimize loop. Keeps `concurrency` trials evaluating (plus `prefetch` asked ahead); asks the sampler for
 * new points with the running trials visible as pending, claims them in storage, evaluates them in this thread
 * (function) or in a worker pool (module), and records every outcome, failures included, on its trial.
 *
 * Schedule (reproducible, the default), with W = concurrency + prefetch and B = max(1, ⌈prefetch / 2⌉): the first ask
 * is for W points; results are then acknowledged in trial-number order (a result waits for those of all earlier
 * trials of this run), and after every B acknowledgements B points are asked, seeing exactly the acknowledged
 * results and every later trial of this run as pending (even one that has in fact finished). The sampler's rng is
 * derived from the number of trials so far, so with one process, a seed, a concurrency and a prefetch, the
 * sequence of points does not depend on which trial finishes first. The price: a slow trial holds back asks once
 * W − 1 later trials have finished. Unreproducible mode asks for all free slots at once, seeing everything
 * recorded so far.
 */
export async function runStudy<C>(
  study: Study<C>,
  objective: ObjectiveSpec<C>,
  options: OptimizeOptions,
): Promise<ConfiguredTrial<C> | null> {
  checkKeys(options, OPTIMIZE_KEYS, 'optimize');
  if (options === undefined || options === null)
    throw new OptionsError('optimize: options.nTrials is required (the number of trials to run), e.g. optimize(fn, { nTrials: 100 })');
  const { nTrials, trialTimeoutMs, signal, heartbeatMs = 10_000, graceMs = 10_000, prefetch = 0, reproducible = true } = options;
  const given = objective instanceof WorkerPool ? objective : null;
  const isModule = given === null && isObjectiveModule(objective);
  if (given === null && !isModule && typeof objective !== 'function') {
    throw new OptionsError('objective must be a function, { module: path, export?: name } or a WorkerPool');
  }
  if (isModule) checkObjectiveModule(objective);
  if (given && options.concurrency !== undefined && options.concurrency !== given.concurrency) {
    throw new OptionsError(`options.concurrency (${options.concurrency}) differs from the worker pool's ${given.concurrency} workers`);
  }
  const concurrency = given?.concurrency ?? options.concurrency ?? (isModule ? availableParallelism() : 1);
  if (!Number.isInteger(nTrials) || nTrials < 0)
    throw new OptionsError(`options.nTrials must be a non-negative integer (got ${show(nTrials)})`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new OptionsError(`options.concurrency must be a positive integer (got ${show(concurrency)})`);
  if (trialTimeoutMs !== undefined && !(trialTimeoutMs > 0))
    throw new OptionsError(`options.trialTimeoutMs must be > 0 (got ${show(trialTimeoutMs)})`);
  if (!(heartbeatMs > 0)) throw new OptionsError(`options.heartbeatMs must be > 0 (got ${show(heartbeatMs)})`);
  if (!(graceMs >= 0)) throw new OptionsError(`options.graceMs must be >= 0 (got ${show(graceMs)})`);
  if (!Number.isInteger(prefetch) || prefetch < 0)
    throw new OptionsError(`options.prefetch must be a non-negative integer (got ${show(prefetch)})`);
  if (given?.closed) throw new OptionsError('the worker pool is closed');
  if (given && options.maxMemoryMb !== undefined && options.maxMemoryMb !== given.maxMemoryMb) {
    throw new OptionsError('options.maxMemoryMb applies to the workers: give it to workerPool() when passing a WorkerPool');
  }
  if (given?.inUse) throw new OptionsError('the worker pool is in use by another optimize run');
  if (options.samplerThread && !movable(study.sampler)) {
    throw new OptionsError(
      `options.samplerThread needs a built-in tpe, gp, cmaes or evolution sampler (got ${JSON.stringify(study.sampler.name)})`,
    );
  }
  if (signal?.aborted) {
    await study.refresh();
    return study.multiObjective ? null : study.bestTrial;
  }
  // A module objective gets workers for this run, with room for every trial asked ahead; a WorkerPool is the caller's.
  const pool = given ?? (isModule ? await WorkerPool.open(objective, { concurrency, maxMemoryMb: options.maxMemoryMb }) : null);
  const evaluator: Evaluator = pool ? pool.evaluator : new InProcessEvaluator(objective as Objective, concurrency);
  const thread =
    (options.samplerThread ?? (pool !== null && movable(study.sampler)))
      ? new SamplerThread({
          sampler: study.sampler.name,
          options: study.sampler.options,
          space: spaceToJson(study.space),
          direction: study.direction,
          seed: study.seed,
          generator: study.generator,
        })
      : null;
  if (pool) {
    pool.evaluator.studySeed = study.random;
    pool.inUse = true;
  }
  try {
    await new Loop(study, evaluator, thread, { ...options, concurrency, graceMs, prefetch, reproducible, heartbeatMs }).run();
    return study.multiObjective ? null : study.bestTrial;
  } finally {
    await thread?.close();
    if (pool) pool.inUse = false;
    if (!given) await evaluator.close();
  }
}

/** A claimed trial's lease, in heartbeats: a trial missing this many beats in a row is stale. */
const LEASE_BEATS = 3;

type LoopOptions = OptimizeOptions &
  Required<Pick<OptimizeOptions, 'concurrency' | 'graceMs' | 'prefetch' | 'reproducible' | 'heartbeatMs'>>;

interface Active {
  readonly id: number;
  readonly evaluation: Evaluation;
  timer?: NodeJS.Timeout;
}

/** One run of the optimize loop: event-driven (no polling); every state change goes through a few methods. */
class Loop {
  /** This run's trial numbers in claim order (ascending). */
  private readonly mine: number[] = [];
  private readonly ids = new Map<number, number>();
  /** The params of this run's trials until their result is recorded (the study's constraints read their config). */
  private readonly paramsOf = new Map<number, Params>();
  /** Reproducible mode: trials of this run whose result is in storage and not yet acknowledged. */
  private readonly recorded = new Set<number>();
  /** Reproducible mode: the first `acked` trials of `mine` are visible to the sampler as finished. */
  private acked = 0;
  /**
   * Reproducible mode: the trials as the sampler last saw them (this run's results past the cut shown as running),
   * kept between asks and brought up to date from `viewFrom` on: every entry before it is a finished record, which
   * never changes, so an ask costs O(trials from the first running one) rather than a copy of the whole history.
   */
  private readonly view: TrialRecord[] = [];
  private viewFrom = 0;
  /** Claimed, not started. */
  private readonly queue: AskedTrial[] = [];
  private readonly active = new Map<number, Active>();
  private readonly asks: { n: number; cut: number | null }[] = [];
  private asking = false;
  private writes = 0;
  private exhausted = false;
  private stopping = false;
  private onStopped: () => void = () => {};
  /** Resolves when the run stops or ends on an error: an ask under way in the sampler thread is then abandoned. */
  private readonly stopped = new Promise<null>((r) => (this.onStopped = () => r(null)));
  /** An abandoned ask's later failure (the thread terminated) is no error of the run. */
  private readonly unlessStopped = (e: unknown): null => {
    if (this.stopping) return null;
    throw e;
  };
  private error: unknown = null;
  /** Trials in the study counting against the budget, and how many trials that count has looked at. */
  private counted = 0;
  private seen = 0;
  private graceTimer: NodeJS.Timeout | undefined;
  private finished!: () => void;
  // progress counters
  private done = 0;
  private failed = 0;
  private pruned = 0;
  private best: number | null = null;

  constructor(
    private readonly study: Study,
    private readonly evaluator: Evaluator,
    /** Where the sampler is asked, if not on this thread. */
    private readonly thread: SamplerThread | null,
    private readonly o: LoopOptions,
  ) {}

  async run(): Promise<TrialRecord | null> {
    const { study, o } = this;
    const { storage } = study;
    await storage.failStale(study.record.id);
    await study.refresh();
    for (const t of study.cached) if (t) this.count(t);
    this.counted = countBudget(study.cached);
    this.seen = study.cached.length;
    let beating = false;
    const beat = setInterval(() => {
      // one beat at a time: while the database is unreachable a beat waits out its retries
      if (beating) return;
      beating = true;
      const ids = [...this.active.values()].map((a) => a.id).concat(this.queue.map((t) => this.ids.get(t.number) as number));
      void storage
        .heartbeat(ids)
        .then(() => storage.failStale(study.record.id))
        .catch(() => {})
        .finally(() => (beating = false));
    }, o.heartbeatMs);
    beat.unref();
    const tick =
      o.onTick && setInterval(() => o.onTick?.({ running: this.running(), oldestRunningSince: this.oldestRunningSince() }), 1000);
    tick?.unref();
    const onStop = () => this.stop();
    o.signal?.addEventListener('abort', onStop, { once: true });
    this.evaluator.onFree = () => this.pump();
    const previous = this.evaluator.onMessage;
    this.evaluator.onMessage = (trial, body) =>
      isReportRequest(body)
        ? this.onReport(trial, body.report.step, body.report.value)
        : previous
          ? previous(trial, body)
          : noHandler(trial);
    const allDone = new Promise<void>((r) => (this.finished = r));
    try {
      this.ask(o.concurrency + o.prefetch, o.reproducible ? 0 : null);
      this.check();
      await allDone;
    } finally {
      clearInterval(beat);
      clearInterval(tick);
      clearTimeout(this.graceTimer);
      o.signal?.removeEventListener('abort', onStop);
      this.evaluator.onFree = () => {};
      this.evaluator.onMessage = previous;
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- what the objective or storage threw, as it was
    if (this.error) throw this.error;
    await study.refresh();
    return study.multiObjective ? null : study.bestTrial;
  }

  /** Queues an ask for `n` points seeing the first `cut` trials of this run as finished (null: seeing everything). */
  private ask(n: number, cut: number | null): void {
    if (this.stopping || this.exhausted) return;
    this.asks.push({ n, cut });
    if (!this.asking) void this.drainAsks();
  }

  private async drainAsks(): Promise<void> {
    this.asking = true;
    try {
      while (this.asks.length && !this.stopping && !this.exhausted) {
        const job = this.asks.shift() as { n: number; cut: number | null };
        // Without the reproducibility constraint, all free slots are asked for at once.
        // A sampler may block this thread for a while: first let results that have already arrived be taken in
        // (their slots refilled from the queue), and, unreproducibly, their asks merged into this one.
        await new Promise((r) => setImmediate(r));
        if (this.stopping || this.exhausted) break;
        if (!this.o.reproducible) while (this.asks.length) job.n += (this.asks.shift() as { n: number }).n;
        await this.askNow(job.n, job.cut);
      }
    } catch (e) {
      this.abortRun(e);
    } finally {
      this.asking = false;
      if (this.exhausted || this.stopping) this.asks.length = 0;
      this.check();
    }
  }

  private async askNow(n: number, cut: number | null): Promise<void> {
    const { study, o } = this;
    await study.refresh();
    const history = study.history();
    let trials: readonly TrialRecord[] = history.trials;
    // Trials using up the budget, kept up to date without a scan per ask: trials of other processes count
    // when first seen; this run's interrupted ones are subtracted as they are recorded.
    this.counted += trials.length - this.seen;
    this.seen = trials.length;
    if (this.counted >= o.nTrials) this.counted = countBudget(trials); // confirm before concluding
    const count = Math.min(n, o.nTrials - this.counted);
    if (count <= 0) {
      this.exhausted = true;
      return;
    }
    let settled = history.settled;
    if (cut !== null) {
      trials = this.viewAt(trials, cut);
      settled = this.viewFrom;
    }
    // As Study.ask: a process that joined an existing study draws from its own stream.
    const stream: AskStream = study.stream
      ? [study.random, 'suggest', trials.length, study.stream]
      : [study.random, 'suggest', trials.length];
    const pruner = o.pruner === undefined ? study.pruner : o.pruner;
    const groups = study.sampler.wholeHistory ? null : (pruner?.groups?.(trials, study.seed) ?? null);
    const thread = this.thread?.ready ? this.thread : null;
    // A long ask in the thread (a GP's fit over hundreds of inputs) does not hold up a stop: nothing is claimed until
    // it returns, so it is abandoned (null), and the thread terminated when the run closes. The thread and this one
    // give the same points.
    const inThread = (t: SamplerThread, ...args: Parameters<SamplerThread['suggest']>) =>
      Promise.race([t.suggest(...args).catch(this.unlessStopped), this.stopped]);
    const points = groups
      ? await study.grouped.suggest(
          groups,
          trials,
          trials.length + (await study.storage.queued(study.record.id)).length,
          count,
          async (view, k) => {
            const grouped: AskStream = [...stream, 'group', view.group];
            return thread
              ? ((await inThread(thread, view.trials, view.settled, k, grouped, view.name)) ?? [])
              : (view.session ??= openSession(study.sampler)).suggest(study.groupHistory(view), k, Rng.derive(...grouped));
          },
        )
      : thread
        ? await inThread(thread, trials, settled ?? 0, count, stream)
        : await study.session.suggest({ ...history, trials, settled }, count, Rng.derive(...stream));
    if (this.stopping || points === null) return;
    for (const p of points) study.space.validate(p);
    const claimed = points.length
      ? await study.storage.claimTrials(study.record.id, points.slice(0, count), {
          owner: study.owner,
          budget: o.nTrials,
          leaseMs: LEASE_BEATS * o.heartbeatMs,
        })
      : [];
    if (claimed.length < count) this.exhausted = true;
    this.counted += claimed.length;
    this.seen += claimed.length;
    for (const t of claimed) {
      this.mine.push(t.number);
      this.ids.set(t.number, t.id);
      this.paramsOf.set(t.number, t.params);
      if (this.stopping) this.record(t.number, fail('interrupted', 'the run was stopped before the trial started'));
      else this.queue.push(new Asked(t.number, t.params, study.space, study.random));
    }
    this.pump();
  }

  /** `trials` (the study's, just refreshed) with this run's results past the first `cut` of its trials hidden. */
  private viewAt(trials: readonly TrialRecord[], cut: number): readonly TrialRecord[] {
    const view = this.view;
    let from = this.viewFrom;
    while (from < view.length && view[from] !== undefined && view[from].state !== 'running') from++;
    this.viewFrom = from;
    // grown by push: setting the length past the end would leave holes, and V8 then stores the array as a
    // dictionary, which made every sampler's pass over the history several times slower
    if (view.length > trials.length) view.length = trials.length;
    for (let i = from; i < view.length; i++) view[i] = trials[i];
    for (let i = view.length; i < trials.length; i++) view.push(trials[i]);
    // Results this run has recorded past the cut stay hidden (shown as running) so the ask does not depend on timing.
    for (let i = cut; i < this.mine.length; i++) {
      const t = view[this.mine[i]];
      if (t && t.state !== 'running') view[t.number] = asRunning(t);
    }
    return view;
  }

  /** Starts queued trials while the evaluator has room. */
  private pump(): void {
    while (this.queue.length && !this.stopping && this.evaluator.free() > 0) {
      const trial = this.queue.shift() as AskedTrial;
      const a: Active = { id: this.ids.get(trial.number) as number, evaluation: this.evaluator.start(trial, this.onResult) };
      this.active.set(trial.number, a);
      if (this.o.trialTimeoutMs !== undefined) this.armTimeout(trial.number, a, this.o.trialTimeoutMs);
    }
  }

  /**
   * A trial's timeout counts from when it starts executing, which for a module objective can be after it was handed
   * to its worker (it may be queued behind the worker's current trial): the timer re-arms until the deadline passes.
   */
  private armTimeout(number: number, a: Active, delay: number): void {
    a.timer = setTimeout(() => {
      const timeout = this.o.trialTimeoutMs as number;
      const start = a.evaluation.started();
      const left = start === undefined ? timeout : start + timeout - Date.now();
      if (left > 0) this.armTimeout(number, a, left);
      else this.settle(number, fail('timeout', `no result after ${timeout} ms`), 'timeout');
    }, delay);
  }

  /** Where objectives' reports go: recorded in storage, then the pruner decides. A report that cannot be recorded (the trial was cut off meanwhile) answers false. */
  private readonly onReport = async (number: number, step: number, value: number): Promise<boolean> => {
    const pruner = this.o.pruner === undefined ? this.study.pruner : this.o.pruner;
    try {
      return await this.study.report(number, step, value, pruner);
    } catch (e) {
      if (e instanceof TrialStateError) return false;
      throw e;
    }
  };

  /** The evaluator's callback for every trial (one function for the run: no closure per trial). */
  private readonly onResult = (trial: AskedTrial, result: TrialResult): void => {
    // A synchronous objective on this thread blocks the timeout's timer: its result past the deadline fails all the same.
    const timeout = this.o.trialTimeoutMs;
    const start = timeout === undefined ? undefined : this.active.get(trial.number)?.evaluation.started();
    if (start !== undefined && Date.now() - start > (timeout as number))
      return this.settle(trial.number, fail('timeout', `result after ${Date.now() - start} ms, past the ${timeout} ms limit`), 'timeout');
    this.settle(trial.number, result);
  };

  /** A running trial has an outcome (or is cut off with `cancel`): free its slot first, then record it. */
  private settle(number: number, result: TrialResult, cancel?: CancelReason): void {
    const a = this.active.get(number);
    if (!a) return;
    if (cancel) {
      a.evaluation.cancel(cancel);
      // The evaluator may have found the trial's own result as it cancelled it, and recorded that instead.
      if (!this.active.has(number)) return;
    }
    this.active.delete(number);
    clearTimeout(a.timer);
    this.pump();
    this.record(number, result);
  }

  private record(number: number, raw: TrialResult): void {
    const result = this.study.shapeResult(this.paramsOf.get(number) as Params, raw);
    this.paramsOf.delete(number);
    this.writes++;
    if (result.state === 'fail' && !countsAgainstBudget({ state: 'fail', failReason: result.reason })) this.counted--;
    const id = this.ids.get(number) as number;
    this.study.storage.finishTrial(id, result).then(
      (rec) => {
        try {
          this.count(rec);
          const { onProgress } = this.o;
          if (onProgress)
            onProgress({
              done: this.done,
              total: this.o.nTrials,
              running: this.running(),
              failed: this.failed,
              pruned: this.pruned,
              best: this.best,
              last: rec,
              oldestRunningSince: this.oldestRunningSince(),
            });
          this.acknowledge(number);
        } finally {
          this.written();
        }
      },
      (e) => {
        try {
          // Finished meanwhile by someone else (e.g. failed as stale by another process): nothing to record.
          if (e instanceof TrialStateError) this.acknowledge(number);
          else this.abortRun(e);
        } finally {
          this.written();
        }
      },
    );
  }

  private written(): void {
    this.writes--;
    this.check();
  }

  private acknowledge(number: number): void {
    if (!this.o.reproducible) return this.ask(1, null);
    this.recorded.add(number);
    const batch = Math.max(1, Math.ceil(this.o.prefetch / 2));
    while (this.acked < this.mine.length && this.recorded.delete(this.mine[this.acked])) {
      this.acked++;
      if (this.acked % batch === 0) this.ask(batch, this.acked);
    }
  }

  private count(t: TrialRecord): void {
    if (t.state === 'running' || !countsAgainstBudget(t)) return;
    this.done++;
    if (t.state === 'fail') this.failed++;
    if (t.state === 'pruned') this.pruned++;
    // (several objectives have no single best: their progress shows none)
    if (this.study.multiObjective) return;
    if (t.state === 'complete' && t.value !== null && (this.best === null || compareValues(this.study.direction, t.value, this.best) < 0)) {
      this.best = t.value;
    }
  }

  /** Trials being evaluated now (not those handed to a worker that have not started yet). */
  private running(): number {
    let n = 0;
    for (const a of this.active.values()) if (a.evaluation.started() !== undefined) n++;
    return n;
  }

  private oldestRunningSince(): number | null {
    let oldest: number | null = null;
    for (const a of this.active.values()) {
      const t = a.evaluation.started();
      if (t !== undefined && (oldest === null || t < oldest)) oldest = t;
    }
    return oldest;
  }

  /** Takes back the trials handed to the evaluator that have not started; records them as failed with `message`. */
  private withdrawQueued(message: string): void {
    for (const [n, a] of [...this.active]) {
      if (!a.evaluation.withdraw()) continue;
      this.active.delete(n);
      clearTimeout(a.timer);
      this.record(n, fail('interrupted', message));
    }
  }

  /** Graceful stop: no new trials; queued ones are interrupted now, running ones after the grace period. */
  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.onStopped();
    this.asks.length = 0;
    for (const t of this.queue.splice(0)) this.record(t.number, fail('interrupted', 'the run was stopped before the trial started'));
    this.withdrawQueued('the run was stopped before the trial started');
    const cutOff = () => {
      for (const n of [...this.active.keys()]) {
        this.settle(n, fail('interrupted', `the run was stopped; cut off after the ${this.o.graceMs} ms grace period`), 'interrupted');
      }
    };
    if (this.o.graceMs === 0) cutOff();
    else if (this.active.size) this.graceTimer = setTimeout(cutOff, this.o.graceMs);
    this.check();
  }

  /** A storage or sampler error ends the run: running trials are cut off, the error is rethrown. */
  private abortRun(e: unknown): void {
    this.error ??= e;
    this.stopping = true;
    this.onStopped();
    this.asks.length = 0;
    for (const t of this.queue.splice(0)) this.record(t.number, fail('interrupted', 'the run ended on an error before the trial started'));
    this.withdrawQueued('the run ended on an error before the trial started');
    for (const n of [...this.active.keys()]) this.settle(n, fail('interrupted', 'the run ended on an error'), 'interrupted');
  }

  /** Resolves the run once nothing is running, queued, being asked or being written, and nothing more will be. */
  private check(): void {
    if (this.active.size || this.queue.length || this.asking || this.asks.length || this.writes) return;
    this.finished();
  }
}

function noHandler(trial: number): never {
  throw new Error(`no handler for messages of trial ${trial} on the main thread`);
}

function countBudget(trials: readonly (TrialRecord | undefined)[]): number {
  let c = 0;
  for (const t of trials) if (t && countsAgainstBudget(t)) c++;
  return c;
}

/** `t` as the sampler sees a trial whose result it must not see yet. */
function asRunning(t: TrialRecord): TrialRecord {
  return { ...t, state: 'running', value: null, failReason: null, failMessage: null, finishedAt: null };
}
