import { core } from '../../numeric/core.js';
import { MAX_MIXTURE_DIMS } from '../../numeric/types.js';
import { OptionsError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import type { Dim } from '../../space/dim.js';
import type { Value } from '../../space/hp.js';
import type { Params, SearchSpace } from '../../space/space.js';
import type { TrialRecord } from '../../trial/trial.js';
import { RandomSampler } from '../random.js';
import { type History, isRanked, rankKey, type Sampler, type SamplerSession } from '../sampler.js';
import {
  adaptiveParzen,
  boundsOf,
  categoricalPosterior,
  type Mixture,
  type MixtureBounds,
  multivariateParzen,
  type Observations,
  sampleMixture,
} from './mixture.js';
import { type CategoricalModelDim, modelDim, type ModelDim, type NumericModelDim } from './model-dims.js';
import { nBelow, type ResolvedTpeOptions, resolveTpeOptions, type TpeOptions } from './options.js';
import { own, setOwn } from '../../space/own.js';
import { motpeOptions, MotpeSession } from '../moo/motpe.js';

/** Parameters modelled together: one dim (univariate TPE) or all dims of one branch of the space (multivariate). */
interface Group {
  /** Any dim of the group: the group is active exactly when it is (all share the same branch). */
  readonly anchor: Dim;
  readonly numeric: readonly NumericModelDim[];
  readonly categorical: readonly CategoricalModelDim[];
  /** Positions of the group's dims in an encoded row (`Encoded.numeric` / `Encoded.categories`). */
  readonly numericAt: Int32Array;
  readonly categoricalAt: Int32Array;
  /** The branch the group lives in ('' at the top of the tree). */
  readonly branch: string;
  /** Bounds of the group's numeric dims, shared by every mixture of the group. */
  readonly bounds: MixtureBounds;
  /** Whether an encoded trial had this group active. */
  isActive(row: Encoded): boolean;
}

/** A ranked trial (complete, or pruned: see rankKey) with its params encoded (inline: one object less to read per trial). */
interface Ranked extends Encoded {
  /** The record it was made from (see Model.ranked). */
  readonly record: TrialRecord;
  readonly number: number;
  readonly tier: number;
  readonly value: number;
}

/** A split: the ranked trials it is made among, in trial order (for linear forgetting), and the good group's marks. */
interface Split {
  readonly pool: readonly Ranked[];
  /** The positions in pool of the good group, ascending; the others are the bad group. */
  readonly good: Int32Array;
}

/** A trial's params in model space: numeric values (NaN where inactive) and category indices (−1 where inactive). */
interface Encoded {
  readonly numeric: Float64Array;
  readonly categories: Int32Array;
}

/** The space as TPE models it: every dim's model view, the groups, and the encoded params of the trials seen. */
interface Model {
  readonly space: SearchSpace;
  readonly numeric: readonly NumericModelDim[];
  readonly categorical: readonly CategoricalModelDim[];
  readonly groups: readonly Group[];
  /** Params objects of stored trials are immutable, so their encoding is computed once. */
  readonly encoded: WeakMap<Params, Encoded>;
  /**
   * So are the records of ranked trials (a trial that changes state gets a new record): their entry is made once,
   * kept at the record's position in the history and used while the record there is the same (an array read: a
   * WeakMap lookup per trial was most of ranking a thousand trials at every ask).
   */
  readonly ranked: Ranked[];
}

/** Draws from the bad group's model when every candidate is a duplicate, before giving up to the prior. */
const DUPLICATE_RETRIES = 8;

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011, as in hyperopt's tpe.suggest): splits complete trials into
 * a good group l(x) and a bad group g(x), fits Parzen estimators to each, draws `nEiCandidates` points from l and keeps
 * the one with the highest l(x)/g(x). Conditional spaces: each estimator sees only the trials in which its parameters
 * were active. Running trials and the earlier points of a batch join the bad group (constant liar), so batches spread.
 * Densities are evaluated in the WebAssembly core. The caches live in a session per study (see TpeSession). Pruned
 * trials are ranked too, after every complete trial, as Optuna's TPE ranks them (`rankKey`: those that reached a later
 * step first, then by their value there).
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  /** Several objectives: multi-objective TPE (see MotpeSampler). */
  readonly multiObjective = true;
  readonly options: Readonly<Record<string, unknown>>;
  private readonly o: ResolvedTpeOptions;

  constructor(options: TpeOptions = {}) {
    this.o = resolveTpeOptions(options);
    this.options = { ...options };
  }

  session(): TpeSession {
    return new TpeSession(this.o, this.options);
  }

  /** Limit: at most 4096 numeric parameters per branch with `multivariate` (see TpeSession.checkSpace). */
  checkSpace(space: SearchSpace): void {
    new TpeSession(this.o).checkSpace(space);
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    return this.session().suggest(history, n, rng);
  }
}

