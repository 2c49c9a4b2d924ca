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
  /** True when the group's numeric dims are the model's numeric dims in order (an encoded row copies as is). */
  readonly allNumeric: boolean;
  /** Bounds of the group's numeric dims, shared by every mixture of the group (the core copies them). */
  readonly bounds: MixtureBounds;
  /** Whether an encoded trial had this group active. */
  isActive(row: Encoded): boolean;
  /** The group's bad-group observations, kept between calls. */
  readonly kept: KeptRows;
}

/** A complete trial in the ranking. */
interface Ranked {
  readonly number: number;
  readonly value: number;
  readonly row: Encoded;
}

/** Complete trials ranked, as kept between calls for one array of trials. */
interface Ranking {
  readonly model: Model;
  readonly sign: number;
  readonly trials: readonly TrialRecord[];
  /**
   * The complete trials' numbers best first (ties: earlier first), and their values: the first `nRanked` entries.
   * (Typed arrays: inserting into an array of a thousand objects moves them with a write barrier each.)
   */
  best: Int32Array;
  bestValues: Float64Array;
  /** The entries' tiers (see rankKey): pruned trials rank after complete ones. */
  bestTiers: Float64Array;
  nRanked: number;
  /** `byNumber[t.number]`: the entry of complete trial t. */
  readonly byNumber: (Ranked | undefined)[];
  /**
   * Numbers of the complete trials among the first `scanned` trials, in trial order: the first `nPrefix` entries.
   * A call writes those of the complete trials after them behind (see rank).
   */
  numbers: Int32Array;
  nPrefix: number;
  scanned: number;
  /** `goodIn[number]`: the stamp of the last split that put complete trial `number` in its good group. */
  goodIn: Int32Array;
  /**
   * The split over all complete trials (key ''), kept up to date between calls rather than made again: its good
   * group's numbers ascending (the first `nGood`) and its bad group's (the first `nBad`), the complete trials the
   * ranking has seen since the last update, the stamp of that update and where it first changed the bad group.
   */
  good: Int32Array;
  nGood: number;
  /** The array the next update sorts its good group into (the previous one's, swapped with `good`). */
  spare: Int32Array;
  bad: Int32Array;
  nBad: number;
  fresh: number[];
  updated: number;
  firstChange: number;
}

/** Complete trials in the good and the bad group, each in trial order (for linear forgetting). */
interface Split {
  readonly below: readonly Encoded[];
  /** The bad group's trial numbers: the first `nAbove` entries. */
  readonly above: Int32Array;
  readonly nAbove: number;
  /** The entries of complete trials by number. */
  readonly byNumber: readonly (Ranked | undefined)[];
  /**
   * For a bad group kept up to date (0 otherwise): the stamp of this update and of the one before, and the first
   * entry this one changed. A group that saw the one before copies only the rows from there.
   */
  readonly updated: number;
  readonly previous: number;
  readonly firstChange: number;
}

/** A trial's params in model space: numeric values (NaN where inactive) and category indices (−1 where inactive). */
interface Encoded {
  readonly numeric: Float64Array;
  readonly categories: Int32Array;
  /** The chunk `numeric` is a view into and its offset there: rows encoded one after another are adjacent. */
  readonly chunk: Float64Array;
  readonly at: number;
}

