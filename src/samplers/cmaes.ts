import { OptionsError } from '../errors.js';
import { Rng } from '../rng.js';
import type { Dim } from '../space/dim.js';
import { roundToStep } from '../space/dim.js';
import type { Value } from '../space/hp.js';
import type { Params, SearchSpace } from '../space/space.js';
import { compareValues, type TrialRecord } from '../study/trial.js';
import { constants, type DiscreteCoord, mirror, searchSorted, State } from './cmaes/strategy.js';
import type { History, Sampler } from './sampler.js';

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
}

/** Discrete dims with more values than this are treated as continuous (rounded on decoding). */
const MAX_DISCRETE_VALUES = 4096;
/** Separable covariance above this dimension with `separable: 'auto'`. */
const AUTO_SEPARABLE_DIM = 40;
/** Largest population an IPOP restart grows to. */
const MAX_POPSIZE = 4096;
/** Redraws of the non-CMA part before a member that duplicates a running trial is skipped. */
const DUPLICATE_RETRIES = 8;

/** How one always-active numeric dim is represented in the CMA-ES vector. */
interface Coord {
  readonly dim: Dim;
  /** For discrete (margin) coords: the values in order and the unit-space centres of their cells. */
  readonly values: readonly Value[] | null;
  readonly centres: Float64Array | null;
}

/** The part of a space CMA-ES models: top-level (always active) float, normal and int dims. */
interface Layout {
  readonly coords: readonly Coord[];
  readonly modelled: ReadonlyMap<string, number>;
  readonly mirrored: Uint8Array;
  readonly discrete: readonly DiscreteCoord[];
}

/** Draws of a member before it is mirrored into the box. */
const BOX_RESAMPLES = 10;

/** A member of a generation: its point in the box (discrete coordinates before the margin scaling) and the values of the modelled dims it evaluates to. */
interface Member {
  readonly x: Float64Array;
  readonly values: readonly Value[];
  readonly key: number;
}

const hashView = new Float64Array(1);
const hashWords = new Uint32Array(hashView.buffer);

/** A 32-bit hash of the modelled values (FNV-style over the float bits); matches are confirmed value by value. */
function hashValues(values: ArrayLike<Value | null | undefined>): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < values.length; j++) {
    const v = values[j];
    if (typeof v === 'number') {
      hashView[0] = v;
      h = Math.imul(h ^ hashWords[0], 0x01000193);
      h = Math.imul(h ^ hashWords[1], 0x01000193);
    } else {
      const str = v === null || v === undefined ? '\u0000' : String(v);
      for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193);
    }
  }
  return h >>> 0;
}