/**
 * TPE for one study: the model of its space, kept between calls (a history of another space starts it over). Every
 * call ranks and splits the trials afresh; only their encoded params are kept (see Model.encoded).
 */
class TpeSession implements SamplerSession {
  private readonly random = new RandomSampler();
  private model: Model | null = null;
  /** A multi-objective study's session (see MotpeSession). */
  private moo: MotpeSession | null = null;

  constructor(
    private readonly o: ResolvedTpeOptions,
    /** The options as given (a multi-objective study resolves them for MOTPE). */
    private readonly given: TpeOptions = {},
  ) {}

  /**
   * Limit: multivariate TPE models the numeric parameters of one branch jointly in one mixture of the numeric core,
   * at most MAX_MIXTURE_DIMS (4096) of them; univariate TPE (`multivariate: false`) has no limit.
   */
  checkSpace(space: SearchSpace): void {
    if (!this.o.multivariate) return;
    for (const g of this.modelOf(space).groups) {
      if (g.numeric.length > MAX_MIXTURE_DIMS) {
        throw new OptionsError(
          `tpe: ${g.branch ? 'a branch of the space' : 'the space'} has ${g.numeric.length} numeric parameters; multivariate tpe models at most ` +
            `${MAX_MIXTURE_DIMS} jointly (use --algo-options '{"multivariate": false}', or random, cmaes or evolution)`,
        );
      }
    }
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    if ((history.directions?.length ?? 1) > 1)
      return (this.moo ??= new MotpeSession(motpeOptions(this.given, 'tpe'))).suggest(history, n, rng);
    const { space } = history;
    const model = this.modelOf(space);
    const { complete, pending } = rank(model, history);
    if (complete.length < this.o.nStartupTrials) return this.random.suggest(history, n, rng);
    const splits = new Map<string, Split>();
    const splitFor = (g: Group): Split => {
      const key = this.o.split === 'branch' ? g.branch : '';
      let s = splits.get(key);
      if (!s) splits.set(key, (s = this.split(key === '' ? null : g, complete, history.direction === 'minimize' ? 1 : -1)));
      return s;
    };
    const lies = this.o.constantLiar ? pending.map((t) => encode(model, t.params)) : [];
    const taken = new Set(pending.map((t: TrialRecord) => space.key(t.params)));
    const out: Params[] = [];
    for (let i = 0; i < n; i++) {
      let p = this.suggestOne(model, splitFor, lies, rng);
      let key = space.key(p);
      for (let r = 0; r < DUPLICATE_RETRIES && taken.has(key); r++) {
        p = this.suggestOne(model, splitFor, lies, rng);
        key = space.key(p);
      }
      if (taken.has(key)) {
        p = this.random.suggest({ ...history, trials: [] }, 1, rng)[0];
        key = space.key(p);
      }
      taken.add(key);
      out.push(p);
      if (this.o.constantLiar && i < n - 1) lies.push(encode(model, p));
    }
    return out;
  }

  /**
   * The good group (the best `nBelow` of the ranked trials: see better) and the bad group (the other ranked trials),
   * among the trials in which g is active (g null: among all of them; an estimator then skips the rows where it is
   * inactive), each in trial order.
   */
  private split(g: Group | null, complete: readonly Ranked[], sign: number): Split {
    const pool = g ? complete.filter((e) => g.isActive(e)) : complete;
    return { pool, good: bestOf(pool, nBelow(this.o, pool.length), sign) };
  }

