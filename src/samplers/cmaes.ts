import { didYouMean } from '../did-you-mean.js';
import { OptionsError } from '../errors.js';
import { Rng, type SeedSource } from '../rng.js';
import { show, type Value } from '../space/hp.js';
import type { Params, SearchSpace } from '../space/space.js';
import { compareValues, type TrialRecord } from '../trial/trial.js';
import { Generation, isReady, type Slot, surrogateRanking, trueRanking } from './cmaes/generation.js';
import { buildLayout, foreignStep, type Layout } from './cmaes/layout.js';
import { type Constants, constants, State } from './cmaes/strategy.js';
import { type ArchivePoint, archiveSize } from './cmaes/surrogate.js';
import type { History, Sampler, SamplerSession } from './sampler.js';
import { own } from '../space/own.js';

export interface CmaEsOptions {
  /** Initial step size in the unit cube, in (0, 1]. Default 0.125 (Optuna: 1/6; measured: 1/8 better at 100–200 trials). */
  sigma0?: number;
  /** Population size λ of the first run (≥ 2). Default 4 + ⌊3 ln d⌋. */
  popsize?: number;
  /** Diagonal covariance (sep-CMA-ES): true, false, or 'auto' (separable when d > 40). Default 'auto'. */
  separable?: boolean | 'auto';
  /** 'ipop': restart with a population `incPopsize` times larger when a run stagnates; 'none': never restart. Default 'ipop'. */
  restart?: 'ipop' | 'none';
  /** Population growth per IPOP restart (≥ 1). Default 2. */
  incPopsize?: number;
  /** CMA-ES with margin for integer and linearly quantised dims (Hamano et al. 2022). Default true. */
  margin?: boolean;
  /** Probability that a categorical or conditional parameter copies the best trial's value rather than a prior draw, in [0, 1]. Default 0.5. */
  pBest?: number;
  /** Linear-quadratic surrogate (lq-CMA-ES, Hansen 2019): true, false, or 'auto' (with the full-covariance variant). Default 'auto'. */
  surrogate?: boolean | 'auto';
}

/** Separable covariance above this dimension with `separable: 'auto'`. */
const AUTO_SEPARABLE_DIM = 40;
/** Largest population an IPOP restart grows to. */
const MAX_POPSIZE = 4096;
/** Full quadratic surrogate up to this dimension (n(n+3)/2 + 1 coefficients); diagonal quadratic above. */
const FULL_MODEL_MAX_DIM = 12;
/** Redraws of the non-CMA part before a member that duplicates a running trial is skipped. */
const DUPLICATE_RETRIES = 8;

/** What CMA-ES keeps for one study: its space's layout and the replay of its history up to the first running trial. */
class CmaEsKept {
  readonly layouts = new WeakMap<SearchSpace, Layout>();
  /** Replay state after a prefix of finished trials (their assignment can no longer change). */
  replay: {
    space: SearchSpace;
    seed: number;
    direction: string;
    prefix: TrialRecord[];
    gen: Generation | null;
    slots: Slot[];
    used: Set<number>;
    best: TrialRecord | null;
  } | null = null;
}

/**
 * CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial": weighted recombination with active negative
 * weights, CSA step size, rank-one and rank-μ covariance updates, h_σ stall) over the always-active float, normal
 * and int parameters in the unit cube (log dims log-scaled, normal dims by their prior CDF), with
 * - box bounds by resampling: a member is redrawn (up to 10 times) until it lies in [0, 1]^d,
 *   else it is mirrored into the box; the update uses the evaluated point, so the mean stays in the box
 *   (mirroring in the algorithm's own space instead makes an optimum near a bound bimodal: measured worse on branin);
 * - integer and linearly quantised dims (≤ 4096 values) by CMA-ES with margin (Hamano et al. 2022), margin 1/(dλ);
 * - IPOP restarts (Auger & Hansen 2005) with the population doubled when a run stagnates (tolfun, tolx,
 *   no-effect axis/coordinate, condition number > 1e14), from a uniformly random mean;
 * - a separable variant (sep-CMA-ES, Ros & Hansen 2008) for high dimensions.
 *
 * Categorical and conditional parameters (every choice, and every dim inside a choice's branch) are not modelled:
 * each is drawn, top-down as the branches open, from the best complete trial's value with probability `pBest`
 * (when the best trial has that parameter) and from its prior otherwise.
 *
 * State is a pure function of the history: trials are assigned, in number order, to the generation whose members
 * their modelled values match (members are regenerated from the seed, never stored); a trial matching no member
 * (enqueued by hand, or a straggler) is injected into the current generation with its step clipped to Mahalanobis
 * norm √d + 2d/(d + 2) (Hansen 2011). A generation is updated once its first λ complete members (in number
 * order) are known and no trial of it before them is still running; failed members are replaced by further
 * members of the same generation. `suggest` hands out members not yet claimed, continuing past λ while a
 * generation waits for running trials, so parallel workers stay busy. Replays are cached, so each `suggest`
 * costs O(new trials) amortised.
 */
