import { didYouMean } from '../../did-you-mean.js';
import { OptionsError } from '../../errors.js';
import type { Rng } from '../../rng.js';
import type { Dim } from '../../space/dim.js';
import { show, type Value } from '../../space/hp.js';
import type { Params, SearchSpace } from '../../space/space.js';
import type { TrialRecord } from '../../trial/trial.js';
import { type History, runningTrials, type Sampler, type SamplerSession } from '../sampler.js';
import { crowdingDistance, dominates, minimized } from './pareto.js';

/** Children drawn before one that duplicates a trial is accepted. */
const DUPLICATE_RETRIES = 16;

export interface Nsga2Options {
  /** P: trials per generation. Default 50 (Optuna's). */
  populationSize?: number;
  /** Probability that two parents are crossed (else the child copies one). Default 0.9. */
  crossoverProb?: number;
  /** SBX distribution index η_c (larger: children nearer their parents). Default 20. */
  eta?: number;
  /** Polynomial mutation index η_m. Default 20. */
  mutationEta?: number;
}

/**
 * NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002). Generation g is the trials numbered [gP, (g+1)P) in claim order,
 * so a generation's children are asked in one batch (worker pool) and nothing but the history is needed to resume.
 * Generation 0 comes from the prior. The parents of generation g are the P best of the parents of g−1 and the complete
 * trials of g−1, by non-dominated rank, then crowding distance. With constraints, domination is constrained (Deb 2000):
 * a feasible trial beats an infeasible one, two infeasible ones compare by total violation.
 * Each child: two binary tournaments (rank, then crowding), SBX crossover of numeric dims in the unit encoding
 * (`Dim.toUnit`, so log dims cross on their scale) and uniform crossover of choices, then polynomial mutation of each
 * active dim with probability 1/k (a choice mutates to another option). Branches a child does not share with a parent
 * are drawn from the prior.
 */
export class Nsga2Sampler implements Sampler {
  readonly name = 'nsga2';
  readonly multiObjective = true;
  readonly options: Readonly<Record<string, unknown>>;
  readonly populationSize: number;
  readonly crossoverProb: number;
  readonly eta: number;
  readonly mutationEta: number;

  constructor(o: Nsga2Options = {}) {
    validate(o);
    this.options = { ...o };
    this.populationSize = o.populationSize ?? 50;
    this.crossoverProb = o.crossoverProb ?? 0.9;
    this.eta = o.eta ?? 20;
    this.mutationEta = o.mutationEta ?? 20;
  }

  /** A session per study: trial keys and the last parent population, recomputed only when their trials change. */
  session(): SamplerSession {
    const keys = new WeakMap<Params, string>();
    let last: { generation: number; finished: number; parents: Ranked[] } | null = null;
    const parentsOf = (history: History, generation: number): Ranked[] => {
      let finished = 0;
      const end = Math.min(history.trials.length, generation * this.populationSize);
      for (let i = 0; i < end; i++) if (history.trials[i].state !== 'running') finished++;
      if (last?.generation !== generation || last.finished !== finished)
        last = { generation, finished, parents: this.parents(history, generation) };
      return last.parents;
    };
    return { suggest: (h, n, rng) => this.suggestWith(h, n, rng, parentsOf, (p) => keyOf(keys, h.space, p)) };
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    return this.suggestWith(
      history,
      n,
      rng,
      (h, g) => this.parents(h, g),
      (p) => history.space.key(p),
    );
  }

  private suggestWith(
    history: History,
    n: number,
    rng: Rng,
    parentsOf: (h: History, generation: number) => Ranked[],
    storedKey: (p: Params) => string,
  ): Params[] {
    const { space } = history;
    const P = this.populationSize;
    const out: Params[] = [];
    // a child equal to a running trial, to one in the batch or (while retries last) to any earlier trial is redrawn
    const running = new Set(runningTrials(history).map((t) => storedKey(t.params)));
    const seen = new Set(history.trials.map((t) => storedKey(t.params)));
    const cache = new Map<number, Ranked[]>();
    for (let i = 0; i < n; i++) {
      const generation = Math.floor((history.trials.length + i) / P);
      if (generation > 0 && !cache.has(generation)) cache.set(generation, parentsOf(history, generation));
      const parents = cache.get(generation) ?? [];
      const draw = (): Params =>
        parents.length < 2
          ? space.sample(rng)
          : this.child(space, tournament(parents, rng).trial.params, tournament(parents, rng).trial.params, rng);
      let child = draw();
      for (let r = 0; r < DUPLICATE_RETRIES && seen.has(space.key(child)); r++) child = draw();
      for (let r = 0; r < DUPLICATE_RETRIES && running.has(space.key(child)); r++)
        child = r < DUPLICATE_RETRIES / 2 ? draw() : space.sample(rng);
      const key = space.key(child);
      running.add(key);
      seen.add(key);
      out.push(child);
    }
    return out;
  }