  /**
   * One point, top-down through the tree. Independent (hyperopt): each active group keeps its own best of
   * `nEiCandidates`. Joint (multivariate): `nEiCandidates` whole points are drawn top-down from the l's and the one
   * with the largest summed log l/g over the groups it activates wins, so a branch whose parameters look very good
   * can beat a choice that merely looks safer.
   */
  private suggestOne(model: Model, splitFor: (g: Group) => Split, lies: readonly Encoded[], rng: Rng): Params {
    const m = this.o.nEiCandidates;
    const joint = this.o.multivariate;
    const nPoints = joint ? m : 1;
    // candidate points held as numbers and category indices by dim index; the winner alone becomes an object
    const pts = new Candidates(model.space.dims.length, nPoints, model.groups.length);
    const totals = new Float64Array(nPoints);
    for (let gi = 0; gi < model.groups.length; gi++) {
      const g = model.groups[gi];
      const at: number[] = [];
      for (let i = 0; i < nPoints; i++) if (pts.isActive(g.anchor, i)) at.push(i);
      if (at.length === 0) continue;
      const split = splitFor(g);
      const { good, bad } = observe(g, split, lies);
      const l = this.estimator(g, good, good.n + bad.n);
      const gx = this.estimator(g, bad, good.n + bad.n);
      const { values, categories, score } = drawAndScore(g, l, gx, joint ? at.length : m, rng);
      if (joint) {
        for (let c = 0; c < at.length; c++) {
          pts.take(g, gi, at[c], values, categories, c);
          totals[at[c]] += score[c];
        }
      } else {
        let best = 0;
        for (let c = 1; c < m; c++) if (score[c] > score[best]) best = c;
        pts.take(g, gi, 0, values, categories, best);
      }
    }
    let best = 0;
    for (let i = 1; i < nPoints; i++) if (totals[i] > totals[best]) best = i;
    return pts.params(model.groups, best);
  }

  /** The group's Parzen estimator over `obs`; `observed`: its observations in both groups (hyperopt's clip). */
  private estimator(g: Group, obs: Observations, observed: number): Mixture {
    if (g.numeric.length + g.categorical.length > 1) return multivariateParzen(g.numeric, g.categorical, obs, this.o, g.bounds);
    return g.numeric.length === 1
      ? adaptiveParzen(g.numeric[0], obs.numeric.subarray(0, obs.n), this.o, observed, g.bounds)
      : categoricalPosterior(g.categorical[0], obs.categories.subarray(0, obs.n), this.o);
  }

  /** Univariate: one group per dim. Multivariate: one group per branch (dims sharing the same parent choice and option). */
  private modelOf(space: SearchSpace): Model {
    if (this.model?.space === space) return this.model;
    const dims = space.dims.map(modelDim);
    const numeric = dims.filter((m): m is NumericModelDim => m.kind === 'numeric');
    const categorical = dims.filter((m): m is CategoricalModelDim => m.kind === 'categorical');
    const branchOf = (d: Dim) => (d.parent ? `${d.parent.dim.label}\u0000${d.parent.option}` : '');
    const buckets = new Map<string, ModelDim[]>();
    for (const m of dims) {
      const key = this.o.multivariate ? branchOf(m.dim) : m.dim.label;
      const list = buckets.get(key) ?? [];
      list.push(m);
      buckets.set(key, list);
    }
    const groups = [...buckets.values()].map((models): Group => {
      const gn = models.filter((m): m is NumericModelDim => m.kind === 'numeric');
      const gc = models.filter((m): m is CategoricalModelDim => m.kind === 'categorical');
      const numericAt = Int32Array.from(gn, (m) => numeric.indexOf(m));
      const categoricalAt = Int32Array.from(gc, (m) => categorical.indexOf(m));
      return {
        anchor: models[0].dim,
        numeric: gn,
        categorical: gc,
        numericAt,
        categoricalAt,
        branch: branchOf(models[0].dim),
        bounds: boundsOf(gn),
        isActive: gn.length > 0 ? (r) => !Number.isNaN(r.numeric[numericAt[0]]) : (r) => r.categories[categoricalAt[0]] >= 0,
      };
    });
    this.model = { space, numeric, categorical, groups, encoded: new WeakMap(), ranked: [] };
    return this.model;
  }
}

