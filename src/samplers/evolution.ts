import { didYouMean } from '../did-you-mean.js';
import { OptionsError } from '../errors.js';
import type { Rng } from '../rng.js';
import type { Dim } from '../space/dim.js';
import { show, type Value } from '../space/hp.js';
import type { Params, SearchSpace } from '../space/space.js';
import type { TrialRecord } from '../trial/trial.js';
import { mirror } from './cmaes/strategy.js';
import { type History, runningTrials, type Sampler, type SamplerSession } from './sampler.js';
import { own } from '../space/own.js';

export interface EvolutionOptions {
  /** P: the population is the P most recent complete trials; the first P complete trials are random. Default 16 (tuned at ~100 trials; Real et al. used 100 for 20 000). */
  populationSize?: number;
  /** S: members drawn (without replacement) for each tournament, in [1, P]. Default ⌈P / 2⌉. */
  sampleSize?: number;
  /** Standard deviation of the Gaussian perturbation of numeric parameters in the unit encoding, in (0, 1]. Default 0.1. */
  mutationSd?: number;
}

/** Mutations tried before a child that duplicates a trial (running, in the batch, or done) is given up. */
const DUPLICATE_RETRIES = 16;

/**
 * Regularized (aging) evolution (Real et al., 2019, "Regularized Evolution for Image Classifier Architecture
 * Search"). The population is the P most recent complete trials in trial-number order, so the oldest member
 * retires as each new one completes and nothing but the history is needed to continue a study. Until P trials
 * have completed, points come from the prior. Then each point comes from one tournament: S members drawn at
 * random, the best is the parent, and a copy of it is mutated:
 * - every active parameter mutates with probability 1/k (k active parameters), at least one;
 * - a numeric one moves by N(0, sd²) in the unit encoding (`Dim.toUnit`, so log and normal dims move on their
 *   own scale), mirrored into [0, 1]; an integer or quantised one moves at least one step;
 * - a choice switches to another option (drawn by the prior's weights), and the dims its new branch brings into
 *   being are drawn from the prior (dims of the old branch disappear).
 * A batch of n comes from n tournaments; a child equal to a running trial, to one in the batch or to any earlier
 * trial is mutated again (up to 16 times; then only running and batch duplicates are avoided, then the prior is used).
 */
export class EvolutionSampler implements Sampler {
  readonly name = 'evolution';
  readonly options: Readonly<Record<string, unknown>>;
  readonly populationSize: number;
  readonly sampleSize: number;
  readonly mutationSd: number;

  constructor(o: EvolutionOptions = {}) {
    validate(o);
    this.options = { ...o };
    this.populationSize = o.populationSize ?? 16;
    this.sampleSize = o.sampleSize ?? Math.ceil(this.populationSize / 2);
    this.mutationSd = o.mutationSd ?? 0.1;
  }

  /** A session per study: the keys of that study's trials, computed once. */
  session(): SamplerSession {
    const keys = new WeakMap<Params, string>();
    return { suggest: (h, n, rng) => this.suggestWith(keys, h, n, rng) };
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    return this.suggestWith(new WeakMap(), history, n, rng);
  }

  private suggestWith(keys: WeakMap<Params, string>, history: History, n: number, rng: Rng): Params[] {
    const { space, direction } = history;
    const complete = history.trials.filter((t) => t.state === 'complete' && t.value !== null && Number.isFinite(t.value));
    const running = new Set(runningTrials(history).map((t) => keyOf(keys, space, t.params)));
    const seen = new Set(history.trials.map((t) => keyOf(keys, space, t.params)));
    const out: Params[] = [];
    const population = complete.slice(-this.populationSize);
    const sign = direction === 'minimize' ? 1 : -1;
    for (let i = 0; i < n; i++) {
      let child: Params | null = null;
      if (complete.length >= this.populationSize) {
        for (let r = 0; r < DUPLICATE_RETRIES && (child === null || seen.has(space.key(child))); r++) {
          child = this.mutate(space, this.tournament(population, sign, rng).params, rng);
        }
        for (let r = 0; r < DUPLICATE_RETRIES && running.has(space.key(child!)); r++) {
          child = this.mutate(space, this.tournament(population, sign, rng).params, rng);
        }
      }
      if (child === null || running.has(space.key(child))) {
        child = space.sample(rng);
        for (let r = 0; r < DUPLICATE_RETRIES && running.has(space.key(child)); r++) child = space.sample(rng);
      }
      const key = space.key(child);
      running.add(key);
      seen.add(key);
      out.push(child);
    }
    return out;
  }