export class CmaEsSampler implements Sampler {
  readonly name = 'cmaes';
  readonly options: Readonly<Record<string, unknown>>;
  private readonly sigma0: number;
  private readonly pBest: number;

  constructor(private readonly o: CmaEsOptions = {}) {
    validate(o);
    this.options = { ...o };
    this.sigma0 = o.sigma0 ?? 0.125;
    this.pBest = o.pBest ?? 0.5;
  }

  /** A session per study: the replay of that study's history is kept between its calls. */
  session(): SamplerSession {
    const kept = new CmaEsKept();
    return { suggest: (h, n, rng) => this.suggestWith(kept, h, n, rng) };
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    return this.suggestWith(new CmaEsKept(), history, n, rng);
  }

  private suggestWith(kept: CmaEsKept, history: History, n: number, rng: Rng): Params[] {
    const { space, trials } = history;
    const layout = this.layout(kept, space);
    const { gen, used, firstRunning, best, slots } = this.replay(kept, history, layout);
    // Surrogate mode: hand out the model-best members not yet taken first (lq-CMA-ES evaluates in that order).
    const order = gen?.archive ? gen.order(slots) : [];
    let orderPos = 0;
    // Running trials all come after the first running one; their keys are what a new point must not repeat.
    const taken = new Set<string>();
    for (let i = firstRunning; i < trials.length; i++) if (trials[i].state === 'running') taken.add(space.key(trials[i].params));
    const out: Params[] = [];
    let next = 0;
    let skipped = 0;
    while (out.length < n) {
      let values: readonly Value[] = [];
      if (gen && skipped <= 4 * gen.lambda + n) {
        while (orderPos < order.length && used.has(order[orderPos])) orderPos++;
        let i: number;
        if (orderPos < order.length) i = order[orderPos++];
        else {
          while (used.has(next) || next < order.length) next++;
          i = next++;
        }
        used.add(i);
        values = gen.member(i).values;
      }
      let p = this.compose(space, layout, values, best, rng);
      if (taken.size === 0 && n === 1) {
        out.push(p);
        break;
      }
      for (let r = 0; r < DUPLICATE_RETRIES && taken.has(space.key(p)); r++) p = this.compose(space, layout, values, best, rng);
      if (taken.has(space.key(p))) {
        if (gen && skipped <= 4 * gen.lambda + n) {
          skipped++;
          continue;
        }
        // Small discrete spaces: nothing new near the distribution; fall back to the prior.
        for (let r = 0; r < 4 * DUPLICATE_RETRIES && taken.has(space.key(p)); r++) p = space.sample(rng);
      }
      taken.add(space.key(p));
      out.push(p);
    }
    return out;
  }

  /** A full params object: modelled dims from the member, the rest by the pBest-or-prior rule. */
  private compose(space: SearchSpace, layout: Layout, values: readonly Value[], best: TrialRecord | null, rng: Rng): Params {
    return space.sample(rng, (d) => {
      const j = layout.modelled.get(d.label);
      if (j !== undefined && values.length > 0) return values[j];
      const b = best ? own(best.params, d.label) : undefined;
      if (b !== undefined && rng.uniform() < this.pBest) return b;
      return d.sample(rng);
    });
  }

  private layout(kept: CmaEsKept, space: SearchSpace): Layout {
    let l = kept.layouts.get(space);
    if (!l) {
      l = buildLayout(space, this.o.margin ?? true);
      kept.layouts.set(space, l);
    }
    return l;
  }