  /** The ranked parent population of `generation`, selected generation by generation from the history. */
  parents(history: History, generation: number): Ranked[] {
    const P = this.populationSize;
    const directions = history.directions ?? [history.direction];
    const usable = (t: TrialRecord | undefined): t is TrialRecord =>
      !!t && t.state === 'complete' && t.value !== null && (directions.length === 1 || t.values?.length === directions.length);
    let pop: TrialRecord[] = [];
    for (let g = 0; g < generation; g++) {
      const born = history.trials.slice(g * P, (g + 1) * P).filter(usable);
      pop = select([...pop, ...born], P, directions).map((r) => r.trial);
    }
    return select(pop, P, directions);
  }

  private child(space: SearchSpace, a: Params, b: Params, rng: Rng): Params {
    const cross = rng.uniform() < this.crossoverProb;
    const mix = new Map<string, Value>();
    const draft = space.sample(rng, (d) => {
      const va = a[d.label];
      const vb = b[d.label];
      let v: Value;
      if (va === undefined && vb === undefined) v = d.sample(rng);
      else if (va === undefined || vb === undefined) v = va ?? vb;
      else if (!cross) v = va;
      else if (d.dist.kind === 'choice') v = rng.uniform() < 0.5 ? va : vb;
      else v = d.fromUnit(sbx(d.toUnit(va), d.toUnit(vb), this.eta, rng));
      mix.set(d.label, v);
      return v;
    });
    const active = space.active(draft);
    const p = 1 / Math.max(1, active.length);
    return space.sample(rng, (d) => {
      const v = mix.get(d.label);
      if (v === undefined) return d.sample(rng);
      return rng.uniform() < p ? mutate(d, v, this.mutationEta, rng) : v;
    });
  }
}

export interface Ranked {
  readonly trial: TrialRecord;
  readonly rank: number;
  readonly crowding: number;
}

/** Total constraint violation (0: feasible). */
function violation(t: TrialRecord): number {
  return (t.constraints ?? []).reduce((s, c) => s + Math.max(0, c), 0);
}

/** Constrained domination (Deb 2000): feasibility first, then less violation, then Pareto dominance. */
function constrainedDominates(a: TrialRecord, pa: readonly number[], b: TrialRecord, pb: readonly number[]): boolean {
  const va = violation(a);
  const vb = violation(b);
  if (va === 0 && vb > 0) return true;
  if (va > 0) return vb > va;
  return vb === 0 && dominates(pa, pb);
}

/** The `size` best of `trials` by constrained non-dominated rank, then crowding distance (larger first). */
export function select(
  trials: readonly TrialRecord[],
  size: number,
  directions: readonly NonNullable<History['directions']>[number][],
): Ranked[] {
  const points = trials.map((t) => minimized(t.values ?? [t.value as number], directions));
  const n = trials.length;
  const beaten = new Array<number>(n).fill(0);
  const beats: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (constrainedDominates(trials[i], points[i], trials[j], points[j])) {
        beats[i].push(j);
        beaten[j]++;
      } else if (constrainedDominates(trials[j], points[j], trials[i], points[i])) {
        beats[j].push(i);
        beaten[i]++;
      }
    }
  }
  const out: Ranked[] = [];
  let front = [...Array(n).keys()].filter((i) => beaten[i] === 0);
  for (let rank = 0; front.length > 0 && out.length < size; rank++) {
    const crowd = crowdingDistance(points, front);
    const members = front.map((i, k) => ({ trial: trials[i], rank, crowding: crowd[k] }));
    if (out.length + members.length > size) members.sort((x, y) => y.crowding - x.crowding || x.trial.number - y.trial.number);
    out.push(...members.slice(0, size - out.length));
    const next: number[] = [];
    for (const i of front) for (const j of beats[i]) if (--beaten[j] === 0) next.push(j);
    front = next.sort((x, y) => x - y);
  }
  return out;
}

