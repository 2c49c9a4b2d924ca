import { hostname } from 'node:os';
import { OptionsError, SpaceError, StudyError, TrialStateError } from '../errors.js';
import { DEFAULT_GENERATOR, type Generator, GENERATORS, isGenerator, Rng, trialSeed } from '../rng.js';
import { type History, openSession, type Sampler, type SamplerSession } from '../samplers/sampler.js';
import { random } from '../samplers/random.js';
import { parseSpaceJson, spaceToJson } from '../space/json.js';
import { type Filled, show } from '../space/hp.js';
import { type Params, type SearchSpace, space as compileSpace } from '../space/space.js';
import { MemoryStorage } from '../storage/memory.js';
import { openStorage } from '../storage/open.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { Asked, type AskedTrial, type ConfiguredTrial, withConfig } from '../trial/asked.js';
import { resultFromReturn } from '../trial/objective.js';
import { type ObjectiveSpec, type OptimizeOptions, runStudy } from './runner.js';
import { bestOf, type Direction, type TrialRecord, type TrialResult } from '../trial/trial.js';

/** Re-exported: the seed of a trial's objective is part of the study API. */
export { trialSeed };

export type { ObjectiveSpec, OptimizeOptions, Progress } from './runner.js';
export { Asked, type AskedTrial, type ConfiguredTrial };

export interface StudyOptions<S = unknown> {
  /**
   * A tree of hp.* expressions (or a compiled SearchSpace). Required unless resuming. Its type gives the config's:
   * `ask`, `optimize`'s objective and `bestTrial` see the space filled in (`Filled<S>`).
   */
  space?: S;
  direction?: Direction;
  /** Every random choice derives from it; default 0. */
  seed?: number;
  /**
   * The random generator of a new study (seedrandom's 'tychei', the default, or 'alea'). A resumed study keeps its
   * own; naming another here is an error, except for a study whose generator this version no longer has.
   */
  rng?: Generator;
  /** Default: random search. */
  sampler?: Sampler;
  /**
   * Where the study lives: a Storage, or its URL, opened for the study (and closed by `study.close()`): `memory`,
   * `sqlite:PATH` (e.g. `sqlite:./parzen.db`, which `parzen studies` reads) or `postgres://user@host:port/db`.
   * Default: a new in-memory storage.
   */
  storage?: Storage | string;
  /** Default: a generated unique name. */
  name?: string;
  /** When a study of this name exists: continue it (its space must match) instead of failing. Default false. */
  resume?: boolean;
}

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

/** A Storage as given, or opened from its URL; `where` names the option in errors. */
export async function storageFrom(given: Storage | string | undefined, where: string): Promise<Storage> {
  if (given === undefined) return new MemoryStorage();
  if (typeof given === 'string') return openStorage(given);
  if (given === null || typeof given !== 'object' || typeof (given as Partial<Storage>).claimTrials !== 'function') {
    throw new OptionsError(`${where} must be a storage URL (memory, sqlite:./parzen.db, postgres://user@host:port/db) or a Storage`);
  }
  return given;
}

