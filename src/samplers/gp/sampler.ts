import { didYouMean } from '../../did-you-mean.js';
import { OptionsError } from '../../errors.js';
import { show } from '../../space/hp.js';
import type { GpHyper, KernelKind } from '../../numeric/core.js';
import { Rng, type SeedSource } from '../../rng.js';
import type { Params, SearchSpace } from '../../space/space.js';
import { isFeasible, type TrialRecord } from '../../trial/trial.js';
import {
  distinctTrials,
  type History,
  rankKey,
  type RecommendOptions,
  type Sampler,
  type SamplerSession,
  splitHistory,
} from '../sampler.js';
import { logEI, ucb } from './acquisition.js';
import { InputEncoding } from './encoding.js';
import { fitHyperparameters, type NoiseModel } from './fit.js';
import { latinHypercube } from './lhs.js';
import { applyScale, fitScale, Surrogate } from './model.js';
import { maximizeAcquisition, type Score } from './search.js';
import { scoreField } from './field.js';
import { type JointContext, suggestJoint } from './joint.js';
import { trustBox, trustLength } from './trust.js';
import { type OutputWarping, warpOutputs } from './warp.js';
import { TpeSampler } from '../tpe/tpe.js';

export interface GpOptions {
  /** Trials drawn from a seeded Latin hypercube before the GP takes over (integer ≥ 1). Default 10. */
  nStartupTrials?: number;
  /** Covariance function: ARD Matern-5/2 or RBF. Default 'matern52'. */
  kernel?: KernelKind;
  /** Acquisition function: log expected improvement (Ament et al. 2023) or GP-UCB. Default 'logei'. */
  acquisition?: 'logei' | 'ucb';
  /** β of UCB (score −μ + √β σ), > 0. Default 2. */
  beta?: number;
  /**
   * Observation noise: 'auto' fits its variance (MAP, Gamma(1.1, 30) prior on standardized outputs);
   * 'deterministic' fixes it at 1e-6 (standardized), for noiseless objectives; a number fixes the noise
   * variance in the objective's own units. With noise (a number; or 'auto' when replicates differ and the fitted noise
   * sd exceeds ~10% of the outputs' sd; or declared by `recommend({ noisy: true })`), `recommend` returns the
   * evaluated trial with the best posterior mean rather than the best single observation. Default 'auto'.
   */
  noise?: 'auto' | 'deterministic' | number;
  /**
   * Monotone warping of the outputs before standardization (see `warpOutputs`): 'auto' log-warps right-skewed
   * outputs (heavy tails of bad values), 'log', 'rank' (Gaussian copula) or 'none'. Ignored ('none') when `noise`
   * is a number, since a variance in the objective's units does not survive a warp. Default 'auto'.
   */
  outputWarping?: OutputWarping;
  /** Quasi-random acquisition candidates at small n (halved as n grows, ≥ 256). Default 2048. */
  nCandidates?: number;
  /**
   * Confine the acquisition search to a TuRBO-style trust region around the incumbent (see `trustLength`):
   * true, false, or 'auto' = from `TRUST_REGION_MIN_DIM` inputs on. Default 'auto'.
   */
  trustRegion?: boolean | 'auto';
  /**
   * Conditional spaces: the probability, per suggestion after startup, that the point comes from TPE (`TpeSampler`,
   * its default) fitted over the same history instead of from the acquisition. The GP shares one kernel across
   * branches and, once a branch leads, its expected improvement elsewhere stays negligible, so it locked onto a worse
   * branch for good (broad suite: cond-branches 5 of 10 seeds); TPE's per-branch good/bad split keeps proposing the
   * good part of each branch. In [0, 1]; ignored in spaces without conditional parameters. Default 0.2.
   */
  branchExploration?: number;
}

/**
 * With trustRegion 'auto', the number of GP inputs from which the acquisition search uses a trust region. Below it
 * the global search is better (measured: with a trust region branin and mixed, 2-3 inputs, got more seeds stuck off
 * the optimum); from it on the trust region wins (hartmann6, and by far in 10-20 D).
 */
export const TRUST_REGION_MIN_DIM = 6;