/** Binary tournament: lower rank wins, then larger crowding distance. */
function tournament(pop: readonly Ranked[], rng: Rng): Ranked {
  const a = pop[rng.int(pop.length)];
  const b = pop[rng.int(pop.length)];
  if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
  return a.crowding >= b.crowding ? a : b;
}

/** Simulated binary crossover of one variable in [0, 1] (Deb & Agrawal 1995), one child; bounded to [0, 1]. */
function sbx(x1: number, x2: number, eta: number, rng: Rng): number {
  if (rng.uniform() < 0.5 || Math.abs(x1 - x2) < 1e-14) return rng.uniform() < 0.5 ? x1 : x2;
  const u = rng.uniform();
  const beta = u <= 0.5 ? (2 * u) ** (1 / (eta + 1)) : (1 / (2 * (1 - u))) ** (1 / (eta + 1));
  const c = rng.uniform() < 0.5 ? 0.5 * (x1 + x2 - beta * Math.abs(x2 - x1)) : 0.5 * (x1 + x2 + beta * Math.abs(x2 - x1));
  return Math.min(1, Math.max(0, c));
}

/** Polynomial mutation (Deb & Goyal 1996) in the unit encoding; a choice goes to another option. */
function mutate(d: Dim, v: Value, eta: number, rng: Rng): Value {
  if (d.dist.kind === 'choice') {
    const k = d.dist.options.length;
    return k < 2 ? v : d.optionValue((d.optionIndex(v) + 1 + rng.int(k - 1)) % k);
  }
  const x = d.toUnit(v);
  const u = rng.uniform();
  const delta =
    u < 0.5
      ? (2 * u + (1 - 2 * u) * (1 - x) ** (eta + 1)) ** (1 / (eta + 1)) - 1
      : 1 - (2 * (1 - u) + 2 * (u - 0.5) * x ** (eta + 1)) ** (1 / (eta + 1));
  return d.fromUnit(Math.min(1, Math.max(0, x + delta)));
}

/** A stored trial's key, computed once (stored params never change). */
function keyOf(keys: WeakMap<Params, string>, space: SearchSpace, params: Params): string {
  let key = keys.get(params);
  if (key === undefined) keys.set(params, (key = space.key(params)));
  return key;
}

function validate(o: Nsga2Options): void {
  if (o === null || typeof o !== 'object') throw new OptionsError('nsga2: options must be an object');
  const known = ['populationSize', 'crossoverProb', 'eta', 'mutationEta'];
  for (const k of Object.keys(o))
    if (!known.includes(k)) throw new OptionsError(`nsga2: unknown option options.${k}${didYouMean(k, known)}; known: ${known.join(', ')}`);
  if (o.populationSize !== undefined && !(Number.isInteger(o.populationSize) && o.populationSize >= 2)) {
    throw new OptionsError(`nsga2: options.populationSize must be an integer ≥ 2 (got ${show(o.populationSize)})`);
  }
  if (o.crossoverProb !== undefined && !(typeof o.crossoverProb === 'number' && o.crossoverProb >= 0 && o.crossoverProb <= 1)) {
    throw new OptionsError(`nsga2: options.crossoverProb must be in [0, 1] (got ${show(o.crossoverProb)})`);
  }
  for (const k of ['eta', 'mutationEta'] as const) {
    if (o[k] !== undefined && !(typeof o[k] === 'number' && o[k] >= 0 && Number.isFinite(o[k]))) {
      throw new OptionsError(`nsga2: options.${k} must be a non-negative number (got ${show(o[k])})`);
    }
  }
}

/** NSGA-II: `nsga2({ populationSize, crossoverProb, eta, mutationEta })`, or `nsga2.suggest` with defaults. */
export const nsga2 = Object.assign((o?: Nsga2Options) => new Nsga2Sampler(o), { suggest: new Nsga2Sampler() });