/** The space as TPE models it: every dim's model view, the groups, and a cache of encoded params. */
interface Model {
  readonly space: SearchSpace;
  readonly numeric: readonly NumericModelDim[];
  readonly categorical: readonly CategoricalModelDim[];
  readonly groups: readonly Group[];
  /** Params objects of stored trials are immutable, so their encoding is computed once. */
  readonly encoded: WeakMap<Params, Encoded>;
  /** Encoded rows are views into shared chunks, so the rows of successive trials lie next to each other in memory. */
  readonly rows: RowArena;
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
 * TPE for one study: the model of its space, the ranking of its complete trials and the bad-group rows, kept between
 * calls so that an ask costs little more than its new trials (see rank). A history of another array of trials,
 * direction or space starts them over.
 */
class TpeSession implements SamplerSession {
  private readonly random = new RandomSampler();
  private model: Model | null = null;
  /** Observation and bandwidth arrays reused across calls: a mixture lives only within one group of one call. */
  private readonly scratch = new Scratch();
  /** The candidate points of a suggestion, reused. */
  private readonly candidates = new Candidates();
  /** Counts the splits made, to mark their good trials (see Ranking.goodIn). */
  private stamp = 0;
  /** The ranking kept between calls (see rank). */
  private ranking: Ranking | null = null;
  /** Per split key, the array a split writes its bad group's trial numbers into, reused. */
  private readonly above = new Map<string, Int32Array>();
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
    if ((history.directions?.length ?? 1) > 1) return (this.moo ??= new MotpeSession(motpeOptions(this.given))).suggest(history, n, rng);
    const { space } = history;
    const model = this.modelOf(space);
    // complete: the complete trials' numbers in trial order, the first nComplete entries
    const { complete, nComplete, pending } = this.rank(model, history);
    if (nComplete < this.o.nStartupTrials) return this.random.suggest(history, n, rng);
    const splits = new Map<string, Split>();
    const splitFor = (g: Group): Split => {
      const key = this.o.split === 'branch' ? g.branch : '';
      let s = splits.get(key);
      if (!s)
        splits.set(
          key,
          (s = key === '' ? this.globalSplit(this.ranking!, complete, nComplete) : this.split(g, key, this.ranking!, complete, nComplete)),
        );
      return s;
    };
    const lies = this.o.constantLiar ? pending.map((t) => encode(model, t.params)) : [];
    const taken = new Set(pending.map((t: TrialRecord) => space.key(t.params)));
    const out: Params[] = [];
    for (let i = 0; i < n; i++) {
      let p = this.suggestOne(model, splitFor, lies, rng);
      // with nothing taken the point is accepted, and the last point's key is needed by no later one
      if (taken.size > 0 || i < n - 1) {
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
      }
      out.push(p);
      if (this.o.constantLiar && i < n - 1) lies.push(encode(model, p));
    }
    return out;
  }

  /**
   * The good and the bad group of the split of a branch (`key`): the trials in which g's branch is active.
   * (A method rather than a closure per call: V8 optimises its loop over the trials sooner.)
   */
  private split(g: Group, key: string, r: Ranking, complete: Int32Array, nComplete: number): Split {
    const good: Ranked[] = [];
    let pool = 0;
    for (let i = 0; i < r.nRanked; i++) if (g.isActive(r.byNumber[r.best[i]]!.row)) pool++;
    const cut = nBelow(this.o, pool);
    for (let i = 0; i < r.nRanked && good.length < cut; i++) {
      const e = r.byNumber[r.best[i]]!;
      if (g.isActive(e.row)) good.push(e);
    }
    good.sort((a, b) => a.number - b.number);
    const stamp = ++this.stamp;
    const { goodIn, byNumber } = r;
    for (const e of good) goodIn[e.number] = stamp;
    // the bad group in trial order: the complete trials minus the good ones (numbers only: reading each trial's
    // entry would visit a thousand objects scattered over the heap)
    let above = this.above.get(key);
    if (!above || above.length < nComplete) this.above.set(key, (above = new Int32Array(Math.max(nComplete, 2 * (above?.length ?? 0)))));
    let nAbove = 0;
    for (let i = 0; i < nComplete; i++) {
      const num = complete[i];
      if (goodIn[num] === stamp || !g.isActive(byNumber[num]!.row)) continue;
      above[nAbove++] = num;
    }
    return { below: good.map((e) => e.row), above, nAbove, byNumber, updated: 0, previous: 0, firstChange: 0 };
  }