/**
 * Most GP inputs (one per parameter of the space) the sampler accepts: an ask costs O(n²·d) per acquisition point and
 * O(n³ + n²·d) per step of the hyperparameter fit, which at a few hundred inputs already takes seconds per trial
 * (measured: 200 inputs, about 2 s per ask at 25 trials) and at 10,000 inputs used 5 GB without finishing 30 trials.
 */
export const GP_MAX_INPUTS = 256;

const DETERMINISTIC_NOISE = 1e-6;
/**
 * With noise 'auto', a fitted noise variance below this (standardized units: noise sd under ~10% of the outputs' sd)
 * is insignificant, and `recommend` keeps the best observation.
 */
const SIGNIFICANT_NOISE = 1e-2;
/** Replicates whose values differ by less than this fraction of the outputs' range count as equal (rounding). */
const REPLICATE_TOLERANCE = 1e-9;
/** Below this many complete trials every trial refits the hyperparameters; above, refits get sparser. */
const DENSE_REFITS = 40;
/**
 * Most points the hyperparameters are fitted on: above it, the best half by value plus the most recent ones
 * (the region the search exploits, and where it is now), which bounds the fit's O(n³) cost per LML evaluation.
 */
const FIT_SUBSET = 256;

/** Indices (ascending) of the points of y (first r trials) used to fit the hyperparameters. */
export function fitSubset(y: ArrayLike<number>, limit = FIT_SUBSET): number[] {
  const r = y.length;
  if (r <= limit) return Array.from({ length: r }, (_, i) => i);
  const chosen = new Uint8Array(r);
  const byValue = Array.from({ length: r }, (_, i) => i).sort((a, b) => y[a] - y[b] || a - b);
  for (let k = 0; k < limit >> 1; k++) chosen[byValue[k]] = 1;
  let count = limit >> 1;
  for (let i = r - 1; i >= 0 && count < limit; i--) {
    if (!chosen[i]) {
      chosen[i] = 1;
      count++;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < r; i++) if (chosen[i]) out.push(i);
  return out;
}

/**
 * The trial count at which the hyperparameters used with `nc` complete trials were fitted: nc itself up to
 * DENSE_REFITS, then multiples of a step that doubles as nc doubles (every 2 trials from 40, every 4 from 80,
 * every 8 from 160, every 16 from 320 …), so the amortised fitting cost stays roughly flat.
 */
export function refitPoint(nc: number): number {
  if (nc <= DENSE_REFITS) return nc;
  const step = 2 ** Math.floor(Math.log2(nc / (DENSE_REFITS / 2)));
  return Math.floor(nc / step) * step;
}

/** What GP keeps for one study: its space's encoding and the hyperparameters of recent refit points. */
export class GpCache {
  private encoded: { space: SearchSpace; enc: InputEncoding } | null = null;
  readonly hyper = new Map<string, GpHyper>();
  /** GP outputs fitted per ask (objectives and constraints): the hyperparameter cache keeps 8 refits of each. */
  outputs = 1;

  encoding(space: SearchSpace): InputEncoding {
    if (this.encoded?.space !== space) this.encoded = { space, enc: new InputEncoding(space) };
    return this.encoded.enc;
  }
}

/**
 * Gaussian-process Bayesian optimisation over the whole (mixed, conditional) space.
 *
 * - Model: GP on the unit-cube encoding of every dim (`InputEncoding`: log scaling, integer cells, choices as
 *   categorical Hamming dims, inactive dims imputed), standardized outputs, ARD Matern-5/2 (or RBF), MAP
 *   hyperparameters (`fitHyperparameters`).
 * - Acquisition: LogEI (default) or UCB maximised by `maximizeAcquisition`; values decoded so every suggestion
 *   is a value the space holds.
 * - Batches and running trials: kriging believer (pending and chosen points fantasized at their posterior mean).
 * - Startup: the i-th trial of the study (i < nStartupTrials) is point i of one Latin hypercube seeded by the
 *   study seed.
 * - Several objectives or constraints: `suggestJoint` (one GP per objective and per constraint, log EHVI or log EI
 *   over the feasible incumbent plus Σ log P(c ≤ 0)); one unconstrained objective never takes that path.
 *
 * Reproducibility: everything is a function of the history and the seed. Hyperparameters used with nc complete
 * trials are those fitted on the first `refitPoint(nc)` complete trials (by trial number) from deterministic
 * starts and restarts seeded by (seed, refit point); they are cached in the study's session only to avoid refitting,
 * so a fresh sampler on the same history (a resumed study) suggests exactly the same points.
 */
export class GpSampler implements Sampler {
  readonly name = 'gp';
  /** Several objectives: one GP per objective and log EHVI (see joint.ts). */
  readonly multiObjective = true;
  readonly options: Readonly<Record<string, unknown>>;
  private readonly nStartup: number;
  private readonly kernel: KernelKind;
  private readonly acquisition: 'logei' | 'ucb';
  private readonly beta: number;
  private readonly noise: 'auto' | 'deterministic' | number;
  private readonly nCandidates: number;
  private readonly warping: OutputWarping;
  private readonly trustRegion: boolean | 'auto';
  private readonly branchExploration: number;
  private readonly tpe = new TpeSampler();

  constructor(o: GpOptions = {}) {
    if (o === null || typeof o !== 'object') throw new OptionsError('gp: options must be an object');
    const known = [
      'nStartupTrials',
      'kernel',
      'acquisition',
      'beta',
      'noise',
      'outputWarping',
      'nCandidates',
      'trustRegion',
      'branchExploration',
    ];
    for (const k of Object.keys(o))
      if (!known.includes(k)) throw new OptionsError(`gp: unknown option options.${k}${didYouMean(k, known)}; known: ${known.join(', ')}`);
    const nStartup = o.nStartupTrials ?? 10;
    if (!Number.isInteger(nStartup) || nStartup < 1)
      throw new OptionsError(`gp: options.nStartupTrials must be an integer ≥ 1 (got ${show(o.nStartupTrials)})`);
    const kernel = o.kernel ?? 'matern52';
    if (kernel !== 'matern52' && kernel !== 'rbf')
      throw new OptionsError(`gp: options.kernel must be 'matern52' or 'rbf' (got ${JSON.stringify(o.kernel)})`);
    const acquisition = o.acquisition ?? 'logei';
    if (acquisition !== 'logei' && acquisition !== 'ucb')
      throw new OptionsError(`gp: options.acquisition must be 'logei' or 'ucb' (got ${JSON.stringify(o.acquisition)})`);
    const beta = o.beta ?? 2;
    if (typeof beta !== 'number' || !(beta > 0) || !Number.isFinite(beta))
      throw new OptionsError(`gp: options.beta must be a finite number > 0 (got ${show(o.beta)})`);
    const noise = o.noise ?? 'auto';
    if (!(noise === 'auto' || noise === 'deterministic' || (typeof noise === 'number' && noise > 0 && Number.isFinite(noise)))) {
      throw new OptionsError(`gp: options.noise must be 'auto', 'deterministic' or a variance > 0 (got ${JSON.stringify(o.noise)})`);
    }
    const nCandidates = o.nCandidates ?? 2048;
    if (!Number.isInteger(nCandidates) || nCandidates < 1)
      throw new OptionsError(`gp: options.nCandidates must be an integer ≥ 1 (got ${show(o.nCandidates)})`);
    const warping = o.outputWarping ?? 'auto';
    if (!['none', 'log', 'rank', 'auto'].includes(warping)) {
      throw new OptionsError(`gp: options.outputWarping must be 'auto', 'log', 'rank' or 'none' (got ${JSON.stringify(o.outputWarping)})`);
    }
    const trustRegion = o.trustRegion ?? 'auto';
    if (!(trustRegion === 'auto' || typeof trustRegion === 'boolean')) {
      throw new OptionsError(`gp: options.trustRegion must be true, false or 'auto' (got ${JSON.stringify(o.trustRegion)})`);
    }
    const branchExploration = o.branchExploration ?? 0.2;
    if (typeof branchExploration !== 'number' || !(branchExploration >= 0 && branchExploration <= 1))
      throw new OptionsError(`gp: options.branchExploration must be a number in [0, 1] (got ${show(o.branchExploration)})`);
    this.branchExploration = branchExploration;
    this.trustRegion = trustRegion;
    this.warping = typeof noise === 'number' ? 'none' : warping;
    this.nStartup = nStartup;
    this.kernel = kernel;
    this.acquisition = acquisition;
    this.beta = beta;
    this.noise = noise;
    this.nCandidates = nCandidates;
    this.options = { ...o };
  }

  /** Limit: at most GP_MAX_INPUTS (256) parameters in the space. */
  checkSpace(space: SearchSpace): void {
    if (space.dims.length > GP_MAX_INPUTS) {
      throw new OptionsError(
        `gp: the space has ${space.dims.length} parameters; gp models at most ${GP_MAX_INPUTS} (use tpe, cmaes or evolution for larger spaces)`,
      );
    }
  }

  /** A session per study: its caches (the space's encoding, recent hyperparameter fits) serve that study only. */
  session(): SamplerSession {
    const cache = new GpCache();
    return {
      suggest: (h, n, rng) => this.suggestWith(cache, h, n, rng),
      recommend: (h, o) => this.recommendWith(cache, h, o),
      rank: (h, k, o) => this.rankWith(cache, h, k, o),
    };
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    return this.suggestWith(new GpCache(), history, n, rng);
  }

  recommend(history: History, options?: RecommendOptions): TrialRecord | null {
    return this.recommendWith(new GpCache(), history, options);
  }

  rank(history: History, k: number, options?: RecommendOptions): TrialRecord[] | null {
    return this.rankWith(new GpCache(), history, k, options);
  }

  private suggestWith(cache: GpCache, history: History, n: number, rng: Rng): Params[] {
    const { space } = history;
    const enc = cache.encoding(space);
    const objectives = history.directions?.length ?? 1;
    if (objectives > 1) this.checkMultiObjective();
    const { complete, pending } = splitHistory(history);
    const keys = new Set<string>();
    for (const t of history.trials) if (t.state !== 'fail') keys.add(space.key(t.params));
    const out: Params[] = [];
    if (enc.d === 0) {
      for (let i = 0; i < n; i++) out.push(space.sample(rng));
      return out;
    }
    if (complete.length < Math.max(this.nStartup, 2)) {
      for (let j = 0; j < n; j++) out.push(this.startupPoint(history, enc, history.trials.length + j, rng, keys));
      return out;
    }

    if (objectives > 1 || complete.some((t) => t.constraints && t.constraints.length > 0)) {
      if (this.acquisition === 'ucb')
        throw new OptionsError(
          "gp: options.acquisition 'ucb' works on one unconstrained objective; use 'logei' (log EI or log EHVI with constraints)",
        );
      return suggestJoint(this.jointContext(cache), history, n, rng, { complete, pending, keys, enc });
    }
    let model = this.surrogate(cache, history, complete, enc, this.warping, true);
    try {
      if (pending.length > 0) {
        const px = new Float64Array(pending.length * enc.d);
        pending.forEach((t, i) => enc.inputs(t.params, px.subarray(i * enc.d, (i + 1) * enc.d)));
        const next = model.withFantasies(px, pending.length);
        model.dispose();
        model = next;
      }
      const incumbents = this.incumbents(complete, enc, history, rng);
      const nc = complete.length;
      const global = Math.max(256, Math.round(this.nCandidates * Math.min(1, 100 / nc)));
      const useTrust = this.trustRegion === true || (this.trustRegion === 'auto' && enc.d >= TRUST_REGION_MIN_DIM);
      const box = useTrust
        ? trustBox(incumbents[0], trustLength(this.data(history, complete, enc).y, this.nStartup, enc.d), enc.categorical)
        : undefined;
      const search = { global, local: Math.max(64, global >> 2), incumbents, starts: nc > 200 ? 3 : 5, maxIter: 40, box };
      const conditional = this.branchExploration > 0 && space.dims.some((d) => d.parent);
      for (let j = 0; j < n; j++) {
        if (conditional && rng.uniform() < this.branchExploration) {
          // (a duplicate of a trial or of this batch's earlier points goes to the acquisition instead)
          const [params] = this.tpe.suggest(history, 1, rng);
          if (!keys.has(space.key(params))) {
            keys.add(space.key(params));
            out.push(params);
            if (j < n - 1) {
              const next = model.withFantasies(enc.inputs(params), 1);
              model.dispose();
              model = next;
            }
            continue;
          }
        }
        const best = this.incumbentValue(model);
        const score: Score = this.acquisition === 'ucb' ? (m, v) => ucb(m, v, this.beta) : (m, v) => logEI(m, v, best);
        const pick = maximizeAcquisition(scoreField(model, score), enc, rng, search, (k) => keys.has(k));
        const params = pick ? pick.params : this.randomPoint(space, rng, keys);
        keys.add(space.key(params));
        out.push(params);
        if (j < n - 1) {
          const next = model.withFantasies(pick ? pick.inputs : enc.inputs(params), 1);
          model.dispose();
          model = next;
        }
      }
    } finally {
      model.dispose();
    }
    return out;
  }

  /**
   * The complete trial with the best posterior mean at its own inputs (averaging out the noise of single
   * observations) when the objective is declared noisy (`options.noisy` true, or a noise variance given to the
   * sampler), or, with 'auto', when its noise is evidenced: two trials at the same params gave different values and
   * the fitted noise is significant. Otherwise, and before the GP phase, null: the study then recommends the best
   * observation. Without replicates, fitted noise cannot tell noise from the misfit of a rugged deterministic function
   * (measured, 50 GP trials: rastrigin-5d fits up to 0.30 of the outputs' variance, ackley-10d 0.085, as much as
   * objectives with real noise), and a posterior mean there recommended worse trials than the best observation.
   * Other samplers' studies recommend through this too.
   */
  private recommendWith(cache: GpCache, history: History, options: RecommendOptions = {}): TrialRecord | null {
    return this.rankWith(cache, history, 1, options)?.[0] ?? null;
  }

  /** Up to k complete feasible trials of distinct params by their posterior mean, best first; null as recommendWith. */
  private rankWith(cache: GpCache, history: History, k: number, options: RecommendOptions = {}): TrialRecord[] | null {
    const noisy = options.noisy ?? 'auto';
    if (noisy === false || (this.noise === 'deterministic' && noisy !== true)) return null;
    const { complete } = splitHistory(history);
    if (complete.length < Math.max(this.nStartup, 2)) return null;
    if (noisy === 'auto' && this.noise === 'auto' && !replicatesDiffer(history.space, complete)) return null;
    const enc = cache.encoding(history.space);
    // Unwarped, so the fitted noise measures the objective's noise rather than the misfit of a warped surface.
    const model = this.surrogate(cache, history, complete, enc, 'none');
    try {
      // Replicates that differ by a hair (float rounding in the objective) are not worth a model's guess.
      if (noisy === 'auto' && this.noise === 'auto' && model.hyper.noiseVariance < SIGNIFICANT_NOISE) return null;
      const trials = sortedByNumber(complete);
      const means = model.fittedMeans();
      // an infeasible trial is never recommended, whatever its posterior mean; replicates count once
      const order = trials.map((_, i) => i).filter((i) => isFeasible(trials[i]));
      order.sort((i, j) => means[i] - means[j] || i - j);
      const out = distinctTrials(
        order.map((i) => trials[i]),
        history.space,
        k,
      );
      return out.length ? out : null;
    } finally {
      model.dispose();
    }
  }

  /** Refuses what the multi-objective GP cannot do, naming the option. */
  private checkMultiObjective(): void {
    if (this.acquisition === 'ucb')
      throw new OptionsError("gp: options.acquisition 'ucb' works on one objective; a multi-objective study uses log EHVI ('logei')");
    if (typeof this.noise === 'number')
      throw new OptionsError(
        "gp: options.noise as a variance is in one objective's units; a multi-objective study takes 'auto' or 'deterministic'",
      );
  }

  /** What the joint (multi-objective or constrained) path needs of this sampler. */
  private jointContext(cache: GpCache): JointContext {
    return {
      nStartup: this.nStartup,
      nCandidates: this.nCandidates,
      trustRegion: this.trustRegion,
      deterministic: this.noise === 'deterministic',
      objective: (history, complete, enc) => this.surrogate(cache, history, complete, enc, this.warping, true),
      output: (history, x, y, enc, kind) => {
        if (kind === 'constraint') {
          return this.fitOutput(cache, history, x, y, enc, 'none', this.noise === 'deterministic' ? 'deterministic' : 'auto');
        }
        return this.fitOutput(cache, history, x, y, enc, this.warping, this.noise);
      },
      setOutputs: (k) => {
        cache.outputs = Math.max(1, k);
      },
    };
  }

  /** Startup design point i (a Latin hypercube of nStartupTrials points seeded by the study seed); random beyond it or on collision. */
  private startupPoint(history: History, enc: InputEncoding, i: number, rng: Rng, keys: Set<string>): Params {
    if (i < this.nStartup) {
      const design = latinHypercube(this.nStartup, enc.d, Rng.derive(history, 'gp-startup'));
      const p = enc.canonical(design.subarray(i * enc.d, (i + 1) * enc.d)).params;
      const k = history.space.key(p);
      if (!keys.has(k)) {
        keys.add(k);
        return p;
      }
    }
    const p = this.randomPoint(history.space, rng, keys);
    keys.add(history.space.key(p));
    return p;
  }

  private randomPoint(space: SearchSpace, rng: Rng, keys: Set<string>): Params {
    let p = space.sample(rng);
    for (let r = 0; r < 32 && keys.has(space.key(p)); r++) p = space.sample(rng);
    return p;
  }

  /**
   * Outputs oriented for minimisation, complete trials in number order, then the pruned ones (`pruned`: true) by their
   * rank (`rankKey`, as Optuna's TPE ranks them): a pruned trial has no final value, so it enters the model as worse
   * than every complete trial, spread over half the complete values' range above the worst by that rank.
   */
  private data(
    history: History,
    complete: readonly TrialRecord[],
    enc: InputEncoding,
    pruned = false,
  ): { x: Float64Array; y: Float64Array; trials: TrialRecord[] } {
    const sign = history.direction === 'maximize' ? -1 : 1;
    const late = pruned ? rankedPruned(history) : [];
    const trials = [...sortedByNumber(complete), ...late];
    const x = new Float64Array(trials.length * enc.d);
    const y = new Float64Array(trials.length);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < complete.length; i++) {
      const t = trials[i];
      enc.inputs(t.params, x.subarray(i * enc.d, (i + 1) * enc.d));
      y[i] = sign * (t.value as number);
      lo = Math.min(lo, y[i]);
      hi = Math.max(hi, y[i]);
    }
    const spread = hi > lo ? (hi - lo) / 2 : Math.max(Math.abs(hi), 1);
    for (let r = 0, i = complete.length; r < late.length; r++, i++) {
      enc.inputs(trials[i].params, x.subarray(i * enc.d, (i + 1) * enc.d));
      y[i] = hi + (spread * (r + 1)) / late.length;
    }
    return { x, y, trials };
  }

  /** The GP on all complete trials with the hyperparameters of the current refit point. */
  private surrogate(
    cache: GpCache,
    history: History,
    complete: readonly TrialRecord[],
    enc: InputEncoding,
    warping = this.warping,
    pruned = false,
  ): Surrogate {
    const { x, y } = this.data(history, complete, enc, pruned);
    return this.fitOutput(cache, history, x, y, enc, warping, this.noise);
  }

  /** A GP on inputs x and outputs y (oriented for minimisation), with the hyperparameters of the current refit point. */
  private fitOutput(
    cache: GpCache,
    source: { readonly seed: number } & SeedSource,
    x: Float64Array,
    y: Float64Array,
    enc: InputEncoding,
    warping: OutputWarping,
    noiseOption: 'auto' | 'deterministic' | number,
  ): Surrogate {
    const nc = y.length;
    const r = refitPoint(nc);
    const sub = fitSubset(y.subarray(0, r));
    const xs = new Float64Array(sub.length * enc.d);
    sub.forEach((i, k) => xs.set(x.subarray(i * enc.d, (i + 1) * enc.d), k * enc.d));
    const ys = warpOutputs(
      Float64Array.from(sub, (i) => y[i]),
      warping,
    );
    const hyper = { ...this.hyperparameters(cache, source, xs, ys, r, enc, warping, noiseOption) };
    const w = warpOutputs(y, warping);
    const scale = fitScale(w);
    if (typeof noiseOption === 'number') hyper.noiseVariance = noiseOption / (scale.std * scale.std);
    return Surrogate.fromOutputs(hyper, x, w, enc.d, scale);
  }

  private hyperparameters(
    cache: GpCache,
    source: { readonly seed: number } & SeedSource,
    x: Float64Array,
    y: Float64Array,
    r: number,
    enc: InputEncoding,
    warping: OutputWarping,
    noiseOption: 'auto' | 'deterministic' | number,
  ): GpHyper {
    const key = `${source.seed}|${r}|${warping}|${noiseOption}|${fingerprint(x)}|${fingerprint(y)}`;
    const cached = cache.hyper.get(key);
    if (cached) return cached;
    const scale = fitScale(y);
    const noise: NoiseModel =
      noiseOption === 'auto'
        ? { kind: 'fitted' }
        : noiseOption === 'deterministic'
          ? { kind: 'fixed', variance: DETERMINISTIC_NOISE }
          : { kind: 'fixed', variance: noiseOption / (scale.std * scale.std) };
    const fit = fitHyperparameters(x, applyScale(y, scale), y.length, enc.d, {
      kind: this.kernel,
      categorical: enc.categorical,
      noise,
      restarts: r <= 100 ? 1 : 0,
      maxIter: r <= 200 ? 100 : 50,
      rng: Rng.derive(source, 'gp-fit', r),
    });
    if (cache.hyper.size > 8 * cache.outputs) cache.hyper.clear();
    cache.hyper.set(key, fit.hyper);
    return fit.hyper;
  }

  /** Incumbent for EI: the lowest posterior mean at the data (= lowest observation when noiseless), fantasies included. */
  private incumbentValue(model: Surrogate): number {
    const means = this.noise === 'deterministic' ? model.z : model.fittedMeans();
    let best = Infinity;
    for (const v of means) best = Math.min(best, v);
    return best;
  }

  /** Raw points of the best few complete trials (inactive coordinates drawn at random), best first. */
  private incumbents(complete: readonly TrialRecord[], enc: InputEncoding, history: History, rng: Rng): Float64Array[] {
    const sign = history.direction === 'maximize' ? -1 : 1;
    const best = [...complete].sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.number - b.number).slice(0, 3);
    return best.map((t) => enc.raw(t.params, () => rng.uniform()));
  }
}

