import { didYouMean } from '../../did-you-mean.js';
import { OptionsError } from '../../errors.js';
import { show } from '../../space/hp.js';

/** Options of the TPE sampler; every field is optional and JSON-serialisable (it is stored with the study). */
export interface TpeOptions {
  /**
   * Base configuration the other options adjust: 'parzen' (the default, chosen on the benchmark suites: multivariate,
   * narrow bandwidth, 64 EI candidates), 'hyperopt' (hyperopt's tpe.suggest) or 'optuna' (Optuna 3's TPESampler defaults).
   */
  preset?: TpePreset;
  /** Complete trials sampled from the prior before the model is used. */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the one with the best l(x)/g(x) is kept. */
  nEiCandidates?: number;
  /** Fraction that sets the size of the good group, with `gammaRule`. */
  gamma?: number;
  /** 'sqrt': n_below = ceil(gamma·√n) (hyperopt); 'linear': n_below = ceil(gamma·n) (Optuna). Both capped by `nBelowMax`. */
  gammaRule?: 'sqrt' | 'linear';
  /** Cap on the good group's size (hyperopt and Optuna: 25). */
  nBelowMax?: number;
  /** Weight of the prior component in each mixture (1). */
  priorWeight?: number;
  /** Linear forgetting: only the most recent this-many observations get full weight (hyperopt LF = 25); 0 disables. */
  linearForgetting?: number;
  /**
   * Model the parameters jointly (product kernel with Scott-like bandwidth 0.2·n^(−1/(d+4))·range),
   * per branch of a conditional space; false is hyperopt's independent (univariate) TPE.
   */
  multivariate?: boolean;
  /** Multivariate bandwidth factor: σ = factor·n^(−1/(d+4))·range (Optuna: 0.2; parzen: 0.06). */
  bandwidthFactor?: number;
  /** Bandwidth of a lone observation: half the prior's sigma ('hyperopt') or its gap to the prior's mean ('optuna'); otherwise both use the larger gap to the sorted neighbours. */
  bandwidth?: 'hyperopt' | 'optuna';
  /**
   * Where the good/bad split is made for the parameters inside a choice's branch: among all complete trials
   * ('global', hyperopt) or among the trials that took the branch ('branch', as Optuna's group decomposition), so a
   * branch's parameters are tuned on its own best trials even while another branch holds the global lead.
   */
  split?: 'global' | 'branch';
  /**
   * Minimum bandwidth of the univariate estimators (hyperopt's "magic clip"): σ ≥ σ_prior / min(magicClip, 1 + K),
   * K counting the mixture's components ('mixture', hyperopt and Optuna) or every observation of the parameter
   * ('trials'), so that the good group, whose size is capped, still narrows as evidence piles up.
   */
  magicClip?: number;
  magicClipCounts?: 'mixture' | 'trials';
  /** Running trials join the bad group (constant liar) so parallel suggestions spread out (true). */
  constantLiar?: boolean;
}

export type TpePreset = 'parzen' | 'hyperopt' | 'optuna';
export type ResolvedTpeOptions = Required<Omit<TpeOptions, 'preset'>>;

/** hyperopt's tpe.suggest (Bergstra et al. 2011; hyperopt 0.2.7). */
const HYPEROPT: ResolvedTpeOptions = {
  nStartupTrials: 20,
  nEiCandidates: 24,
  gamma: 0.25,
  gammaRule: 'sqrt',
  nBelowMax: 25,
  priorWeight: 1,
  linearForgetting: 25,
  multivariate: false,
  bandwidth: 'hyperopt',
  bandwidthFactor: 0.2,
  split: 'global',
  magicClip: 100,
  magicClipCounts: 'mixture',
  constantLiar: true,
};

/** Optuna 3's TPESampler defaults. */
const OPTUNA: ResolvedTpeOptions = { ...HYPEROPT, nStartupTrials: 10, gamma: 0.1, gammaRule: 'linear', bandwidth: 'optuna' };

/**
 * parzen's default: Optuna's split, joint (multivariate) estimators per branch, scored jointly down the tree, and a
 * univariate bandwidth floor that keeps narrowing with the number of observations (chosen on the reference suite,
 * `parzen bench suite --algo tpe`, and quad1d); then, on the tuning half of the broad suite (docs/benchmarks.md: 14
 * problems, 10 seeds, mean normalised rank of the median regret among 10 candidates, mean log10 regret beside it),
 * a bandwidth of 0.06·n^(−1/(d+4))·range (Optuna: 0.2; before: 0.03) and 64 EI candidates (before: 24), the best of
 * both aggregates (rank 0.39 and log10 regret 0.51, against 0.55 and 0.56 before).
 */
const PARZEN: ResolvedTpeOptions = {
  ...OPTUNA,
  multivariate: true,
  bandwidthFactor: 0.06,
  nEiCandidates: 64,
  split: 'branch',
  magicClip: 1000,
  magicClipCounts: 'trials',
};