/** The ranked trials in trial order (each trial's entry made once: see Model.ranked), and the running trials. */
function rank(model: Model, history: History): { complete: Ranked[]; pending: TrialRecord[] } {
  const complete: Ranked[] = [];
  const pending: TrialRecord[] = [];
  const { trials } = history;
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i];
    if (isRanked(t)) {
      let e = model.ranked[i];
      if (e?.record !== t) {
        const { tier, value } = rankKey(t, history.direction);
        const { numeric, categories } = encode(model, t.params);
        model.ranked[i] = e = { record: t, number: t.number, tier, value, numeric, categories };
      }
      complete.push(e);
    } else if (t.state === 'running') pending.push(t);
  }
  return { complete, pending };
}

/** Whether ranked trial a ranks before b: a lower tier, then a better value, then an earlier trial. */
function better(a: Ranked, b: Ranked, sign: number): boolean {
  return a.tier < b.tier || (a.tier === b.tier && (sign * (a.value - b.value) < 0 || (a.value === b.value && a.number < b.number)));
}

/** The positions of the best `cut` entries of `list`, ascending (cut is small, at most TPE's nBelowMax: kept sorted by insertion). */
function bestOf(list: readonly Ranked[], cut: number, sign: number): Int32Array {
  const top: number[] = [];
  if (cut <= 0) return new Int32Array(0);
  let worst: Ranked | null = null;
  for (let k = 0; k < list.length; k++) {
    const e = list[k];
    if (top.length === cut && !better(e, worst!, sign)) continue;
    let i = Math.min(top.length, cut - 1);
    top[i] = k;
    for (; i > 0 && better(e, list[top[i - 1]], sign); i--) [top[i], top[i - 1]] = [top[i - 1], top[i]];
    worst = list[top[top.length - 1]];
  }
  return Int32Array.from(top).sort();
}

function encode(model: Model, params: Params): Encoded {
  let e = model.encoded.get(params);
  if (e) return e;
  const numeric = new Float64Array(model.numeric.length);
  const categories = new Int32Array(model.categorical.length);
  for (let i = 0; i < model.numeric.length; i++) {
    const m = model.numeric[i];
    const v = own(params, m.dim.label);
    numeric[i] = v === undefined ? NaN : m.toModel(v);
  }
  for (let i = 0; i < model.categorical.length; i++) {
    const m = model.categorical[i];
    const v = own(params, m.dim.label);
    categories[i] = v === undefined ? -1 : m.index(v);
  }
  e = { numeric, categories };
  model.encoded.set(params, e);
  return e;
}

/**
 * The group's values in the rows where it was active (all its dims are then present), in order: the good group's,
 * and the bad group's followed by `lies`; each with one spare row at the end, where a multivariate estimator puts its
 * prior component. The pool is read in one pass (its rows are scattered objects: a second pass would read them again
 * from memory).
 */
function observe(g: Group, split: Split, lies: readonly Encoded[]): { good: Observations; bad: Observations } {
  const { pool, good } = split;
  const dn = g.numericAt.length;
  const dc = g.categoricalAt.length;
  const room = (rows: number): Observations => ({ n: 0, numeric: new Float64Array(rows * dn), categories: new Int32Array(rows * dc) });
  const lo = room(good.length + 1);
  let nLo = 0;
  for (const i of good) if (g.isActive(pool[i])) copyRow(g, pool[i], lo, nLo++);
  const hi = room(pool.length - good.length + lies.length + 1);
  let nHi = 0;
  let next = 0;
  for (let i = 0; i < pool.length; i++) {
    if (next < good.length && good[next] === i) next++;
    else if (g.isActive(pool[i])) copyRow(g, pool[i], hi, nHi++);
  }
  for (const r of lies) if (g.isActive(r)) copyRow(g, r, hi, nHi++);
  return { good: trimmed(lo, nLo, dn, dc), bad: trimmed(hi, nHi, dn, dc) };
}

/** `o` with n rows: its arrays cut to them and the spare one. */
function trimmed(o: Observations, n: number, dn: number, dc: number): Observations {
  return { n, numeric: o.numeric.subarray(0, (n + 1) * dn), categories: o.categories.subarray(0, (n + 1) * dc) };
}

/** Row `at` of `o` from the group's dims of an encoded trial. */
function copyRow(g: Group, r: Encoded, o: Observations, at: number): void {
  const { numericAt, categoricalAt } = g;
  const dn = numericAt.length;
  const dc = categoricalAt.length;
  for (let j = 0; j < dn; j++) o.numeric[at * dn + j] = r.numeric[numericAt[j]];
  for (let j = 0; j < dc; j++) o.categories[at * dc + j] = r.categories[categoricalAt[j]];
}