/** The pruned trials of a history, best first by `rankKey`. */
function rankedPruned(history: History): TrialRecord[] {
  const sign = history.direction === 'maximize' ? -1 : 1;
  const keyed = history.trials.filter((t) => t.state === 'pruned').map((t) => ({ t, k: rankKey(t, history.direction) }));
  keyed.sort((a, b) => a.k.tier - b.k.tier || sign * (a.k.value - b.k.value) || a.t.number - b.t.number);
  return keyed.map((e) => e.t);
}

function sortedByNumber(trials: readonly TrialRecord[]): TrialRecord[] {
  return [...trials].sort((a, b) => a.number - b.number);
}

/** FNV-1a over the bytes of a Float64Array, as a hex string (cache keys only). */
function fingerprint(a: Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
    h2 = Math.imul(h2 ^ bytes[i], 0x0100019d);
  }
  return (h1 >>> 0).toString(16) + (h2 >>> 0).toString(16) + ':' + a.length;
}

/** Whether two complete trials at the same params have different values (beyond rounding): evidence of noise. */
export function replicatesDiffer(space: SearchSpace, complete: readonly TrialRecord[]): boolean {
  const seen = new Map<string, number>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of complete) {
    lo = Math.min(lo, t.value as number);
    hi = Math.max(hi, t.value as number);
  }
  const tolerance = REPLICATE_TOLERANCE * Math.max(hi - lo, Number.MIN_VALUE);
  for (const t of complete) {
    const k = space.key(t.params);
    const v = seen.get(k);
    if (v !== undefined && Math.abs(v - (t.value as number)) > tolerance) return true;
    if (v === undefined) seen.set(k, t.value as number);
  }
  return false;
}
