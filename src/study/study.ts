import { hostname } from 'node:os';
import { isTrialPruned, OptionsError, StudyError, TrialStateError } from '../errors.js';
import type { Pruner } from '../pruners/pruner.js';
import { DEFAULT_GENERATOR, type Generator, GENERATORS, isGenerator, Rng, trialSeed } from '../rng.js';
import { GpSampler } from '../samplers/gp/sampler.js';
import { type History, openSession, type RecommendOptions, type Sampler, type SamplerSession } from '../samplers/sampler.js';
import { random } from '../samplers/random.js';
import { parseSpaceJson, spaceDifference, spaceToJson } from '../space/json.js';
import { type Filled, show } from '../space/hp.js';
import { type Params, type SearchSpace, space as compileSpace } from '../space/space.js';
import { checkKeys } from '../options.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { Asked, type AskedTrial, type ConfiguredTrial, withConfig } from '../trial/asked.js';
import { checkReport, resultFromReturn } from '../trial/objective.js';
import { type ObjectiveSpec, type OptimizeOptions, runStudy } from './runner.js';
import { GroupedHistory, type GroupView } from './grouped-history.js';
import { byObservedValue, checkRepeats, repeatQueue, type RepeatOptions } from './repeats.js';
import { checkPruner, prunerSpec, resumedPruner } from './stored-pruner.js';
import { resumedSampler, withGenerator } from './stored-sampler.js';
import {
  checkDirections,
  checkNoisy,
  checkSearchable,
  checkStudyName,
  samplerFrom,
  STUDY_KEYS,
  storageFrom,
  type StudyOptions,
} from './study-options.js';
import type { AskStream } from './sampler-thread.js';
import { paretoFront } from '../samplers/moo/pareto.js';
import { bestOf, type Direction, type TrialRecord, type TrialResult } from '../trial/trial.js';

/** Re-exported: the seed of a trial's objective is part of the study API. */
export { trialSeed };

export type { ObjectiveSpec, OptimizeOptions, Progress, RunningStatus } from './runner.js';
export { Asked, type AskedTrial, type ConfiguredTrial };
export { samplerFrom, storageFrom, type SamplerFactoryLike, type StudyOptions } from './study-options.js';

export interface AskOptions {
  /**
   * The trials' lease (ms): promise to `heartbeat` them at least this often, or any process may fail them as 'stale'.
   * Default: no lease, never stale.
   */
  leaseMs?: number;
  /** At most this many trials in the study counting against a budget (as `optimize`'s nTrials); the ask is cut short. */
  budget?: number;
}

/** Compiles options, creates or resumes a study in its storage. */
export async function createStudy<const S = unknown>(options: StudyOptions<S> = {}): Promise<Study<Filled<S>>> {
  checkKeys(options, STUDY_KEYS, 'createStudy');
  const owned = typeof options.storage === 'string';
  const storage = await storageFrom(options.storage, 'createStudy: options.storage');
  try {
    const study = await openStudy(options, storage);
    study.ownsStorage = owned;
    return study;
  } catch (e) {
    if (owned) await storage.close().catch(() => {});
    throw e;
  }
}

const ASK_KEYS = { leaseMs: true, budget: true } as const satisfies { readonly [K in keyof Required<AskOptions>]: true };
const RECOMMEND_KEYS = { noisy: true } as const satisfies { readonly [K in keyof Required<RecommendOptions>]: true };

