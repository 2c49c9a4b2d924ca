import { core } from '../../numeric/core.js';
import type { Rng } from '../../rng.js';
import type { Dim } from '../../space/dim.js';
import type { Value } from '../../space/hp.js';
import type { Params, SearchSpace } from '../../space/space.js';
import type { TrialRecord } from '../../study/trial.js';
import { RandomSampler } from '../random.js';
import { type History, type Sampler, splitHistory } from '../sampler.js';
import {
  adaptiveParzen, categoricalPosterior, type Mixture, multivariateParzen, type Observations, sampleMixture,
} from './mixture.js';
import { type CategoricalModelDim, modelDim, type ModelDim, type NumericModelDim } from './model-dims.js';
import { HYPEROPT_DEFAULTS, nBelow, type ResolvedTpeOptions, resolveTpeOptions, type TpeOptions } from './options.js';

/** Parameters modelled together: one dim (univariate TPE) or all dims of one branch of the space (multivariate). */
interface Group {
  /** Any dim of the group: the group is active exactly when it is (all share the same branch). */
  readonly anchor: Dim;
  readonly numeric: readonly NumericModelDim[];
  readonly categorical: readonly CategoricalModelDim[];
}

/** Draws from the bad group's model when every candidate is a duplicate, before giving up to the prior. */
const DUPLICATE_RETRIES = 8;

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011, as in hyperopt's tpe.suggest): splits complete trials into
 * a good group l(x) and a bad group g(x), fits Parzen estimators to each, draws `nEiCandidates` points from l and keeps
 * the one with the highest l(x)/g(x). Conditional spaces: each estimator sees only the trials in which its parameters
 * were active. Running trials and the earlier points of a batch join the bad group (constant liar), so batches spread.
 * Densities are evaluated in the WebAssembly core.
 */
export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  readonly options: Readonly<Record<string, unknown>>;
  private readonly o: ResolvedTpeOptions;
  private readonly random = new RandomSampler();
  private cache: { space: SearchSpace; groups: Group[] } | null = null;

  constructor(options: TpeOptions = {}) {
    this.o = resolveTpeOptions(options, HYPEROPT_DEFAULTS);
    this.options = { ...options };
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    const { space } = history;
    const { complete, pending } = splitHistory(history);
    if (complete.length < this.o.nStartupTrials) return this.random.suggest(history, n, rng);
    const groups = this.groups(space);
    const sign = history.direction === 'minimize' ? 1 : -1;
    const sorted = [...complete].sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.number - b.number);
    const cut = nBelow(this.o, sorted.length);
    const below = sorted.slice(0, cut).sort((a, b) => a.number - b.number).map((t) => t.params);
    const above = sorted.slice(cut).sort((a, b) => a.number - b.number).map((t) => t.params);
    if (this.o.constantLiar) for (const t of pending) above.push(t.params);
    const taken = new Set(pending.map((t: TrialRecord) => space.key(t.params)));
    const out: Params[] = [];
    for (let i = 0; i < n; i++) {
      let p = this.suggestOne(space, groups, below, above, rng);
      for (let r = 0; r < DUPLICATE_RETRIES && taken.has(space.key(p)); r++) p = this.suggestOne(space, groups, below, above, rng);
      if (taken.has(space.key(p))) p = this.random.suggest({ ...history, trials: [] }, 1, rng)[0];
      taken.add(space.key(p));
      out.push(p);
      if (this.o.constantLiar) above.push(p);
    }
    return out;
  }

  /** One point, top-down: each group active under the choices made so far is drawn from its l/g-ranked candidates. */
  private suggestOne(space: SearchSpace, groups: readonly Group[], below: readonly Params[], above: readonly Params[], rng: Rng): Params {
    const out: Record<string, Value> = {};
    for (const g of groups) {
      if (!space.isActive(g.anchor, out)) continue;
      const l = this.estimator(g, observe(space, g, below));
      const gx = this.estimator(g, observe(space, g, above));
      const best = bestCandidate(g, l, gx, this.o.nEiCandidates, rng);
      for (const [label, v] of best) out[label] = v;
    }
    return out;
  }

  private estimator(g: Group, obs: Observations): Mixture {
    if (g.numeric.length + g.categorical.length > 1) return multivariateParzen(g.numeric, g.categorical, obs, this.o);
    return g.numeric.length === 1 ? adaptiveParzen(g.numeric[0], obs.numeric, this.o) : categoricalPosterior(g.categorical[0], obs.categories, this.o);
  }

  /** Univariate: one group per dim. Multivariate: one group per branch (dims sharing the same parent choice and option). */
  private groups(space: SearchSpace): Group[] {
    if (this.cache?.space === space) return this.cache.groups;
    const buckets = new Map<string, Dim[]>();
    for (const d of space.dims) {
      const key = this.o.multivariate ? (d.parent ? `${d.parent.dim.label}\u0000${d.parent.option}` : '') : d.label;
      const list = buckets.get(key) ?? [];
      list.push(d);
      buckets.set(key, list);
    }
    const groups = [...buckets.values()].map((dims) => {
      const models = dims.map(modelDim);
      return {
        anchor: dims[0],
        numeric: models.filter((m): m is NumericModelDim => m.kind === 'numeric'),
        categorical: models.filter((m): m is CategoricalModelDim => m.kind === 'categorical'),
      };
    });
    this.cache = { space, groups };
    return groups;
  }
}