  /**
   * The split over all complete trials, updated from the last one: the trials that left the good group and the new
   * ones outside it join the bad group, those that entered the good group leave it, each at its place in trial order
   * (a move of the entries after it), so an ask costs O(changes) here rather than a pass over the trials.
   */
  private globalSplit(r: Ranking, complete: Int32Array, nComplete: number): Split {
    const cut = nBelow(this.o, r.nRanked);
    const good = sortedPrefix(r.best, cut, r.spare.length < cut ? new Int32Array(2 * cut) : r.spare);
    const previous = r.updated;
    if (r.bad.length < nComplete) r.bad = grown(r.bad, 2 * nComplete, r.nBad);
    let first = r.nBad;
    if (previous === 0 || r.fresh.length > FRESH_MAX) {
      // (again from the trials: the first time, or after many new ones)
      let n = 0;
      for (let i = 0; i < nComplete; i++) if (!sortedHas(good, cut, complete[i])) r.bad[n++] = complete[i];
      r.nBad = n;
      first = 0;
    } else {
      for (let i = 0; i < cut; i++) {
        const num = good[i];
        if (!sortedHas(r.good, r.nGood, num) && !r.fresh.includes(num)) first = Math.min(first, this.badRemove(r, num));
      }
      for (let i = 0; i < r.nGood; i++) {
        const num = r.good[i];
        if (!sortedHas(good, cut, num)) first = Math.min(first, this.badInsert(r, num));
      }
      for (const num of r.fresh) if (!sortedHas(good, cut, num)) first = Math.min(first, this.badInsert(r, num));
    }
    r.fresh.length = 0;
    r.spare = r.good;
    r.good = good;
    r.nGood = cut;
    r.updated = ++this.stamp;
    r.firstChange = first;
    const { byNumber } = r;
    const below: Encoded[] = [];
    for (let i = 0; i < cut; i++) below.push(byNumber[good[i]]!.row);
    return {
      below,
      above: r.bad,
      nAbove: r.nBad,
      byNumber,
      updated: r.updated,
      previous,
      firstChange: first,
    };
  }

  /** Takes trial `num` out of the bad group; returns where it was. */
  private badRemove(r: Ranking, num: number): number {
    const at = lowerBound(r.bad, r.nBad, num);
    r.bad.copyWithin(at, at + 1, r.nBad);
    r.nBad--;
    return at;
  }

  /** Puts trial `num` into the bad group at its place; returns where. */
  private badInsert(r: Ranking, num: number): number {
    const at = lowerBound(r.bad, r.nBad, num);
    r.bad.copyWithin(at + 1, at, r.nBad);
    r.bad[at] = num;
    r.nBad++;
    return at;
  }

  /**
   * Complete trials best first (ties: earlier first), their numbers in trial order, and the running trials.
   * Complete trials never change, and those before `history.settled` never stop being complete: the ranking and the
   * numbers of that prefix are kept between calls, so a call looks only at the trials after it. Another history
   * (another array of trials), direction or space starts over.
   */
  private rank(model: Model, history: History): { complete: Int32Array; nComplete: number; pending: TrialRecord[] } {
    const sign = history.direction === 'minimize' ? 1 : -1;
    const { trials } = history;
    const settled = Math.min(history.settled ?? 0, trials.length);
    let r = this.ranking;
    if (!r || r.model !== model || r.sign !== sign || r.trials !== trials || settled < r.scanned) {
      r = {
        model,
        sign,
        trials,
        best: new Int32Array(64),
        bestValues: new Float64Array(64),
        bestTiers: new Float64Array(64),
        nRanked: 0,
        byNumber: [],
        numbers: new Int32Array(64),
        nPrefix: 0,
        scanned: 0,
        goodIn: new Int32Array(64),
        good: new Int32Array(0),
        nGood: 0,
        spare: new Int32Array(0),
        bad: new Int32Array(64),
        nBad: 0,
        fresh: [],
        updated: 0,
        firstChange: 0,
      };
      this.ranking = r;
    }
    if (r.best.length < trials.length) {
      r.best = grown(r.best, 2 * trials.length, r.nRanked);
      r.bestValues = grown(r.bestValues, 2 * trials.length, r.nRanked);
      r.bestTiers = grown(r.bestTiers, 2 * trials.length, r.nRanked);
    }
    if (r.numbers.length < trials.length) r.numbers = grown(r.numbers, 2 * trials.length, r.nPrefix);
    if (r.goodIn.length < trials.length) r.goodIn = grown(r.goodIn, 2 * trials.length, r.goodIn.length);
    for (; r.scanned < settled; r.scanned++) {
      const t = trials[r.scanned];
      if (isRanked(t)) r.numbers[r.nPrefix++] = this.entry(r, t).number;
    }
    let nComplete = r.nPrefix;
    const pending: TrialRecord[] = [];
    for (let i = settled; i < trials.length; i++) {
      const t = trials[i];
      if (isRanked(t)) r.numbers[nComplete++] = this.entry(r, t).number;
      else if (t.state === 'running') pending.push(t);
    }
    return { complete: r.numbers, nComplete, pending };
  }