async function openStudy<S>(options: StudyOptions<S>, storage: Storage): Promise<Study<Filled<S>>> {
  const given = samplerFrom(options.sampler, 'createStudy: options.sampler');
  const givenPruner = checkPruner(options.pruner, 'createStudy: options.pruner');
  const sampler = given ?? random();
  const name = options.name ?? `study-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  if (options.direction !== undefined && options.direction !== 'minimize' && options.direction !== 'maximize') {
    throw new OptionsError(`options.direction must be "minimize" or "maximize" (got ${JSON.stringify(options.direction)})`);
  }
  const directions = checkDirections(options);
  if (options.constraints !== undefined && typeof options.constraints !== 'function') {
    throw new OptionsError('options.constraints must be a function (config, result) => number[]');
  }
  if (directions && sampler.multiObjective !== true) {
    throw new OptionsError(
      `sampler ${sampler.name} optimizes one objective; a study with several directions needs tpe, motpe, gp, nsga2, random or grid`,
    );
  }
  if (options.name !== undefined) checkStudyName('options.name', options.name);
  if (options.seed !== undefined && (!Number.isInteger(options.seed) || options.seed < 0)) {
    throw new OptionsError(`options.seed must be a non-negative integer (got ${show(options.seed)})`);
  }
  checkNoisy('options.noisy', options.noisy);
  if (options.rng !== undefined && !isGenerator(options.rng)) {
    throw new OptionsError(`options.rng must be one of ${GENERATORS.join(', ')} (got ${JSON.stringify(options.rng)})`);
  }
  const resume = async (found: StudyRecord): Promise<Study<Filled<S>>> => {
    if (!options.resume) throw new StudyError(`study ${JSON.stringify(name)} already exists (resume it with resume: true / --study)`);
    const existing = withGenerator(found, options.rng);
    const stored = parseSpaceJson(existing.space, `study ${JSON.stringify(name)}:`);
    if (options.space !== undefined) {
      const given = spaceToJson(compileSpace(options.space));
      if (JSON.stringify(given) !== JSON.stringify(existing.space)) {
        const where = spaceDifference(existing.space, given) ?? 'the order of its keys';
        throw new StudyError(`study ${JSON.stringify(name)} was created with a different space (${where}); use a new study name`);
      }
    }
    if (options.direction !== undefined && (!!existing.directions || options.direction !== existing.direction)) {
      throw new StudyError(
        `study ${JSON.stringify(name)} is to ${existing.directions?.join(', ') ?? existing.direction}, not ${options.direction}`,
      );
    }
    if (directions && JSON.stringify(directions) !== JSON.stringify(existing.directions)) {
      throw new StudyError(
        `study ${JSON.stringify(name)} is to ${existing.directions?.join(', ') ?? existing.direction}, not ${directions.join(', ')}`,
      );
    }
    // (checked before a switch is recorded, and again on the sampler the study resumes with)
    if (existing.directions && given && options.switchSampler === true && given.multiObjective !== true) {
      throw new OptionsError(
        `sampler ${given.name} optimizes one objective; study ${JSON.stringify(name)} has ${existing.directions.length}`,
      );
    }
    // (a sampler given for a switch is checked before the switch is recorded)
    if (given) checkSearchable(stored, given);
    const [record, resumed] = await resumedSampler(storage, existing, given, options.switchSampler === true);
    if (existing.directions && resumed.multiObjective !== true) {
      throw new OptionsError(
        `sampler ${resumed.name} optimizes one objective; study ${JSON.stringify(name)} has ${existing.directions.length}`,
      );
    }
    checkSearchable(stored, resumed);
    const [withPruner, pruner] = await resumedPruner(storage, record, givenPruner, options.switchPruner === true);
    const study = new Study(storage, withPruner, stored as SearchSpace<Filled<S>>, resumed, pruner);
    study.noisy = options.noisy ?? 'auto';
    // eslint-disable-next-line @typescript-eslint/unbound-method -- a plain function the caller gave
    study.constraints = options.constraints as Study['constraints'];
    // A process joining a study may run beside others with the same seed: its own random stream keeps it from
    // proposing exactly what they propose for the same history.
    study.stream = study.owner;
    await study.refresh();
    return study;
  };
  const existing = await storage.getStudy(name);
  if (existing) return resume(existing);
  if (options.space === undefined) throw new OptionsError('options.space is required to create a study');
  const compiled = compileSpace(options.space);
  checkSearchable(compiled, sampler);
  let record: StudyRecord;
  try {
    record = await storage.createStudy({
      name,
      direction: directions?.[0] ?? options.direction ?? 'minimize',
      directions: directions ?? null,
      space: spaceToJson(compiled),
      sampler: { name: sampler.name, options: sampler.options },
      seed: options.seed ?? 0,
      rng: options.rng ?? DEFAULT_GENERATOR,
      pruner: prunerSpec(givenPruner ?? null),
    });
  } catch (e) {
    // Another process created it between our read and our write (several workers starting a distributed study).
    const raced = options.resume && e instanceof StudyError ? await storage.getStudy(name) : null;
    if (!raced) throw e;
    return resume(raced);
  }
  const study = new Study(storage, record, compiled, sampler, givenPruner ?? null);
  study.noisy = options.noisy ?? 'auto';
  // eslint-disable-next-line @typescript-eslint/unbound-method -- a plain function the caller gave
  study.constraints = options.constraints as Study['constraints'];
  return study;
}

/** A study: ask/tell over a storage, and `optimize`, a loop over them. `C` is the config its space stands for. */
export class Study<C = unknown> {
  private records: TrialRecord[] = [];
  /** Every record before this index was finished at the last refresh; finished trials never change, so refresh starts here. */
  private settled = 0;
  /** Identifies this process's claims (host:pid:random). */
  readonly owner = `${hostname()}:${process.pid}:${Math.floor(Math.random() * 1e9).toString(36)}`;
  /** Asks waiting for their turn, oldest first (see ask), and whether a turn is in progress. */
  private waiting: WaitingAsk[] = [];
  private asking = false;
  /** The sampler's views of the pruner's groups of trials (Hyperband's brackets), when it has groups. */
  readonly grouped = new GroupedHistory();
  /** Names this process's random stream when it joined an existing study; '' (the seed's own stream) for its creator. */
  stream = '';
  /** The best record and its configured copy, rebuilt only when the best changes. */
  private best: { record: TrialRecord; trial: ConfiguredTrial<C> } | null = null;
  /** The sampler's state for this study: every ask and recommendation of the study goes through it. */
  readonly session: SamplerSession;
  /** The study's constraints (see StudyOptions.constraints), if any. */

  constraints: ((config: any, result: number | readonly number[]) => readonly number[]) | undefined;
  /** The Pareto front as last computed, and the records it was computed from (rebuilt when a trial changes). */
  private front: { seen: number; finished: number; trials: ConfiguredTrial<C>[] } | null = null;
  /** @internal The storage was opened for this study (from a URL): `close()` closes it. */
  ownsStorage = false;
  /** Whether the objective is noisy, for `recommend` (see StudyOptions.noisy). */
  noisy: boolean | 'auto' = 'auto';
  /** A GP's session behind `recommend` for samplers that have no recommendation of their own. */
  private posterior: SamplerSession | null = null;

  constructor(
    readonly storage: Storage,
    readonly record: StudyRecord,
    readonly space: SearchSpace<C>,
    readonly sampler: Sampler,
    /** The default pruner of `report` and `optimize`. */
    readonly pruner: Pruner | null = null,
  ) {
    this.session = openSession(sampler);
  }

  get name(): string {
    return this.record.name;
  }
  get direction(): Direction {
    return this.record.direction;
  }
  /** Every objective's direction: one for a single-objective study. */
  get directions(): readonly Direction[] {
    return this.record.directions ?? [this.record.direction];
  }
  /** The study has several objectives. */
  get multiObjective(): boolean {
    return !!this.record.directions;
  }
  get seed(): number {
    return this.record.seed;
  }
  /** The study's random generator (stored with it). */
  get generator(): Generator {
    return this.record.rng as Generator;
  }
  /** Where the study's random streams come from: its seed and generator. */
  get random(): { readonly seed: number; readonly generator: Generator } {
    return { seed: this.seed, generator: this.generator };
  }

  /** Reads new and changed trials from storage into the local view. */
  async refresh(): Promise<void> {
    let since = this.settled;
    while (since < this.records.length && this.records[since].state !== 'running') since++;
    this.settled = since;
    const fresh = await this.storage.trials(this.record.id, since);
    for (const t of fresh) this.records[t.number] = t;
  }

  /** All trials, freshly read. */
  async trials(): Promise<readonly TrialRecord[]> {
    await this.refresh();
    return [...this.records];
  }

  /**
   * The best complete feasible trial as of the last read (ask, tell, optimize and trials() read), with its config.
   * A multi-objective study has no single best: use `bestTrials`.
   */
  get bestTrial(): ConfiguredTrial<C> | null {
    this.checkSingleObjective();
    const record = bestOf(this.direction, this.records);
    if (record === null) return null;
    if (this.best?.record !== record) this.best = { record, trial: withConfig(record, this.space) };
    return this.best.trial;
  }

  /**
   * The Pareto front as of the last read: the complete feasible trials that no other dominates, in number order
   * (single-objective study: the best trial, or none).
   */
  get bestTrials(): ConfiguredTrial<C>[] {
    if (!this.multiObjective) {
      const b = this.bestTrial;
      return b ? [b] : [];
    }
    let finished = 0;
    for (const t of this.records) if (t && t.state !== 'running') finished++;
    if (this.front?.seen !== this.records.length || this.front.finished !== finished) {
      this.front = {
        seen: this.records.length,
        finished,
        trials: paretoFront(this.directions, this.records).map((t) => withConfig(t, this.space)),
      };
    }
    return [...this.front.trials];
  }

  /**
   * A result made fit for this study before it is stored: the number of objective values checked (a mismatch fails
   * the trial as 'nan', naming both counts) and the constraints computed.
   */
  shapeResult(params: Params, result: TrialResult): TrialResult {
    if (result.state !== 'complete') return result;
    const want = this.directions.length;
    const got = result.values?.length ?? 1;
    if (got !== want) {
      return {
        state: 'fail',
        reason: 'nan',
        message: `objective returned ${got} value${got === 1 ? '' : 's'}; study ${JSON.stringify(this.name)} has ${want} objective${want === 1 ? '' : 's'}`,
        ...(result.attrs ? { attrs: result.attrs } : {}),
      };
    }
    // constraints the objective returned are kept, unless the study's constraints function computes them
    let shaped: TrialResult = this.multiObjective
      ? result
      : {
          state: 'complete',
          value: result.value,
          ...(result.constraints ? { constraints: result.constraints } : {}),
          ...(result.attrs ? { attrs: result.attrs } : {}),
        };
    if (this.constraints) {
      const config = this.space.toObject(params);
      let c: readonly number[];
      try {
        c = this.constraints(config, shaped.state === 'complete' && shaped.values ? shaped.values : result.value);
      } catch (e) {
        return { state: 'fail', reason: 'threw', message: `constraints threw: ${(e as Error)?.message ?? String(e)}` };
      }
      if (!Array.isArray(c) || c.some((x) => typeof x !== 'number' || Number.isNaN(x))) {
        return { state: 'fail', reason: 'nan', message: `constraints returned ${JSON.stringify(c)}, not an array of numbers` };
      }
      shaped = { ...shaped, constraints: [...c] };
    }
    return shaped;
  }

  /**
   * The trial to report as the result. A noisy objective's best observation is often a lucky draw, so when the
   * objective is declared noisy (`noisy` true, here or at createStudy) or found so ('auto', the default: replicates
   * differ and a GP fitted to the trials finds significant noise), it is the complete trial with the best GP posterior mean: the sampler's
   * own recommendation when it has one (the GP sampler), else a GP fitted over the study's trials. Otherwise, and
   * while there are too few trials for a model, the best complete trial.
   */
  async recommend(options: RecommendOptions = {}): Promise<ConfiguredTrial<C> | null> {
    checkKeys(options, RECOMMEND_KEYS, 'recommend');
    checkNoisy('recommend: options.noisy', options.noisy);
    this.checkSingleObjective();
    await this.refresh();
    const noisy = options.noisy ?? this.noisy;
    if (noisy === false) return this.bestTrial;
    const recommender = this.session.recommend ? this.session : this.gpPosterior();
    const advised = await recommender.recommend?.(this.history(), { noisy });
    return advised ? withConfig(advised, this.space) : this.bestTrial;
  }

  /**
   * Queues the `top` most promising configurations (default 5) for `repeats` more evaluations each (default 3): new
   * trials with their own seeds, which `optimize` or `ask` take like any queued point, in any process of the study.
   * A noisy objective's best observation is often a lucky draw; `recommend` then weighs the repeats of each
   * configuration together. Ranked as `recommend` ranks under noise (the GP posterior mean), or by observed value
   * while there are too few trials for a model. Returns the params queued.
   */
  async enqueueRepeats(options: RepeatOptions = {}): Promise<Params[]> {
    const { top, repeats } = checkRepeats(options);
    this.checkSingleObjective();
    await this.refresh();
    const ranker = this.session.rank ? this.session : this.gpPosterior();
    const ranked =
      (await ranker.rank?.(this.history(), top, { noisy: true })) ?? byObservedValue(this.direction, this.space, this.records, top);
    const queue = repeatQueue(ranked, repeats);
    if (queue.length > 0) await this.storage.enqueue(this.record.id, queue);
    return queue;
  }

  /** The GP behind `recommend` and `enqueueRepeats` for samplers without a model of their own. */
  private gpPosterior(): SamplerSession {
    return (this.posterior ??= openSession(new GpSampler()));
  }

  private checkSingleObjective(): void {
    if (this.multiObjective)
      throw new StudyError(
        `study ${JSON.stringify(this.name)} has ${this.directions.length} objectives: read study.bestTrials (the Pareto front)`,
      );
  }

  /** The history a sampler sees now. */
  history(): History {
    return {
      space: this.space,
      direction: this.direction,
      directions: this.directions,
      seed: this.seed,
      generator: this.generator,
      trials: this.records,
      settled: this.settled,
    };
  }

  /** The history one group of the pruner's sees (see GroupedHistory). */
  groupHistory(view: GroupView): History {
    return { ...this.history(), trials: view.trials, settled: view.settled };
  }

  /** The number the next claimed trial is expected to get: after the trials seen and the points queued. */
  async nextNumber(): Promise<number> {
    return this.records.length + (await this.storage.queued(this.record.id)).length;
  }

  /**
   * Asks the sampler for `n` new trials (state running), seeing the running ones as pending.
   * May return fewer when the budget or the search space is exhausted.
   * Without `leaseMs` the trials never go stale (tell them whenever); with it, call `heartbeat` at least every
   * `leaseMs`, or any process of the study (an `optimize` run) may fail them as 'stale'.
   */
  async ask(n = 1, options: AskOptions = {}): Promise<AskedTrial<C>[]> {
    if (!Number.isInteger(n) || n < 1) throw new OptionsError(`ask: n must be a positive integer (got ${show(n)})`);
    checkKeys(options, ASK_KEYS, 'ask');
    const { leaseMs, budget } = options;
    if (leaseMs !== undefined && !(Number.isFinite(leaseMs) && leaseMs > 0)) {
      throw new OptionsError(`ask: options.leaseMs must be a positive number of ms (got ${show(leaseMs)})`);
    }
    if (budget !== undefined && !(Number.isInteger(budget) && budget >= 0)) {
      throw new OptionsError(`ask: options.budget must be a non-negative integer (got ${show(budget)})`);
    }
    // Concurrent callers (request handlers) take turns: each sampler call then sees every trial claimed before it as
    // pending, and no two calls draw from the same stream for the same history. The asks made in the same turn of the
    // event loop, or while a turn waits for the storage, are served together (one read, one sampler batch, one claim),
    // in the order they came: a synchronous storage would otherwise finish each ask before the next request is read.
    return new Promise<AskedTrial<C>[]>((resolve, reject) => {
      this.waiting.push({ n, budget, leaseMs, resolve: (asked) => resolve(asked as AskedTrial<C>[]), reject });
      if (!this.asking) {
        this.asking = true;
        setImmediate(() => void this.takeTurns());
      }
    });
  }

  /** Serves the waiting asks, one turn per run of asks with the same lease and budget, until none wait. */
  private async takeTurns(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const first = this.waiting[0];
        let k = 1;
        while (k < this.waiting.length && this.waiting[k].leaseMs === first.leaseMs && this.waiting[k].budget === first.budget) k++;
        const turn = this.waiting.splice(0, k);
        try {
          const asked = await this.askNow(
            turn.reduce((sum, w) => sum + w.n, 0),
            first.budget,
            first.leaseMs,
          );
          // in the order asked: a budget, the queue or an exhausted space cut the last asks short, as one by one
          let at = 0;
          for (const w of turn) {
            w.resolve(asked.slice(at, at + w.n));
            at += w.n;
          }
        } catch (e) {
          for (const w of turn) w.reject(e);
        }
      }
    } finally {
      this.asking = false;
    }
  }

  private async askNow(n: number, budget: number | undefined, leaseMs: number | undefined): Promise<AskedTrial<C>[]> {
    await this.refresh();
    const stream: AskStream = this.stream
      ? [this.random, 'suggest', this.records.length, this.stream]
      : [this.random, 'suggest', this.records.length];
    const groups = this.sampler.wholeHistory ? null : (this.pruner?.groups?.(this.records, this.seed) ?? null);
    let points: Params[];
    if (groups) {
      points = await this.grouped.suggest(groups, this.records, await this.nextNumber(), n, (view, k) =>
        (view.session ??= openSession(this.sampler)).suggest(this.groupHistory(view), k, Rng.derive(...stream, 'group', view.group)),
      );
    } else {
      // (a sampler answering synchronously, as TPE does, is not awaited: a microtask turn less per ask)
      const suggested = this.session.suggest(this.history(), n, Rng.derive(...stream));
      points = Array.isArray(suggested) ? suggested : await suggested;
    }
    for (const p of points) this.space.validate(p);
    const claimed = await this.storage.claimTrials(this.record.id, points.slice(0, n), { owner: this.owner, budget, leaseMs });
    for (const t of claimed) this.records[t.number] = t;
    return claimed.map((t) => new Asked(t.number, t.params, this.space, this.random));
  }

  /** Extends the leases of these running trials (asked with `leaseMs`) by their own lease from now. */
  async heartbeat(numbers: readonly number[]): Promise<void> {
    const ids: number[] = [];
    for (const n of numbers) ids.push((await this.trial(n)).id);
    await this.storage.heartbeat(ids);
  }

  /**
   * Records `value` (finite or NaN) as running trial `number`'s intermediate value at `step` (an integer ≥ 0; a step
   * reported again keeps its first value) and answers whether to stop it: the pruner's decision from the study's
   * trials as stored after this report (false without a pruner). Stop it with `tell(number, { state: 'pruned' })`.
   */
  async report(number: number, step: number, value: number, pruner: Pruner | null = this.pruner): Promise<boolean> {
    checkReport(step, value);
    const t = await this.trial(number);
    this.records[number] = await this.storage.report(t.id, step, value);
    if (pruner === null) return false;
    await this.refresh();
    return pruner.prune({ trial: this.records[number], trials: this.records, direction: this.direction, seed: this.seed });
  }

  private async trial(number: number): Promise<TrialRecord> {
    let t = this.records[number];
    if (!t) {
      await this.refresh();
      t = this.records[number];
    }
    if (!t) throw new TrialStateError(`trial ${number} does not exist in study ${JSON.stringify(this.name)}`);
    return t;
  }

  /**
   * Finishes trial `number` with an objective value (NaN, ±Infinity and non-numbers fail it as 'nan'),
   * `{ value, ...attrs }`, a TrialResult (`{ state: 'pruned' }` stops it as pruned at its last report), or a
   * `TrialPruned`. A trial is told once: telling it again throws a TrialStateError.
   */
  async tell(number: number, outcome: unknown): Promise<TrialRecord> {
    const t = await this.trial(number);
    const result = isTrialPruned(outcome)
      ? ({ state: 'pruned' } as const)
      : this.shapeResult(
          t.params,
          !isTrialResult(outcome)
            ? resultFromReturn(outcome)
            : outcome.state === 'complete'
              ? resultFromReturn({
                  ...outcome.attrs,
                  ...(outcome.values ? { values: outcome.values } : { value: outcome.value }),
                  ...(outcome.constraints ? { constraints: outcome.constraints } : {}),
                })
              : outcome,
        );
    const done = await this.storage.finishTrial(t.id, result);
    this.records[done.number] = done;
    return done;
  }

  /**
   * Runs `objective` until the study holds `nTrials` trials (failed ones included; interrupted ones excepted),
   * keeping up to `concurrency` calls in flight; see `runStudy`. Resolves to `bestTrial` (several objectives: null, read `bestTrials`).
   */
  optimize(objective: ObjectiveSpec<C>, options: OptimizeOptions): Promise<ConfiguredTrial<C> | null> {
    return runStudy(this, objective, options);
  }

  /** Closes the storage if the study opened it from a URL (a Storage given as an object stays open: it is the caller's). */
  async close(): Promise<void> {
    if (this.ownsStorage) await this.storage.close();
  }

  /**
   * Evaluates this point next, before the sampler's (a baseline, a known good configuration). `point` is params
   * (flat, keyed by label, as trials record them) or a config (the space filled in, as the objective receives it).
   * The point waits in the study's storage, so any process working on the study may take it; every sampler then
   * sees its trial like any other.
   */
  async enqueue(point: Params | C): Promise<Params> {
    const params = this.space.paramsOf(point, 'enqueue');
    await this.storage.enqueue(this.record.id, [params]);
    return params;
  }

  /**
   * Records a result obtained elsewhere (an earlier run, a paper, a hand-tuned baseline) as a complete trial:
   * `{ params | config, value, attrs? }`. Samplers see it like any other trial.
   */
  async addTrial(trial: { params?: Params; config?: C; value: number; attrs?: Record<string, unknown> }): Promise<TrialRecord> {
    if (trial === null || typeof trial !== 'object') throw new OptionsError('addTrial: expects { params | config, value }');
    if (typeof trial.value !== 'number' || !Number.isFinite(trial.value)) {
      throw new OptionsError(`addTrial: value must be a finite number (got ${show(trial.value)})`);
    }
    if ((trial.params === undefined) === (trial.config === undefined))
      throw new OptionsError('addTrial: give exactly one of params and config');
    const params = this.space.paramsOf(trial.params ?? trial.config, 'addTrial');
    const [claimed] = await this.storage.claimTrials(this.record.id, [params], { owner: this.owner, queue: false });
    this.records[claimed.number] = claimed;
    return this.tell(claimed.number, { ...trial.attrs, value: trial.value });
  }

  /** Trials this process has in the local view, as of the last read. */
  get cached(): readonly TrialRecord[] {
    return this.records;
  }
}

/** An ask waiting for its turn. */
interface WaitingAsk {
  readonly n: number;
  readonly budget: number | undefined;
  readonly leaseMs: number | undefined;
  /** (untyped by the study's config type, which the queue need not know) */
  readonly resolve: (asked: unknown[]) => void;
  readonly reject: (e: unknown) => void;
}

function isTrialResult(x: unknown): x is TrialResult {
  if (x === null || typeof x !== 'object') return false;
  const s = (x as { state?: unknown }).state;
  return s === 'complete' || s === 'fail' || s === 'pruned';
}