function sameValues(a: readonly Value[], b: readonly (Value | null | undefined)[]): boolean {
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

/**
 * One generation of one run: the distribution it samples from and its members, generated lazily and
 * deterministically from `Rng.derive(seed, 'cmaes', run, gen)`, so they are never stored.
 */
class Generation {
  readonly members: Member[] = [];
  private readonly byKey = new Map<number, number[]>();
  private readonly rng: Rng;

  constructor(
    readonly layout: Layout,
    readonly seed: number,
    readonly run: number,
    readonly state: State,
    /** Index (trial number order) of the first trial that may belong to it. */
    readonly startTrial: number,
  ) {
    this.rng = Rng.derive(seed, 'cmaes', run, state.gen);
  }

  get lambda(): number {
    return this.state.k.lambda;
  }

  member(i: number): Member {
    while (this.members.length <= i) this.generate();
    return this.members[i];
  }

  /** The first member not in `used` whose modelled values are `values`, looking at most `window` members deep; −1 if none. */
  find(values: readonly (Value | null | undefined)[], used: ReadonlySet<number>, window: number): number {
    const key = hashValues(values);
    const list = this.byKey.get(key);
    if (list) for (const i of list) if (!used.has(i) && sameValues(this.members[i].values, values)) return i;
    while (this.members.length < window) {
      const i = this.members.length;
      const m = this.generate();
      if (m.key === key && !used.has(i) && sameValues(m.values, values)) return i;
    }
    return -1;
  }

  private generate(): Member {
    const { state, layout } = this;
    const n = state.k.n;
    const z = new Float64Array(n);
    const x = new Float64Array(n);
    // Resample until the point falls in the box; after BOX_RESAMPLES tries, mirror it in. Discrete coordinates too:
    // outside the box they all round to the edge value, a flat region where the mean would drift unchecked.
    for (let r = 0; ; r++) {
      for (let j = 0; j < n; j++) z[j] = this.rng.normal();
      const y = state.step(z);
      let inside = true;
      for (let j = 0; j < n; j++) {
        x[j] = state.mean[j] + state.sigma * y[j];
        if (x[j] < 0 || x[j] > 1) inside = false;
      }
      if (inside) break;
      if (r === BOX_RESAMPLES) {
        for (let j = 0; j < n; j++) x[j] = mirror(x[j]);
        break;
      }
    }
    const values = layout.coords.map((c, j) => evaluatedValue(c, state, j, x[j]));
    const m: Member = { x, values, key: hashValues(values) };
    const i = this.members.length;
    this.members.push(m);
    const list = this.byKey.get(m.key);
    if (list) list.push(i);
    else this.byKey.set(m.key, [i]);
    return m;
  }
}

/** The value a coordinate evaluates to: the unit value (continuous) or the margin-scaled cell (discrete). */
function evaluatedValue(c: Coord, state: State, j: number, x: number): Value {
  if (!c.values) return c.dim.fromUnit(x);
  const lim = state.k.discrete.find((d) => d.index === j)!.lim;
  const m = state.mean[j];
  return c.values[searchSorted(lim, m + state.A[j] * (x - m))];
}

/** A trial assigned to a generation: its step y = (x − m) / σ and its outcome. */
interface Slot {
  readonly y: Float64Array;
  readonly running: boolean;
  /** Value to minimise (sign-adjusted), or null for failed and pruned trials. */
  readonly score: number | null;
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
  /** Replay state after a prefix of finished trials (their assignment can no longer change). */
  private cache: { space: SearchSpace; seed: number; direction: string; prefix: TrialRecord[]; gen: Generation | null; slots: Slot[]; used: Set<number>; best: TrialRecord | null } | null = null;
  private layouts = new WeakMap<SearchSpace, Layout>();

  constructor(private readonly o: CmaEsOptions = {}) {
    validate(o);
    this.options = { ...o };
    this.sigma0 = o.sigma0 ?? 0.125;
    this.pBest = o.pBest ?? 0.5;
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    const { space, trials } = history;
    const layout = this.layout(space);
    const { gen, used, firstRunning, best } = this.replay(history, layout);
    // Running trials all come after the first running one; their keys are what a new point must not repeat.
    const taken = new Set<string>();
    for (let i = firstRunning; i < trials.length; i++) if (trials[i].state === 'running') taken.add(space.key(trials[i].params));
    const out: Params[] = [];
    let next = 0;
    let skipped = 0;
    while (out.length < n) {
      let values: readonly Value[] = [];
      if (gen && skipped <= 4 * gen.lambda + n) {
        while (used.has(next)) next++;
        values = gen.member(next++).values;
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
      const b = best?.params[d.label];
      if (b !== undefined && rng.uniform() < this.pBest) return b;
      return d.sample(rng);
    });
  }

  private layout(space: SearchSpace): Layout {
    let l = this.layouts.get(space);
    if (!l) {
      l = buildLayout(space, this.o.margin ?? true);
      this.layouts.set(space, l);
    }
    return l;
  }

  /**
   * Replays the history (from the cached generation when its prefix of trials is unchanged) up to the current
   * generation; also returns the index of the first running trial and the best complete trial (null when every
   * dim is modelled, as nothing else needs it).
   */
  private replay(history: History, layout: Layout): { gen: Generation | null; used: Set<number>; firstRunning: number; best: TrialRecord | null } {
    const { trials, space, seed, direction } = history;
    const needBest = layout.coords.length < space.dims.length;
    const c = this.cache;
    let gen: Generation | null;
    let slots: Slot[] = [];
    let used = new Set<number>();
    let from: number;
    let best: TrialRecord | null = null;
    if (c && c.space === space && c.seed === seed && c.direction === direction && c.prefix.length <= trials.length && samePrefix(c.prefix, trials)) {
      gen = c.gen;
      slots = c.slots.slice();
      used = new Set(c.used);
      from = c.prefix.length;
      best = c.best;
    } else {
      gen = layout.coords.length > 0 ? this.firstGeneration(layout, seed) : null;
      from = 0;
      this.cache = null;
    }
    // The cached prefix holds finished trials only, so the first running one is at or after it.
    let firstRunning = from;
    while (firstRunning < trials.length && trials[firstRunning].state !== 'running') firstRunning++;
    const advance = (at: number) => {
      gen = this.advance(gen!, slots, at, layout, seed);
      slots = [];
      used = new Set();
    };
    // Decisions up to a trial depend only on the trials before it: once those are finished, they are final.
    const save = (at: number) => {
      if (at > firstRunning) return;
      const cache = this.cache;
      if (cache && cache.prefix.length >= at && cache.gen === gen) return;
      // The cached prefix (when kept) already matches trials[0, from): extend it rather than copying.
      const prefix = cache && cache.prefix.length === from ? cache.prefix : trials.slice(0, from);
      for (let i = prefix.length; i < at; i++) prefix.push(trials[i]);
      this.cache = { space, seed, direction, prefix, gen, slots: slots.slice(), used: new Set(used), best };
    };
    for (let i = from; i < trials.length; i++) {
      if (i === firstRunning) save(i);
      const t = trials[i];
      if (needBest && t.state === 'complete' && t.value !== null && Number.isFinite(t.value) && (!best || compareValues(direction, t.value, best.value as number) < 0)) best = t;
      if (!gen) continue;
      const values = layout.coords.map((c) => t.params[c.dim.label] ?? null);
      let m = gen.find(values, used, slots.length + gen.lambda + 16);
      if (m < 0 && ready(slots, gen.lambda)) {
        advance(i);
        m = gen.find(values, used, gen.lambda + 16);
      }
      let y: Float64Array;
      if (m >= 0) {
        used.add(m);
        const x = gen.member(m).x;
        y = new Float64Array(x.length);
        for (let j = 0; j < x.length; j++) y[j] = (x[j] - gen.state.mean[j]) / gen.state.sigma;
      } else y = foreignStep(layout, gen.state, t.params);
      const score = t.state === 'complete' && t.value !== null && Number.isFinite(t.value) ? (direction === 'minimize' ? t.value : -t.value) : null;
      slots.push({ y, running: t.state === 'running', score });
    }
    if (gen && ready(slots, gen.lambda)) advance(trials.length);
    save(trials.length);
    return { gen, used, firstRunning, best };
  }

  private firstGeneration(layout: Layout, seed: number): Generation {
    const n = layout.coords.length;
    const mean = new Float64Array(n).fill(0.5);
    return new Generation(layout, seed, 0, State.initial(this.constants(layout, 0), mean, this.sigma0), 0);
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
  private advance(gen: Generation, slots: Slot[], at: number, layout: Layout, seed: number): Generation {
    const chosen: Slot[] = [];
    for (const s of slots) {
      if (s.score !== null) chosen.push(s);
      if (chosen.length === gen.lambda) break;
    }
    // Stable sort: ties keep trial order.
    chosen.sort((a, b) => (a.score as number) - (b.score as number));
    const values = chosen.map((s) => s.score as number);
    const state = gen.state.update(chosen.map((s) => s.y), values);
    const finite = Number.isFinite(state.sigma) && state.mean.every(Number.isFinite) && state.D.every((d) => d > 0 && Number.isFinite(d));
    if ((this.o.restart ?? 'ipop') === 'ipop' && (!finite || state.stagnated(values))) {
      const run = gen.run + 1;
      const rng = Rng.derive(seed, 'cmaes', 'restart', run);
      const mean = new Float64Array(layout.coords.length);
      for (let j = 0; j < mean.length; j++) mean[j] = rng.uniform();
      return new Generation(layout, seed, run, State.initial(this.constants(layout, run), mean, this.sigma0), at);
    }
    if (!finite) return new Generation(layout, seed, gen.run, gen.state, at);
    return new Generation(layout, seed, gen.run, state, at);
  }
}

/** True once the first λ complete slots are known with no running slot before them. */
function ready(slots: readonly Slot[], lambda: number): boolean {
  let complete = 0;
  for (const s of slots) {
    if (s.running) return false;
    if (s.score !== null && ++complete === lambda) return true;
  }
  return false;
}

/** The step of a trial that matches no member: its encoded point, clipped to Mahalanobis norm √n + 2n/(n+2). */
function foreignStep(layout: Layout, state: State, params: Params): Float64Array {
  const n = layout.coords.length;
  const y = new Float64Array(n);
  layout.coords.forEach((c, j) => {
    const v = params[c.dim.label];
    const m = state.mean[j];
    let x: number;
    if (v === undefined) x = m;
    else if (c.values && c.centres) {
      const i = c.values.indexOf(v);
      const u = i >= 0 ? c.centres[i] : c.dim.toUnit(v);
      x = m + (u - m) / state.A[j];
    } else x = c.dim.toUnit(v);
    y[j] = (x - m) / state.sigma;
  });
  const w = state.whiten(y);
  let norm = 0;
  for (let j = 0; j < n; j++) norm += w[j] * w[j];
  norm = Math.sqrt(norm);
  const cap = Math.sqrt(n) + (2 * n) / (n + 2);
  if (norm > cap) for (let j = 0; j < n; j++) y[j] *= cap / norm;
  return y;
}

/** The same finished trial (records are re-read as new objects, so compare what identifies them). */
function sameTrial(a: TrialRecord, b: TrialRecord): boolean {
  return a === b || (a.id === b.id && a.studyId === b.studyId && a.state === b.state && Object.is(a.value, b.value) && a.startedAt === b.startedAt);
}

/** Whether `trials` starts with the finished trials `prefix` (the same objects, usually: a cheap pass). */
function samePrefix(prefix: readonly TrialRecord[], trials: readonly TrialRecord[]): boolean {
  for (let i = prefix.length - 1; i >= 0; i--) if (prefix[i] !== trials[i] && !sameTrial(prefix[i], trials[i])) return false;
  return true;
}

/** Which dims CMA-ES models and how: top-level numeric dims; discrete ones with margin when they have few values. */
function buildLayout(space: SearchSpace, margin: boolean): Layout {
  const dims = space.dims.filter((d) => d.parent === null && !d.isChoice);
  const coords: Coord[] = [];
  const discrete: DiscreteCoord[] = [];
  const mirrored = new Uint8Array(dims.length);
  dims.forEach((dim, j) => {
    const values = margin ? discreteValues(dim) : null;
    if (values && values.length >= 2) {
      const centres = Float64Array.from(values, (v) => dim.toUnit(v));
      const lim = new Float64Array(values.length - 1);
      for (let i = 0; i < lim.length; i++) lim[i] = dim.toUnit(((values[i] as number) + (values[i + 1] as number)) / 2);
      discrete.push({ index: j, lim });
      coords.push({ dim, values, centres });
    } else {
      mirrored[j] = 1;
      coords.push({ dim, values: null, centres: null });
    }
  });
  return { coords, modelled: new Map(dims.map((d, j) => [d.label, j])), mirrored, discrete };
}

/** The values of an int dim or a linearly quantised uniform dim, ascending, if there are at most MAX_DISCRETE_VALUES. */
function discreteValues(dim: Dim): Value[] | null {
  const d = dim.dist;
  if (d.kind === 'int') {
    if (d.high - d.low + 1 > MAX_DISCRETE_VALUES) return null;
    return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
  }
  if (d.kind === 'float' && !d.log && d.q !== null) {
    const q = d.q;
    const lo = Math.round(d.low / q);
    const hi = Math.round(d.high / q);
    if (hi - lo + 1 > MAX_DISCRETE_VALUES) return null;
    return Array.from({ length: hi - lo + 1 }, (_, i) => roundToStep((lo + i) * q, q));
  }
  return null;
}

function validate(o: CmaEsOptions): void {
  if (o === null || typeof o !== 'object') throw new OptionsError('cmaes: options must be an object');
  const known = ['sigma0', 'popsize', 'separable', 'restart', 'incPopsize', 'margin', 'pBest'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new OptionsError(`cmaes: unknown option options.${k} (known: ${known.join(', ')})`);
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (o.sigma0 !== undefined && !(num(o.sigma0) && o.sigma0 > 0 && o.sigma0 <= 1)) throw new OptionsError(`cmaes: options.sigma0 must be > 0 and ≤ 1 (got ${String(o.sigma0)})`);
  if (o.popsize !== undefined && !(Number.isInteger(o.popsize) && o.popsize >= 2)) throw new OptionsError(`cmaes: options.popsize must be an integer ≥ 2 (got ${String(o.popsize)})`);
  if (o.separable !== undefined && o.separable !== true && o.separable !== false && o.separable !== 'auto') throw new OptionsError(`cmaes: options.separable must be true, false or "auto" (got ${JSON.stringify(o.separable)})`);
  if (o.restart !== undefined && o.restart !== 'ipop' && o.restart !== 'none') throw new OptionsError(`cmaes: options.restart must be "ipop" or "none" (got ${JSON.stringify(o.restart)})`);
  if (o.incPopsize !== undefined && !(num(o.incPopsize) && o.incPopsize >= 1)) throw new OptionsError(`cmaes: options.incPopsize must be ≥ 1 (got ${String(o.incPopsize)})`);
  if (o.margin !== undefined && typeof o.margin !== 'boolean') throw new OptionsError(`cmaes: options.margin must be a boolean (got ${JSON.stringify(o.margin)})`);
  if (o.pBest !== undefined && !(num(o.pBest) && o.pBest >= 0 && o.pBest <= 1)) throw new OptionsError(`cmaes: options.pBest must be in [0, 1] (got ${String(o.pBest)})`);
}

/** CMA-ES: `cmaes({ sigma0, popsize, separable, restart, incPopsize, margin, pBest })`, or `cmaes.suggest` with defaults. */
export const cmaes = Object.assign((o?: CmaEsOptions) => new CmaEsSampler(o), { suggest: new CmaEsSampler() });