  /** Complete trial t's entry in the ranking, inserted in order on first sight. */
  private entry(r: Ranking, t: TrialRecord): Ranked {
    let item = r.byNumber[t.number];
    if (item !== undefined) return item;
    const key = rankKey(t, r.sign === 1 ? 'minimize' : 'maximize');
    item = { number: t.number, value: key.value, row: encode(r.model, t.params) };
    const { sign, best, bestValues, bestTiers } = r;
    let lo = 0;
    let hi = r.nRanked;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = bestValues[mid];
      const tier = bestTiers[mid];
      if (tier < key.tier || (tier === key.tier && (sign * (v - item.value) < 0 || (v === item.value && best[mid] < item.number))))
        lo = mid + 1;
      else hi = mid;
    }
    best.copyWithin(lo + 1, lo, r.nRanked);
    bestValues.copyWithin(lo + 1, lo, r.nRanked);
    bestTiers.copyWithin(lo + 1, lo, r.nRanked);
    best[lo] = item.number;
    bestValues[lo] = item.value;
    bestTiers[lo] = key.tier;
    r.nRanked++;
    r.byNumber[t.number] = item;
    r.fresh.push(t.number);
    return item;
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
    const pts = this.candidates.reset(model.space.dims.length, nPoints, model.groups.length);
    const totals = this.scratch.f64(10, nPoints).fill(0);
    const at: number[] = [];
    for (let gi = 0; gi < model.groups.length; gi++) {
      const g = model.groups[gi];
      at.length = 0;
      for (let i = 0; i < nPoints; i++) if (pts.isActive(g.anchor, i)) at.push(i);
      if (at.length === 0) continue;
      const split = splitFor(g);
      const good = observe(g, split.below, this.scratch);
      const bad = g.kept.observe(g, split, lies);
      const l = this.estimator(g, good, good.n + bad.n, 0);
      const gx = this.estimator(g, bad, good.n + bad.n, 1);
      const { values, categories, score } = drawAndScore(g, l, gx, joint ? at.length : m, rng, this.scratch);
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

  /** `slot` 0 (good) or 1 (bad): which scratch arrays the mixture may use. */
  private estimator(g: Group, obs: Observations, observed: number, slot: 0 | 1): Mixture {
    if (g.numeric.length + g.categorical.length > 1) {
      return multivariateParzen(
        g.numeric,
        g.categorical,
        obs,
        this.o,
        g.bounds,
        (len, which) => this.scratch.f64(which === 0 ? 2 + slot : 8 + slot, len),
        slot === 1,
      );
    }
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
        allNumeric: gn.length === numeric.length && numericAt.every((at, j) => at === j),
        bounds: boundsOf(gn),
        isActive: gn.length > 0 ? (r) => !Number.isNaN(r.numeric[numericAt[0]]) : (r) => r.categories[categoricalAt[0]] >= 0,
        kept: new KeptRows(),
      };
    });
    this.model = { space, numeric, categorical, groups, encoded: new WeakMap(), rows: new RowArena() };
    return this.model;
  }
}

function encode(model: Model, params: Params): Encoded {
  let e = model.encoded.get(params);
  if (e) return e;
  const numeric = model.rows.f64(model.numeric.length);
  const { chunk, at } = model.rows;
  const categories = model.rows.i32(model.categorical.length);
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
  e = { numeric, categories, chunk, at };
  model.encoded.set(params, e);
  return e;
}