  /** The best of S members drawn without replacement. */
  private tournament(population: readonly TrialRecord[], sign: number, rng: Rng): TrialRecord {
    const idx = population.map((_, i) => i);
    let best: TrialRecord | null = null;
    const s = Math.min(this.sampleSize, population.length);
    for (let k = 0; k < s; k++) {
      const j = k + rng.int(idx.length - k);
      [idx[k], idx[j]] = [idx[j], idx[k]];
      const t = population[idx[k]];
      if (!best || sign * ((t.value as number) - (best.value as number)) < 0) best = t;
    }
    return best as TrialRecord;
  }

  /** A copy of `parent` with at least one active parameter changed; new branches drawn from the prior. */
  mutate(space: SearchSpace, parent: Params, rng: Rng): Params {
    const active = space.active(parent);
    const forced = active[rng.int(active.length)];
    const p = 1 / active.length;
    const mutated = new Set<Dim>(active.filter((d) => d === forced || rng.uniform() < p));
    return space.sample(rng, (d) => {
      const v = own(parent, d.label);
      if (v === undefined) return d.sample(rng);
      return mutated.has(d) ? this.mutateValue(d, v, rng) : v;
    });
  }

  private mutateValue(d: Dim, v: Value, rng: Rng): Value {
    const dist = d.dist;
    if (dist.kind === 'choice') {
      const k = dist.options.length;
      if (k < 2) return v;
      const cur = d.optionIndex(v);
      const w = Array.from(dist.weights, (x, i) => (i === cur ? 0 : x));
      return d.optionValue(w.some((x) => x > 0) ? rng.categorical(w) : (cur + 1 + rng.int(k - 1)) % k);
    }
    const u = d.toUnit(v);
    let next = d.fromUnit(mirror(u + this.mutationSd * rng.normal()));
    if (next === v && d.cardinality < Infinity) {
      // An integer that rounded back to itself: take one step, away from the bound if need be.
      const up =
        (v as number) < (dist as { high: number }).high && ((v as number) === (dist as { low: number }).low || rng.uniform() < 0.5);
      next = (v as number) + (up ? 1 : -1);
    } else if (next === v) {
      // A quantised float: step to the neighbouring cell in unit space.
      for (let s = 1; s < 64 && next === v; s *= 2) next = d.fromUnit(mirror(u + (rng.uniform() < 0.5 ? -1 : 1) * s * 1e-3));
    }
    return next;
  }
}

function validate(o: EvolutionOptions): void {
  if (o === null || typeof o !== 'object') throw new OptionsError('evolution: options must be an object');
  const known = ['populationSize', 'sampleSize', 'mutationSd'];
  for (const k of Object.keys(o))
    if (!known.includes(k))
      throw new OptionsError(`evolution: unknown option options.${k}${didYouMean(k, known)}; known: ${known.join(', ')}`);
  if (o.populationSize !== undefined && !(Number.isInteger(o.populationSize) && o.populationSize >= 2)) {
    throw new OptionsError(`evolution: options.populationSize must be an integer ≥ 2 (got ${show(o.populationSize)})`);
  }
  const p = o.populationSize ?? 16;
  if (o.sampleSize !== undefined && !(Number.isInteger(o.sampleSize) && o.sampleSize >= 1 && o.sampleSize <= p)) {
    throw new OptionsError(`evolution: options.sampleSize must be an integer in [1, populationSize = ${p}] (got ${show(o.sampleSize)})`);
  }
  if (o.mutationSd !== undefined && !(typeof o.mutationSd === 'number' && o.mutationSd > 0 && o.mutationSd <= 1)) {
    throw new OptionsError(`evolution: options.mutationSd must be in (0, 1] (got ${show(o.mutationSd)})`);
  }
}

/** A stored trial's key, computed once: stored params never change, and every ask checks against all of them. */
function keyOf(keys: WeakMap<Params, string>, space: SearchSpace, params: Params): string {
  let key = keys.get(params);
  if (key === undefined) keys.set(params, (key = space.key(params)));
  return key;
}

/** Regularized evolution: `evolution({ populationSize, sampleSize, mutationSd })`, or `evolution.suggest` with defaults. */
export const evolution = Object.assign((o?: EvolutionOptions) => new EvolutionSampler(o), { suggest: new EvolutionSampler() });