/**
 * Draws `m` points of a group from l and scores each by log l − log g (in the core): numeric values (m × dn, as the
 * space holds them) and category indices (m × dc) in group order.
 */
function drawAndScore(
  g: Group,
  l: Mixture,
  gx: Mixture,
  m: number,
  rng: Rng,
): { values: Float64Array; categories: Int32Array; score: Float64Array } {
  const dn = g.numeric.length;
  const dc = g.categorical.length;
  // (lower and upper are read only at interval dims, which are written for every point)
  const x = new Float64Array(m * dn);
  const lower = new Float64Array(m * dn);
  const upper = new Float64Array(m * dn);
  const values = new Float64Array(m * dn);
  const categories = new Int32Array(m * dc);
  const draw = new Float64Array(dn);
  const cats = new Int32Array(dc);
  for (let i = 0; i < m; i++) {
    sampleMixture(l, rng, draw, cats);
    for (let j = 0; j < dn; j++) {
      const md = g.numeric[j];
      const v = md.fromModel(draw[j]) as number;
      values[i * dn + j] = v;
      x[i * dn + j] = md.toModel(v);
      if (md.interval) [lower[i * dn + j], upper[i * dn + j]] = md.edges(v);
    }
    for (let j = 0; j < dc; j++) categories[i * dc + j] = cats[j];
  }
  const points = { x, lower, upper, categories };
  const score = core().parzenLogPdf(l, points);
  const scoreG = core().parzenLogPdf(gx, points);
  for (let i = 0; i < m; i++) score[i] -= scoreG[i];
  return { values, categories, score };
}

/**
 * Candidate points of one suggestion before any becomes a Params object: per point and dim index, the numeric value
 * or the category index (−1 until set), and which groups the point took values from.
 */
class Candidates {
  private readonly numeric: Float64Array;
  private readonly category: Int32Array;
  private readonly took: Uint8Array;

  constructor(
    private readonly nDims: number,
    nPoints: number,
    private readonly nGroups: number,
  ) {
    this.numeric = new Float64Array(nDims * nPoints);
    this.category = new Int32Array(nDims * nPoints).fill(-1);
    this.took = new Uint8Array(nGroups * nPoints);
  }

  /** `SearchSpace.isActive` on point i: every ancestor choice is set and took the option leading to `dim`. */
  isActive(dim: Dim, i: number): boolean {
    for (let p = dim.parent; p; p = p.dim.parent) {
      const c = this.category[i * this.nDims + p.dim.index];
      if (c < 0 || p.dim.optionIndex(p.dim.optionValue(c)) !== p.option) return false;
    }
    return true;
  }

  /** Point i takes draw c of group g (index gi) from drawAndScore's arrays. */
  take(g: Group, gi: number, i: number, values: Float64Array, categories: Int32Array, c: number): void {
    const dn = g.numeric.length;
    const dc = g.categorical.length;
    for (let j = 0; j < dn; j++) this.numeric[i * this.nDims + g.numeric[j].dim.index] = values[c * dn + j];
    for (let j = 0; j < dc; j++) this.category[i * this.nDims + g.categorical[j].dim.index] = categories[c * dc + j];
    this.took[i * this.nGroups + gi] = 1;
  }

  /** Point i as params: the groups it took values from in group order, each group's numeric dims then categorical. */
  params(groups: readonly Group[], i: number): Params {
    const out: Record<string, Value> = {};
    for (let gi = 0; gi < groups.length; gi++) {
      if (!this.took[i * this.nGroups + gi]) continue;
      const g = groups[gi];
      for (const md of g.numeric) setOwn(out, md.dim.label, this.numeric[i * this.nDims + md.dim.index]);
      for (const md of g.categorical) setOwn(out, md.dim.label, md.value(this.category[i * this.nDims + md.dim.index]));
    }
    return out;
  }
}

/**
 * TPE: `tpe.suggest` is the default configuration (preset 'parzen'); `tpe({ … })` takes options (see TpeOptions),
 * e.g. `tpe({ preset: 'hyperopt' })` for hyperopt's exact algorithm.
 */
export const tpe = Object.assign((options?: TpeOptions) => new TpeSampler(options), { suggest: new TpeSampler() });