/** The group's values in the trials where it was active, in trial order, in model space. */
function observe(space: SearchSpace, g: Group, trials: readonly Params[]): Observations {
  const dn = g.numeric.length;
  const dc = g.categorical.length;
  const rows = trials.filter((p) => space.isActive(g.anchor, p));
  const numeric = new Float64Array(rows.length * dn);
  const categories = new Int32Array(rows.length * dc);
  rows.forEach((p, i) => {
    for (let j = 0; j < dn; j++) numeric[i * dn + j] = g.numeric[j].toModel(p[g.numeric[j].dim.label]);
    for (let j = 0; j < dc; j++) categories[i * dc + j] = g.categorical[j].index(p[g.categorical[j].dim.label]);
  });
  return { n: rows.length, numeric, categories };
}

/** Draws `m` candidates from l, scores log l − log g in the core, returns the best as (label, value) pairs. */
function bestCandidate(g: Group, l: Mixture, gx: Mixture, m: number, rng: Rng): [string, Value][] {
  const dn = g.numeric.length;
  const dc = g.categorical.length;
  const x = new Float64Array(m * dn);
  const lower = new Float64Array(m * dn);
  const upper = new Float64Array(m * dn);
  const categories = new Int32Array(m * dc);
  const values: Value[][] = [];
  const draw = new Float64Array(dn);
  const cats = new Int32Array(dc);
  for (let i = 0; i < m; i++) {
    sampleMixture(l, rng, draw, cats);
    const row: Value[] = [];
    for (let j = 0; j < dn; j++) {
      const md = g.numeric[j];
      const v = md.fromModel(draw[j]);
      row.push(v);
      x[i * dn + j] = md.toModel(v);
      if (md.interval) [lower[i * dn + j], upper[i * dn + j]] = md.edges(v as number);
    }
    for (let j = 0; j < dc; j++) {
      categories[i * dc + j] = cats[j];
      row.push(g.categorical[j].value(cats[j]));
    }
    values.push(row);
  }
  const points = { x, lower, upper, categories };
  const scoreL = logDensity(l, points);
  const scoreG = logDensity(gx, points);
  let best = 0;
  for (let i = 1; i < m; i++) if (scoreL[i] - scoreG[i] > scoreL[best] - scoreG[best]) best = i;
  const labels = [...g.numeric, ...g.categorical].map((md: ModelDim) => md.dim.label);
  return labels.map((label, j) => [label, values[best][j]]);
}

function logDensity(mix: Mixture, points: { x: Float64Array; lower: Float64Array; upper: Float64Array; categories: Int32Array }): Float64Array {
  // one categorical component (univariate TPE on a choice): a table lookup, no need to cross into the core
  if (mix.dn === 0 && mix.k === 1 && mix.categorical) {
    const p = mix.categorical.probs;
    return Float64Array.from(points.categories, (c) => Math.log(p[c]));
  }
  return core().parzenLogPdf(mix, points);
}

/**
 * TPE: `tpe.suggest` is hyperopt's default configuration; `tpe({ … })` takes options (see TpeOptions).
 */
export const tpe = Object.assign((options?: TpeOptions) => new TpeSampler(options), { suggest: new TpeSampler() });
