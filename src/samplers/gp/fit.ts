import { core, type GpHyper, type KernelKind, NotPositiveDefiniteError } from '../../numeric/core.js';
import type { Rng } from '../../rng.js';
import { minimizeBox } from './optimize.js';

/**
 * MAP fit of the GP hyperparameters θ = (log l_1..d, log s², log s²ₙ) on standardized outputs:
 * maximise log p(y | X, θ) + log p(θ) with the core's analytic LML gradient and `minimizeBox`.
 *
 * Priors (weak, on standardized outputs and unit-cube inputs):
 * - lengthscales: log l ~ N(√2 + ½ log d, 3), the dimension-scaled prior of Hvarfner et al. 2024
 *   ("Vanilla Bayesian Optimization Performs Great in High Dimensions"), BoTorch's default;
 * - signal variance: Gamma(2, 1) (mode 1), and noise variance: Gamma(1.1, 30) (mode ≈ 0.003),
 *   as in Optuna's GP sampler (densities on the values, optimised in log space).
 */

/** How the noise variance is treated during the fit. */
export type NoiseModel = { kind: 'fitted' } | { kind: 'fixed'; variance: number };

export interface FitOptions {
  kind: KernelKind;
  /** Per input: 1 = categorical. */
  categorical: Uint8Array;
  noise: NoiseModel;
  /** Random restarts drawn from the prior, besides the deterministic starts. */
  restarts: number;
  /** L-BFGS iterations per start. */
  maxIter: number;
  rng: Rng;
}

export const LOG_LENGTHSCALE_BOUNDS = [Math.log(1e-2), Math.log(1e3)] as const;
export const LOG_SIGNAL_BOUNDS = [Math.log(1e-2), Math.log(1e2)] as const;
/** Noise floor 1e-6 (standardized units), as Optuna's DEFAULT_MINIMUM_NOISE_VAR. */
export const LOG_NOISE_BOUNDS = [Math.log(1e-6), Math.log(1)] as const;

const SIGNAL_PRIOR = { concentration: 2, rate: 1 };
const NOISE_PRIOR = { concentration: 1.1, rate: 30 };

export function lengthscalePrior(d: number): { mu: number; sigma: number } {
  return { mu: Math.SQRT2 + 0.5 * Math.log(Math.max(d, 1)), sigma: Math.sqrt(3) };
}

/** θ → hyperparameters. */
export function toHyper(theta: ArrayLike<number>, d: number, o: Pick<FitOptions, 'kind' | 'categorical'>): GpHyper {
  const lengthscales = new Float64Array(d);
  for (let j = 0; j < d; j++) lengthscales[j] = Math.exp(theta[j]);
  return {
    kind: o.kind,
    lengthscales,
    signalVariance: Math.exp(theta[d]),
    noiseVariance: Math.exp(theta[d + 1]),
    categorical: o.categorical,
  };
}

/** Negative log posterior (up to a constant) and its gradient w.r.t. θ. +Infinity where K cannot be factored. */
export function negLogPosterior(
  theta: Float64Array,
  grad: Float64Array,
  x: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  o: Pick<FitOptions, 'kind' | 'categorical' | 'noise'>,
): number {
  const hyp = toHyper(theta, d, o);
  let res;
  try {
    res = core().gpLogMarginalLikelihood(hyp, x, y, n);
  } catch (e) {
    if (e instanceof NotPositiveDefiniteError) return Infinity;
    throw e;
  }
  const { mu, sigma } = lengthscalePrior(d);
  let logPost = res.lml;
  for (let j = 0; j < d; j++) {
    const t = (theta[j] - mu) / sigma;
    logPost -= 0.5 * t * t;
    grad[j] = -(res.grad[j] - t / sigma);
  }
  const gammaTerm = (t: number, p: { concentration: number; rate: number }) => (p.concentration - 1) * t - p.rate * Math.exp(t);
  const gammaGrad = (t: number, p: { concentration: number; rate: number }) => p.concentration - 1 - p.rate * Math.exp(t);
  logPost += gammaTerm(theta[d], SIGNAL_PRIOR);
  grad[d] = -(res.grad[d] + gammaGrad(theta[d], SIGNAL_PRIOR));
  if (o.noise.kind === 'fitted') {
    logPost += gammaTerm(theta[d + 1], NOISE_PRIOR);
    grad[d + 1] = -(res.grad[d + 1] + gammaGrad(theta[d + 1], NOISE_PRIOR));
  } else grad[d + 1] = 0;
  return -logPost;
}

/** Result of a fit: the hyperparameters and the negative log posterior they reach. */
export interface FitResult {
  hyper: GpHyper;
  theta: Float64Array;
  value: number;
}

/**
 * Fits θ by MAP from deterministic starts (lengthscales 0.5 and the prior median; s² = 1; s²ₙ = 1e-3)
 * plus `restarts` draws from the prior, keeping the best. Deterministic given `rng`'s state.
 * x: n×d row-major inputs, y: n standardized outputs.
 */
export function fitHyperparameters(x: Float64Array, y: Float64Array, n: number, d: number, o: FitOptions): FitResult {
  const lower = new Float64Array(d + 2);
  const upper = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) [lower[j], upper[j]] = LOG_LENGTHSCALE_BOUNDS;
  [lower[d], upper[d]] = LOG_SIGNAL_BOUNDS;
  if (o.noise.kind === 'fitted') [lower[d + 1], upper[d + 1]] = LOG_NOISE_BOUNDS;
  else lower[d + 1] = upper[d + 1] = Math.log(Math.max(o.noise.variance, 1e-12));

  const noise0 = o.noise.kind === 'fitted' ? Math.log(1e-3) : lower[d + 1];
  const { mu, sigma } = lengthscalePrior(d);
  const starts: Float64Array[] = [];
  const start = (ls: (j: number) => number, s: number) => {
    const t = new Float64Array(d + 2);
    for (let j = 0; j < d; j++) t[j] = ls(j);
    t[d] = s;
    t[d + 1] = noise0;
    starts.push(t);
  };
  start(() => Math.log(0.5), 0);
  start(() => mu, 0);
  for (let r = 0; r < o.restarts; r++) start(() => mu + sigma * o.rng.normal(), 0.5 * o.rng.normal());

  let best: FitResult | null = null;
  const f = (t: Float64Array, g: Float64Array) => negLogPosterior(t, g, x, y, n, d, o);
  for (const t0 of starts) {
    const r = minimizeBox(f, t0, lower, upper, { maxIter: o.maxIter, pgtol: 1e-5, ftol: 1e-9 });
    if (Number.isFinite(r.f) && (best === null || r.f < best.value)) best = { hyper: toHyper(r.x, d, o), theta: r.x, value: r.f };
  }
  if (!best) {
    // Every start failed to factor K: fall back to long lengthscales and a large noise, which always factor.
    const t = new Float64Array(d + 2).fill(Math.log(1));
    t[d] = 0;
    t[d + 1] = o.noise.kind === 'fitted' ? Math.log(0.1) : lower[d + 1];
    best = { hyper: toHyper(t, d, o), theta: t, value: Infinity };
  }
  return best;
}
