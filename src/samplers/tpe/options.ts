import { OptionsError } from '../../errors.js';

/** Options of the TPE sampler; every field is optional and JSON-serialisable (it is stored with the study). */
export interface TpeOptions {
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
  /** Multivariate bandwidth factor: σ = factor·n^(−1/(d+4))·range (Optuna: 0.2). */
  bandwidthFactor?: number;
  /** Bandwidth of each observation: the larger gap to its sorted neighbours, counting the prior's mean as one ('hyperopt') or not ('optuna'). */
  bandwidth?: 'hyperopt' | 'optuna';
  /** Running trials join the bad group (constant liar) so parallel suggestions spread out (true). */
  constantLiar?: boolean;
}

export type ResolvedTpeOptions = Required<TpeOptions>;

/** hyperopt's tpe.suggest defaults (except nStartupTrials, measured; see the README). */
export const HYPEROPT_DEFAULTS: ResolvedTpeOptions = {
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
  constantLiar: true,
};

/** Checks every given field, naming it in the error, and fills the rest from `defaults`. */
export function resolveTpeOptions(o: TpeOptions, defaults: ResolvedTpeOptions): ResolvedTpeOptions {
  if (o === null || typeof o !== 'object') throw new OptionsError('tpe: options must be an object');
  const known = Object.keys(defaults);
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new OptionsError(`tpe: unknown option ${JSON.stringify(k)}; known: ${known.join(', ')}`);
  const r = { ...defaults, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as ResolvedTpeOptions;
  const int = (k: keyof TpeOptions, min: number) => {
    const v = r[k] as number;
    if (!Number.isInteger(v) || v < min) throw new OptionsError(`tpe: options.${k} must be an integer >= ${min} (got ${v})`);
  };
  int('nStartupTrials', 0);
  int('nEiCandidates', 1);
  int('nBelowMax', 1);
  int('linearForgetting', 0);
  if (!(r.gamma > 0 && r.gamma <= 1)) throw new OptionsError(`tpe: options.gamma must be in (0, 1] (got ${r.gamma})`);
  if (r.gammaRule !== 'sqrt' && r.gammaRule !== 'linear') throw new OptionsError(`tpe: options.gammaRule must be "sqrt" or "linear" (got ${JSON.stringify(r.gammaRule)})`);
  if (!(r.priorWeight > 0) || !Number.isFinite(r.priorWeight)) throw new OptionsError(`tpe: options.priorWeight must be > 0 (got ${r.priorWeight})`);
  if (!(r.bandwidthFactor > 0) || !Number.isFinite(r.bandwidthFactor)) throw new OptionsError(`tpe: options.bandwidthFactor must be > 0 (got ${r.bandwidthFactor})`);
  if (r.bandwidth !== 'hyperopt' && r.bandwidth !== 'optuna') throw new OptionsError(`tpe: options.bandwidth must be "hyperopt" or "optuna" (got ${JSON.stringify(r.bandwidth)})`);
  if (typeof r.multivariate !== 'boolean') throw new OptionsError(`tpe: options.multivariate must be a boolean`);
  if (typeof r.constantLiar !== 'boolean') throw new OptionsError(`tpe: options.constantLiar must be a boolean`);
  return r;
}

/** Size of the good group among n complete trials. */
export function nBelow(o: ResolvedTpeOptions, n: number): number {
  const raw = o.gammaRule === 'sqrt' ? Math.ceil(o.gamma * Math.sqrt(n)) : Math.ceil(o.gamma * n);
  return Math.min(raw, o.nBelowMax, n);
}

/** hyperopt's linear forgetting weights for n observations in trial order (oldest first). */
export function forgettingWeights(n: number, lf: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (lf > 0 && n > lf) {
    const ramp = n - lf;
    // linspace(1/n, 1, n − lf)
    for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  }
  return w;
}