export const TPE_PRESETS: Readonly<Record<TpePreset, ResolvedTpeOptions>> = { parzen: PARZEN, hyperopt: HYPEROPT, optuna: OPTUNA };

/** Checks every given field, naming it (and the sampler, `where`) in the error, and fills the rest from `defaults`. */
export function resolveTpeOptions(o: TpeOptions, where = 'tpe'): ResolvedTpeOptions {
  if (o === null || typeof o !== 'object') throw new OptionsError(`${where}: options must be an object`);
  const preset = o.preset ?? 'parzen';
  if (!(preset in TPE_PRESETS))
    throw new OptionsError(
      `${where}: options.preset must be one of ${Object.keys(TPE_PRESETS).join(', ')} (got ${JSON.stringify(preset)})`,
    );
  const defaults = TPE_PRESETS[preset];
  const known = ['preset', ...Object.keys(defaults)];
  for (const k of Object.keys(o))
    if (!known.includes(k))
      throw new OptionsError(`${where}: unknown option ${JSON.stringify(k)}${didYouMean(k, known)}; known: ${known.join(', ')}`);
  const given = Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'preset');
  const r = { ...defaults, ...Object.fromEntries(given) } as ResolvedTpeOptions;
  const int = (k: keyof ResolvedTpeOptions, min: number) => {
    const v = r[k] as number;
    if (!Number.isInteger(v) || v < min) throw new OptionsError(`${where}: options.${k} must be an integer >= ${min} (got ${show(v)})`);
  };
  int('nStartupTrials', 0);
  int('nEiCandidates', 1);
  int('nBelowMax', 1);
  int('linearForgetting', 0);
  if (typeof r.gamma !== 'number' || !(r.gamma > 0 && r.gamma <= 1))
    throw new OptionsError(`${where}: options.gamma must be in (0, 1] (got ${show(r.gamma)})`);
  if (r.gammaRule !== 'sqrt' && r.gammaRule !== 'linear')
    throw new OptionsError(`${where}: options.gammaRule must be "sqrt" or "linear" (got ${JSON.stringify(r.gammaRule)})`);
  if (!(r.priorWeight > 0) || !Number.isFinite(r.priorWeight))
    throw new OptionsError(`${where}: options.priorWeight must be > 0 (got ${show(r.priorWeight)})`);
  if (!(r.bandwidthFactor > 0) || !Number.isFinite(r.bandwidthFactor))
    throw new OptionsError(`${where}: options.bandwidthFactor must be > 0 (got ${show(r.bandwidthFactor)})`);
  if (typeof r.magicClip !== 'number' || !(r.magicClip >= 1))
    throw new OptionsError(`${where}: options.magicClip must be >= 1 (got ${show(r.magicClip)})`);
  if (r.magicClipCounts !== 'mixture' && r.magicClipCounts !== 'trials')
    throw new OptionsError(`${where}: options.magicClipCounts must be "mixture" or "trials" (got ${JSON.stringify(r.magicClipCounts)})`);
  if (r.split !== 'global' && r.split !== 'branch')
    throw new OptionsError(`${where}: options.split must be "global" or "branch" (got ${JSON.stringify(r.split)})`);
  if (r.bandwidth !== 'hyperopt' && r.bandwidth !== 'optuna')
    throw new OptionsError(`${where}: options.bandwidth must be "hyperopt" or "optuna" (got ${JSON.stringify(r.bandwidth)})`);
  if (typeof r.multivariate !== 'boolean') throw new OptionsError(`${where}: options.multivariate must be a boolean`);
  if (typeof r.constantLiar !== 'boolean') throw new OptionsError(`${where}: options.constantLiar must be a boolean`);
  return r;
}

/** Size of the good group among n complete trials. */
export function nBelow(o: ResolvedTpeOptions, n: number): number {
  const raw = o.gammaRule === 'sqrt' ? Math.ceil(o.gamma * Math.sqrt(n)) : Math.ceil(o.gamma * n);
  return Math.min(raw, o.nBelowMax, n);
}

/** hyperopt's linear forgetting weights for n observations in trial order (oldest first), in `w[0, n)`. */
export function forgettingWeights(n: number, lf: number, w: Float64Array = new Float64Array(n)): Float64Array {
  const ramp = lf > 0 && n > lf ? n - lf : 0;
  if (ramp > 0) {
    // linspace(1/n, 1, n − lf), computed as numpy does: start + i·step, the last exactly 1
    const step = ramp === 1 ? 0 : (1 - 1 / n) / (ramp - 1);
    for (let i = 0; i < ramp; i++) w[i] = 1 / n + i * step;
    if (ramp > 1) w[ramp - 1] = 1;
  }
  for (let i = ramp; i < n; i++) w[i] = 1;
  return w;
}