async function openStudy<S>(options: StudyOptions<S>, storage: Storage): Promise<Study<Filled<S>>> {
  const sampler = options.sampler ?? random();
  const name = options.name ?? `study-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
  if (options.direction !== undefined && options.direction !== 'minimize' && options.direction !== 'maximize') {
    throw new OptionsError(`options.direction must be "minimize" or "maximize" (got ${JSON.stringify(options.direction)})`);
  }
  if (options.seed !== undefined && (!Number.isInteger(options.seed) || options.seed < 0)) {
    throw new OptionsError(`options.seed must be a non-negative integer (got ${options.seed})`);
  }
  if (options.rng !== undefined && !isGenerator(options.rng)) {
    throw new OptionsError(`options.rng must be one of ${GENERATORS.join(', ')} (got ${JSON.stringify(options.rng)})`);
  }
  const resume = async (found: StudyRecord): Promise<Study<Filled<S>>> => {
    if (!options.resume) throw new StudyError(`study ${JSON.stringify(name)} already exists (resume it with resume: true / --study)`);
    const existing = withGenerator(found, options.rng);
    const stored = parseSpaceJson(existing.space, `study ${JSON.stringify(name)}:`);
    if (options.space !== undefined) {
      const given = JSON.stringify(spaceToJson(compileSpace(options.space)));
      if (given !== JSON.stringify(existing.space)) {
        throw new StudyError(`study ${JSON.stringify(name)} was created with a different space; use a new study name`);
      }
    }
    if (options.direction !== undefined && options.direction !== existing.direction) {
      throw new StudyError(`study ${JSON.stringify(name)} is to ${existing.direction}, not ${options.direction}`);
    }
    const study = new Study(storage, existing, stored as SearchSpace<Filled<S>>, sampler);
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
  let record: StudyRecord;
  try {
    record = await storage.createStudy({
      name,
      direction: options.direction ?? 'minimize',
      space: spaceToJson(compiled),
      sampler: { name: sampler.name, options: sampler.options },
      seed: options.seed ?? 0,
      rng: options.rng ?? DEFAULT_GENERATOR,
    });
  } catch (e) {
    // Another process created it between our read and our write (several workers starting a distributed study).
    const raced = options.resume && e instanceof StudyError ? await storage.getStudy(name) : null;
    if (!raced) throw e;
    return resume(raced);
  }
  return new Study(storage, record, compiled, sampler);
}

/**
 * The study record to resume with: its own generator. One this version no longer has (e.g. 'sfc32', before
 * seedrandom) continues only with a generator the caller names, since every later suggestion then differs.
 */
function withGenerator(found: StudyRecord, asked: Generator | undefined): StudyRecord {
  const quoted = JSON.stringify(found.name);
  if (isGenerator(found.rng)) {
    if (asked !== undefined && asked !== found.rng) {
      throw new StudyError(`study ${quoted} draws from the random generator ${found.rng}, not ${asked}: resume it without options.rng`);
    }
    return found;
  }
  if (asked === undefined) {
    throw new StudyError(
      `study ${quoted} was made with the random generator ${JSON.stringify(found.rng)}, which this version of parzen does not have; ` +
        `resume it with options.rng (${GENERATORS.join(' or ')}) to continue with other random streams`,
    );
  }
  return { ...found, rng: asked };
}

/** A study: ask/tell over a storage, and `optimize`, a loop over them. `C` is the config its space stands for. */
export class Study<C = unknown> {
  private records: TrialRecord[] = [];
  /** Every record before this index was finished at the last refresh; finished trials never change, so refresh starts here. */
  private settled = 0;
  /** Identifies this process's claims (host:pid:random). */
  readonly owner = `${hostname()}:${process.pid}:${Math.floor(Math.random() * 1e9).toString(36)}`;
  /** The last ask in progress: asks run one at a time (see ask). */
  private asking: Promise<unknown> = Promise.resolve();
  /** Names this process's random stream when it joined an existing study; '' (the seed's own stream) for its creator. */
  stream = '';
  /** The best record and its configured copy, rebuilt only when the best changes. */
  private best: { record: TrialRecord; trial: ConfiguredTrial<C> } | null = null;
  /** The sampler's state for this study: every ask and recommendation of the study goes through it. */
  readonly session: SamplerSession;
  /** @internal The storage was opened for this study (from a URL): `close()` closes it. */
  ownsStorage = false;

  constructor(
    readonly storage: Storage,
    readonly record: StudyRecord,
    readonly space: SearchSpace<C>,
    readonly sampler: Sampler,
  ) {
    this.session = openSession(sampler);
  }

  get name(): string {
    return this.record.name;
  }
  get direction(): Direction {
    return this.record.direction;
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

  /** The best complete trial as of the last read (ask, tell, optimize and trials() read), with its config. */
  get bestTrial(): ConfiguredTrial<C> | null {
    const record = bestOf(this.direction, this.records);
    if (record === null) return null;
    if (this.best?.record !== record) this.best = { record, trial: withConfig(record, this.space) };
    return this.best.trial;
  }

  /** The trial the sampler recommends (e.g. best posterior mean under noise), else the best complete trial. */
  async recommend(): Promise<ConfiguredTrial<C> | null> {
    await this.refresh();
    const advised = await this.session.recommend?.(this.history());
    return advised ? withConfig(advised, this.space) : this.bestTrial;
  }

  /** The history a sampler sees now. */
  history(): History {
    return { space: this.space, direction: this.direction, seed: this.seed, generator: this.generator, trials: this.records, settled: this.settled };
  }

  /**
   * Asks the sampler for `n` new trials (state running), seeing the running ones as pending.
   * May return fewer when the budget or the search space is exhausted.
   * Without `leaseMs` the trials never go stale (tell them whenever); with it, call `heartbeat` at least every
   * `leaseMs`, or any process of the study (an `optimize` run) may fail them as 'stale'.
   */
  async ask(n = 1, options: AskOptions = {}): Promise<AskedTrial<C>[]> {
    if (!Number.isInteger(n) || n < 1) throw new OptionsError(`ask: n must be a positive integer (got ${n})`);
    const { leaseMs, budget } = options;
    if (leaseMs !== undefined && !(Number.isFinite(leaseMs) && leaseMs > 0)) {
      throw new OptionsError(`ask: options.leaseMs must be a positive number of ms (got ${leaseMs})`);
    }
    if (budget !== undefined && !(Number.isInteger(budget) && budget >= 0)) {
      throw new OptionsError(`ask: options.budget must be a non-negative integer (got ${budget})`);
    }
    // Concurrent callers (request handlers) ask one after another: each sampler call then sees every trial claimed
    // before it as pending, and no two calls draw from the same stream for the same history.
    const turn = this.asking.then(() => this.askNow(n, budget, leaseMs));
    this.asking = turn.catch(() => {});
    return turn;
  }

  private async askNow(n: number, budget: number | undefined, leaseMs: number | undefined): Promise<AskedTrial<C>[]> {
    await this.refresh();
    const rng = this.stream ? Rng.derive(this.random, 'suggest', this.records.length, this.stream) : Rng.derive(this.random, 'suggest', this.records.length);
    // (a sampler answering synchronously, as TPE does, is not awaited: a microtask turn less per ask)
    const suggested = this.session.suggest(this.history(), n, rng);
    const points = Array.isArray(suggested) ? suggested : await suggested;
    for (const p of points) this.space.validate(p);
    const claimed = await this.storage.claimTrials(this.record.id, points.slice(0, n), { owner: this.owner, budget, leaseMs });
    for (const t of claimed) this.records[t.number] = t;
    return claimed.map((t) => new Asked(t.number, t.params, this.space, this.random));
  }

  /** Extends the leases of these running trials (asked with `leaseMs`) by their own lease from now. */
  async heartbeat(numbers: readonly number[]): Promise<void> {
    const ids: number[] = [];
    for (const n of numbers) {
      let t = this.records[n];
      if (!t) {
        await this.refresh();
        t = this.records[n];
      }
      if (!t) throw new TrialStateError(`heartbeat: trial ${n} does not exist in study ${JSON.stringify(this.name)}`);
      ids.push(t.id);
    }
    await this.storage.heartbeat(ids);
  }

  /**
   * Finishes trial `number` with an objective value (NaN, ±Infinity and non-numbers fail it as 'nan'),
   * `{ value, ...attrs }`, or a TrialResult. A trial is told once: telling it again throws a TrialStateError.
   */
  async tell(number: number, outcome: unknown): Promise<TrialRecord> {
    let t = this.records[number];
    if (!t) {
      await this.refresh();
      t = this.records[number];
    }
    if (!t) throw new TrialStateError(`trial ${number} does not exist in study ${JSON.stringify(this.name)}`);
    const result = !isTrialResult(outcome)
      ? resultFromReturn(outcome)
      : outcome.state === 'complete'
        ? resultFromReturn({ ...outcome.attrs, value: outcome.value })
        : outcome;
    const done = await this.storage.finishTrial(t.id, result);
    this.records[done.number] = done;
    return done;
  }

  /**
   * Runs `objective` until the study holds `nTrials` trials (failed ones included; interrupted ones excepted),
   * keeping up to `concurrency` calls in flight; see `runStudy`.
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
    const params = this.paramsOf(point, 'enqueue');
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
      throw new OptionsError(`addTrial: value must be a finite number (got ${String(trial.value)})`);
    }
    if ((trial.params === undefined) === (trial.config === undefined)) throw new OptionsError('addTrial: give exactly one of params and config');
    const params = this.paramsOf(trial.params ?? (trial.config as C), 'addTrial');
    const [claimed] = await this.storage.claimTrials(this.record.id, [params], { owner: this.owner, queue: false });
    this.records[claimed.number] = claimed;
    return this.tell(claimed.number, { ...trial.attrs, value: trial.value });
  }

  /** Params from params or a config, validated against the space; errors name the caller and the label. */
  private paramsOf(point: Params | C, caller: string): Params {
    if (point !== null && typeof point === 'object' && Object.keys(point).every((k) => this.space.has(k))) {
      try {
        this.space.validate(point as Params);
        return { ...(point as Params) };
      } catch (e) {
        const fromConfig = this.space.fromObject(point);
        if (fromConfig) return fromConfig;
        throw new SpaceError(`${caller}: ${(e as Error).message}`);
      }
    }
    const fromConfig = this.space.fromObject(point);
    if (!fromConfig) throw new SpaceError(`${caller}: ${show(point)} is neither params of the space (keyed by label) nor a config it can fill to`);
    return fromConfig;
  }

  /** Trials this process has in the local view, as of the last read. */
  get cached(): readonly TrialRecord[] {
    return this.records;
  }
}

function isTrialResult(x: unknown): x is TrialResult {
  if (x === null || typeof x !== 'object') return false;
  const s = (x as { state?: unknown }).state;
  return s === 'complete' || s === 'fail';
}