  /**
   * Replays the history (from the cached generation when its prefix of trials is unchanged) up to the current
   * generation; also returns the index of the first running trial and the best complete trial (null when every
   * dim is modelled, as nothing else needs it).
   */
  private replay(
    kept: CmaEsKept,
    history: History,
    layout: Layout,
  ): { gen: Generation | null; used: Set<number>; firstRunning: number; best: TrialRecord | null; slots: Slot[] } {
    const { trials, space, seed, direction } = history;
    const needBest = layout.coords.length < space.dims.length;
    const c = kept.replay;
    let gen: Generation | null;
    let slots: Slot[] = [];
    let used = new Set<number>();
    let from: number;
    let best: TrialRecord | null = null;
    if (
      c &&
      c.space === space &&
      c.seed === seed &&
      c.direction === direction &&
      c.prefix.length <= trials.length &&
      samePrefix(c.prefix, trials)
    ) {
      gen = c.gen;
      slots = c.slots.slice();
      used = new Set(c.used);
      from = c.prefix.length;
      best = c.best;
    } else {
      gen = layout.coords.length > 0 ? this.firstGeneration(layout, history) : null;
      from = 0;
      kept.replay = null;
    }
    // The cached prefix holds finished trials only, so the first running one is at or after it.
    let firstRunning = from;
    while (firstRunning < trials.length && trials[firstRunning].state !== 'running') firstRunning++;
    const advance = (at: number) => {
      gen = this.advance(gen!, slots, at, layout, history);
      slots = [];
      used = new Set();
    };
    // Decisions up to a trial depend only on the trials before it: once those are finished, they are final.
    const save = (at: number) => {
      if (at > firstRunning) return;
      const cache = kept.replay;
      if (cache && cache.prefix.length >= at && cache.gen === gen) return;
      // The cached prefix (when kept) already matches trials[0, from): extend it rather than copying.
      const prefix = cache && cache.prefix.length === from ? cache.prefix : trials.slice(0, from);
      for (let i = prefix.length; i < at; i++) prefix.push(trials[i]);
      kept.replay = { space, seed, direction, prefix, gen, slots: slots.slice(), used: new Set(used), best };
    };
    for (let i = from; i < trials.length; i++) {
      if (i === firstRunning) save(i);
      const t = trials[i];
      if (
        needBest &&
        t.state === 'complete' &&
        t.value !== null &&
        Number.isFinite(t.value) &&
        (!best || compareValues(direction, t.value, best.value as number) < 0)
      )
        best = t;
      if (!gen) continue;
      const values = layout.coords.map((c) => own(t.params, c.dim.label) ?? null);
      let m = gen.find(values, used, slots.length + gen.lambda + 16);
      if (m < 0 && isReady(gen, slots)) {
        advance(i);
        m = gen.find(values, used, gen.lambda + 16);
      }
      let y: Float64Array;
      let x: Float64Array;
      if (m >= 0) {
        used.add(m);
        x = gen.member(m).x;
        y = new Float64Array(x.length);
        for (let j = 0; j < x.length; j++) y[j] = (x[j] - gen.state.mean[j]) / gen.state.sigma;
      } else ({ x, y } = foreignStep(layout, gen.state, t.params));
      const score =
        t.state === 'complete' && t.value !== null && Number.isFinite(t.value) ? (direction === 'minimize' ? t.value : -t.value) : null;
      slots.push({ y, x, member: m, running: t.state === 'running', score });
    }
    if (gen && isReady(gen, slots)) advance(trials.length);
    save(trials.length);
    return { gen, used, firstRunning, best, slots };
  }

  private firstGeneration(layout: Layout, seed: SeedSource): Generation {
    const n = layout.coords.length;
    const mean = new Float64Array(n).fill(0.5);
    const k = this.constants(layout, 0);
    const surrogate = this.surrogateFor(k);
    return new Generation(layout, seed, 0, State.initial(k, mean, this.sigma0), 0, surrogate ? [] : null, surrogate);
  }

  /**
   * The surrogate's settings for a run, or null when it is off. 'auto': on with the full-covariance variant when
   * every modelled dim is continuous (on integer dims the model-best member often rounds onto a point already
   * evaluated, which spends a trial on nothing new).
   */
  private surrogateFor(k: Constants): { allowFull: boolean; maxSize: number } | null {
    const { n, lambda, separable } = k;
    const o = this.o.surrogate ?? 'auto';
    if (o === false || (o === 'auto' && (separable || k.discrete.length > 0))) return null;
    const allowFull = n <= FULL_MODEL_MAX_DIM;
    return { allowFull, maxSize: archiveSize(n, lambda, allowFull) };
  }

  private constants(layout: Layout, run: number) {
    const n = layout.coords.length;
    const base = this.o.popsize ?? 4 + Math.floor(3 * Math.log(n));
    const lambda = Math.min(MAX_POPSIZE, Math.round(base * (this.o.incPopsize ?? 2) ** run));
    const sep = this.o.separable ?? 'auto';
    const separable = sep === 'auto' ? n > AUTO_SEPARABLE_DIM : sep;
    return constants(n, Math.max(2, lambda), separable, layout.mirrored, layout.discrete);
  }