/**
 * The group's values in the trials of `rows` where it was active (all its dims are then present), in trial order,
 * in scratch arrays of slot 0. The arrays have one spare row at the end, where a multivariate estimator puts its
 * prior component.
 */
function observe(g: Group, rows: readonly Encoded[], scratch: Scratch): Observations {
  const all = g.branch === '';
  const n = countActive(g, rows, all);
  const numeric = scratch.f64(0, (n + 1) * g.numericAt.length);
  const categories = scratch.i32(0, (n + 1) * g.categoricalAt.length);
  copyRows(g, rows, all, numeric, categories, 0);
  return { n, numeric, categories };
}

/** Rows of `list` in which g is active (all: every row). */
function countActive(g: Group, list: readonly Encoded[], all: boolean): number {
  if (all) return list.length;
  let n = 0;
  for (let t = 0; t < list.length; t++) if (g.isActive(list[t])) n++;
  return n;
}

/**
 * A group's bad-group observations kept between calls. From one ask to the next the bad group mostly grows at its
 * end (a new trial), so `observe` copies only the rows after the part of the group that is unchanged.
 */
class KeptRows {
  /** The trial numbers of the bad group last observed (its first `count`), active here or not. */
  numbers = new Int32Array(0);
  count = 0;
  /** Of those, the trials in which the group is active: the rows copied. */
  active = 0;
  /** The stamp of the bad group's update last observed (see Split.updated). */
  seen = 0;
  numeric = new Float64Array(0);
  categories = new Int32Array(0);
  private readonly rows: Encoded[] = [];

  /** As `observe`, for the split's bad group then `more` (running trials as lies), into these arrays, which keep their rows for the next call. */
  observe(g: Group, split: Split, more: readonly Encoded[]): Observations {
    const dn = g.numericAt.length;
    const dc = g.categoricalAt.length;
    const all = g.branch === '';
    const { above, nAbove, byNumber } = split;
    const lim = Math.min(this.count, nAbove);
    let keep = 0;
    // a group that saw the bad group's last update keeps what this one did not change; else compare
    if (split.previous !== 0 && this.seen === split.previous) keep = Math.min(lim, split.firstChange);
    else while (keep < lim && this.numbers[keep] === above[keep]) keep++;
    // the rows after the unchanged part, the group's active ones (its rows are all active when it is at the top)
    const rows = this.rows;
    rows.length = 0;
    for (let t = keep; t < nAbove; t++) rows.push(byNumber[above[t]]!.row);
    let kept = keep;
    if (!all) {
      kept = 0;
      if (keep === this.count) kept = this.active;
      else for (let t = 0; t < keep; t++) if (g.isActive(byNumber[above[t]]!.row)) kept++;
    }
    const active = kept + countActive(g, rows, all);
    const n = active + countActive(g, more, all);
    if (this.numeric.length < (n + 1) * dn) this.numeric = grown(this.numeric, (n + 1) * dn, kept * dn);
    if (this.categories.length < (n + 1) * dc) this.categories = grown(this.categories, (n + 1) * dc, kept * dc);
    const i = copyRows(g, rows, all, this.numeric, this.categories, kept);
    copyRows(g, more, all, this.numeric, this.categories, i);
    if (this.numbers.length < nAbove) this.numbers = grown(this.numbers, nAbove, keep);
    this.numbers.set(above.subarray(keep, nAbove), keep);
    this.count = nAbove;
    this.active = active;
    this.seen = split.updated;
    return { n, numeric: this.numeric.subarray(0, (n + 1) * dn), categories: this.categories.subarray(0, (n + 1) * dc) };
  }
}

/** New complete trials beyond which the split over all trials is made again rather than updated one by one. */
const FRESH_MAX = 32;