  /** Updates `gen` from its first λ complete members; restarts (IPOP) when the run stagnates. */
  private advance(gen: Generation, slots: Slot[], at: number, layout: Layout, seed: SeedSource): Generation {
    const decision = gen.archive ? gen.surrogateReady(slots)! : null;
    const ranked = decision ? surrogateRanking(gen, slots, decision.model) : trueRanking(gen, slots);
    const values = ranked.map((r) => r.value);
    const state = gen.state.update(
      ranked.map((r) => r.y),
      values,
    );
    const finite = Number.isFinite(state.sigma) && state.mean.every(Number.isFinite) && state.D.every((d) => d > 0 && Number.isFinite(d));
    if ((this.o.restart ?? 'ipop') === 'ipop' && (!finite || state.stagnated(values))) {
      const run = gen.run + 1;
      const rng = Rng.derive(seed, 'cmaes', 'restart', run);
      const mean = new Float64Array(layout.coords.length);
      for (let j = 0; j < mean.length; j++) mean[j] = rng.uniform();
      const k = this.constants(layout, run);
      // A restart changes λ: the surrogate starts over, as pycma resets its model when the population grows.
      const surrogate = this.surrogateFor(k);
      return new Generation(layout, seed, run, State.initial(k, mean, this.sigma0), at, surrogate ? [] : null, surrogate);
    }
    let archive: ArchivePoint[] | null = null;
    let complete = 0;
    if (gen.archive) {
      archive = [...gen.archive];
      for (const s of slots) if (s.score !== null) archive.push({ x: s.x, f: s.score });
      complete = archive.length - gen.archive.length;
      archive = archive.slice(Math.max(0, archive.length - gen.surrogate!.maxSize));
    }
    const next = new Generation(layout, seed, gen.run, finite ? state : gen.state, at, archive, gen.surrogate);
    // The decision's model was fitted on exactly the next archive when no evaluation came in after it.
    if (decision?.model && decision.extra === complete) next.seedFit({ model: decision.model, points: archive! });
    return next;
  }
}

/** The same finished trial (records are re-read as new objects, so compare what identifies them). */
function sameTrial(a: TrialRecord, b: TrialRecord): boolean {
  return (
    a === b ||
    (a.id === b.id && a.studyId === b.studyId && a.state === b.state && Object.is(a.value, b.value) && a.startedAt === b.startedAt)
  );
}

/** Whether `trials` starts with the finished trials `prefix` (the same objects, usually: a cheap pass). */
function samePrefix(prefix: readonly TrialRecord[], trials: readonly TrialRecord[]): boolean {
  for (let i = prefix.length - 1; i >= 0; i--) if (prefix[i] !== trials[i] && !sameTrial(prefix[i], trials[i])) return false;
  return true;
}

function validate(o: CmaEsOptions): void {
  if (o === null || typeof o !== 'object') throw new OptionsError('cmaes: options must be an object');
  const known = ['sigma0', 'popsize', 'separable', 'restart', 'incPopsize', 'margin', 'pBest', 'surrogate'];
  for (const k of Object.keys(o))
    if (!known.includes(k)) throw new OptionsError(`cmaes: unknown option options.${k}${didYouMean(k, known)}; known: ${known.join(', ')}`);
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (o.sigma0 !== undefined && !(num(o.sigma0) && o.sigma0 > 0 && o.sigma0 <= 1))
    throw new OptionsError(`cmaes: options.sigma0 must be > 0 and ≤ 1 (got ${show(o.sigma0)})`);
  if (o.popsize !== undefined && !(Number.isInteger(o.popsize) && o.popsize >= 2))
    throw new OptionsError(`cmaes: options.popsize must be an integer ≥ 2 (got ${show(o.popsize)})`);
  if (o.separable !== undefined && o.separable !== true && o.separable !== false && o.separable !== 'auto')
    throw new OptionsError(`cmaes: options.separable must be true, false or "auto" (got ${JSON.stringify(o.separable)})`);
  if (o.restart !== undefined && o.restart !== 'ipop' && o.restart !== 'none')
    throw new OptionsError(`cmaes: options.restart must be "ipop" or "none" (got ${JSON.stringify(o.restart)})`);
  if (o.incPopsize !== undefined && !(num(o.incPopsize) && o.incPopsize >= 1))
    throw new OptionsError(`cmaes: options.incPopsize must be ≥ 1 (got ${show(o.incPopsize)})`);
  if (o.margin !== undefined && typeof o.margin !== 'boolean')
    throw new OptionsError(`cmaes: options.margin must be a boolean (got ${JSON.stringify(o.margin)})`);
  if (o.pBest !== undefined && !(num(o.pBest) && o.pBest >= 0 && o.pBest <= 1))
    throw new OptionsError(`cmaes: options.pBest must be in [0, 1] (got ${show(o.pBest)})`);
  if (o.surrogate !== undefined && o.surrogate !== true && o.surrogate !== false && o.surrogate !== 'auto')
    throw new OptionsError(`cmaes: options.surrogate must be true, false or "auto" (got ${JSON.stringify(o.surrogate)})`);
}

/** CMA-ES: `cmaes({ sigma0, popsize, separable, restart, incPopsize, margin, pBest })`, or `cmaes.suggest` with defaults. */
export const cmaes = Object.assign((o?: CmaEsOptions) => new CmaEsSampler(o), { suggest: new CmaEsSampler() });