/** The first index of the ascending a[0, n) whose value is >= v. */
function lowerBound(a: Int32Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** a[0, n) sorted ascending into `out` (n is the good group's size, small: insertion sort, no allocation). */
function sortedPrefix(a: Int32Array, n: number, out: Int32Array): Int32Array {
  for (let i = 0; i < n; i++) {
    const v = a[i];
    let j = i;
    for (; j > 0 && out[j - 1] > v; j--) out[j] = out[j - 1];
    out[j] = v;
  }
  return out;
}

/** Whether the ascending a[0, n) holds v. */
function sortedHas(a: Int32Array, n: number, v: number): boolean {
  const i = lowerBound(a, n, v);
  return i < n && a[i] === v;
}

/** A copy of `a`'s first `keep` elements in an array of at least `len` (doubling, so growth costs O(1) per element). */
function grown<T extends Float64Array | Int32Array>(a: T, len: number, keep: number): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(len, 2 * a.length));
  b.set(a.subarray(0, keep));
  return b;
}

/** Copies the rows of `list` where g is active (all: every row) into row `i` on; returns the next free row. */
function copyRows(g: Group, list: readonly Encoded[], all: boolean, numeric: Float64Array, categories: Int32Array, i: number): number {
  const { numericAt, categoricalAt } = g;
  const dn = numericAt.length;
  const dc = categoricalAt.length;
  const first = i;
  if (g.allNumeric && dn > 0) {
    // whole rows: copy each run of rows adjacent in their chunk at once
    for (let t = 0; t < list.length;) {
      const r = list[t++];
      if (!all && !g.isActive(r)) continue;
      const { chunk, at } = r;
      let end = at + dn;
      while (t < list.length) {
        const q = list[t];
        if (q.chunk !== chunk || q.at !== end || (!all && !g.isActive(q))) break;
        end += dn;
        t++;
      }
      const o = i * dn;
      if (end - at >= 32) numeric.set(chunk.subarray(at, end), o);
      else for (let j = 0; j < end - at; j++) numeric[o + j] = chunk[at + j];
      i += (end - at) / dn;
    }
  } else {
    for (let t = 0; t < list.length; t++) {
      const r = list[t];
      if (!all && !g.isActive(r)) continue;
      const src = r.numeric;
      for (let j = 0, o = i * dn; j < dn; j++) numeric[o + j] = src[numericAt[j]];
      i++;
    }
  }
  if (dc > 0) {
    let k = first;
    for (let t = 0; t < list.length; t++) {
      const r = list[t];
      if (!all && !g.isActive(r)) continue;
      const cs = r.categories;
      for (let j = 0, o = k * dc; j < dc; j++) categories[o + j] = cs[categoricalAt[j]];
      k++;
    }
    i = k;
  }
  return i;
}

/**
 * Hands out small typed arrays as views into 4096-element chunks: a separate small array per trial would scatter the
 * rows over the heap (and past 64 bytes each gets its own backing store), which makes gathering them slow.
 */
class RowArena {
  private f = new Float64Array(0);
  private fUsed = 0;
  /** The chunk and offset of the last f64 row handed out. */
  chunk = this.f;
  at = 0;
  private i = new Int32Array(0);
  private iUsed = 0;

  f64(len: number): Float64Array {
    if (this.fUsed + len > this.f.length) {
      this.f = new Float64Array(Math.max(4096, len));
      this.fUsed = 0;
    }
    this.chunk = this.f;
    this.at = this.fUsed;
    this.fUsed += len;
    return this.f.subarray(this.at, this.fUsed);
  }

  i32(len: number): Int32Array {
    if (this.iUsed + len > this.i.length) {
      this.i = new Int32Array(Math.max(4096, len));
      this.iUsed = 0;
    }
    this.iUsed += len;
    return this.i.subarray(this.iUsed - len, this.iUsed);
  }
}

/**
 * Grow-only typed arrays by slot, handed out as exact-length views; the core copies what it is given, so reuse is safe.
 * f64 slots: 0 the good group's observations, 2 and 3 the sigmas and 8 and 9 the weights of the good and the bad
 * mixture, 4 to 7 drawn points, 10 the candidates' totals, 11 and 12 their log densities under l and g; i32 slots: 0
 * the good group's categories, 2 drawn ones.
 */
class Scratch {
  private readonly f: Float64Array[] = [];
  private readonly i: Int32Array[] = [];
  /** The view last handed out per slot: most slots are asked for the same length at every call (subarray is slow). */
  private readonly fView: Float64Array[] = [];
  private readonly iView: Int32Array[] = [];

  f64(slot: number, len: number): Float64Array {
    const v = this.fView[slot];
    if (v !== undefined && v.length === len) return v;
    let b = this.f[slot];
    if (!b || b.length < len) this.f[slot] = b = new Float64Array(Math.max(len, 2 * (b?.length ?? 0)));
    return (this.fView[slot] = b.subarray(0, len));
  }

  i32(slot: number, len: number): Int32Array {
    const v = this.iView[slot];
    if (v !== undefined && v.length === len) return v;
    let b = this.i[slot];
    if (!b || b.length < len) this.i[slot] = b = new Int32Array(Math.max(len, 2 * (b?.length ?? 0)));
    return (this.iView[slot] = b.subarray(0, len));
  }
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
  scratch: Scratch,
): { values: Float64Array; categories: Int32Array; score: Float64Array } {
  const dn = g.numeric.length;
  const dc = g.categorical.length;
  // scratch: the core copies the points, and the caller reads values and categories before the next group
  // (lower and upper are read only at interval dims, which are written for every point)
  const x = scratch.f64(4, m * dn);
  const lower = scratch.f64(5, m * dn);
  const upper = scratch.f64(6, m * dn);
  const values = scratch.f64(7, m * dn);
  const categories = scratch.i32(2, m * dc);
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
  const score = logDensity(l, points, scratch.f64(11, m));
  const scoreG = logDensity(gx, points, scratch.f64(12, m));
  for (let i = 0; i < m; i++) score[i] -= scoreG[i];
  return { values, categories, score };
}

/**
 * Candidate points of one suggestion before any becomes a Params object: per point and dim index, the numeric value
 * or the category index (−1 until set), and which groups the point took values from.
 */
class Candidates {
  private numeric = new Float64Array(0);
  private category = new Int32Array(0);
  private took = new Uint8Array(0);
  private nDims = 0;
  private nGroups = 0;

  /** Empties the candidates for `nPoints` points (arrays are reused across suggestions). */
  reset(nDims: number, nPoints: number, nGroups: number): this {
    this.nDims = nDims;
    this.nGroups = nGroups;
    if (this.numeric.length < nDims * nPoints) {
      this.numeric = new Float64Array(nDims * nPoints);
      this.category = new Int32Array(nDims * nPoints);
    }
    if (this.took.length < nGroups * nPoints) this.took = new Uint8Array(nGroups * nPoints);
    this.category.fill(-1, 0, nDims * nPoints);
    this.took.fill(0, 0, nGroups * nPoints);
    return this;
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

/** log density of a mixture at the points, in single precision (it only ranks candidates). */
function logDensity(
  mix: Mixture,
  points: { x: Float64Array; lower: Float64Array; upper: Float64Array; categories: Int32Array },
  out: Float64Array,
): Float64Array {
  // one categorical component (univariate TPE on a choice): a table lookup, no need to cross into the core
  if (mix.dn === 0 && mix.k === 1 && mix.categorical) {
    const p = mix.categorical.probs;
    for (let i = 0; i < out.length; i++) out[i] = Math.log(p[points.categories[i]]);
    return out;
  }
  core().parzenLogPdf(mix, points, { precision: 'single', out });
  const shift = mix.logWeightTotal;
  if (shift !== undefined) for (let i = 0; i < out.length; i++) out[i] -= shift;
  return out;
}

/**
 * TPE: `tpe.suggest` is the default configuration (preset 'parzen'); `tpe({ … })` takes options (see TpeOptions),
 * e.g. `tpe({ preset: 'hyperopt' })` for hyperopt's exact algorithm.
 */
export const tpe = Object.assign((options?: TpeOptions) => new TpeSampler(options), { suggest: new TpeSampler() });
