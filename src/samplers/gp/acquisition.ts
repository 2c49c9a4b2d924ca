import { erfcxPos } from '../../numeric/special.js';
import { normalCdf } from '../../stats.js';

/**
 * Acquisition functions for minimisation, written as scores to maximise, each with its partial
 * derivatives with respect to the posterior mean and variance (chained with the core's dμ/dx, dσ²/dx).
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const HALF_LOG_PI_OVER_2 = 0.5 * Math.log(Math.PI / 2);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Below −1/√ε the asymptotic expansion of log h is exact to double precision. */
const ASYMPTOTIC_Z = -1 / Math.sqrt(Number.EPSILON);

/** log(1 − e^a) for a < 0, accurate on both sides of −ln 2 (Mächler 2012). */
export function log1mexp(a: number): number {
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

/**
 * log h(z) with h(z) = φ(z) + zΦ(z) (so that EI = σ h((best − μ)/σ)), computed as in Ament et al. 2023,
 * "Unexpected Improvements to Expected Improvement for Bayesian Optimization", eq. (9): directly for
 * z > −1; via erfcx and log1mexp for −1/√ε < z ≤ −1; by the asymptote −z²/2 − log√(2π) − 2 log|z| below.
 * Finite for every finite z (naive log(EI) is −∞ from z ≈ −38 on).
 */
export function logH(z: number): number {
  if (z > -1) return Math.log(INV_SQRT_2PI * Math.exp(-0.5 * z * z) + z * normalCdf(z));
  if (z > ASYMPTOTIC_Z) {
    return -0.5 * z * z - LOG_SQRT_2PI + log1mexp(Math.log(erfcxPos(-z / Math.SQRT2) * -z) + HALF_LOG_PI_OVER_2);
  }
  return -0.5 * z * z - LOG_SQRT_2PI - 2 * Math.log(-z);
}

/** d log h / dz = Φ(z) / h(z), stable in the far left tail (where it tends to −z). */
export function dLogH(z: number, logh: number = logH(z)): number {
  if (z > -1) return normalCdf(z) / Math.exp(logh);
  if (z > ASYMPTOTIC_Z) {
    const logPhi = Math.log(0.5 * erfcxPos(-z / Math.SQRT2)) - 0.5 * z * z; // log Φ(z) via erfcx
    return Math.exp(logPhi - logh);
  }
  return -z;
}

/** Value of an acquisition at one point and its partial derivatives. */
export interface Acq {
  value: number;
  dMean: number;
  dVar: number;
}

/** Smallest variance used (the posterior variance at an observed point can be exactly 0). */
const MIN_VAR = 1e-20;

/**
 * log EI for minimisation with incumbent `best`: log E[max(best − f, 0)], f ~ N(mean, variance),
 * = log h(z) + log σ with z = (best − mean)/σ (Ament et al. 2023).
 */
export function logEI(mean: number, variance: number, best: number): Acq {
  const v = Math.max(variance, MIN_VAR);
  const sigma = Math.sqrt(v);
  const z = (best - mean) / sigma;
  const lh = logH(z);
  const r = dLogH(z, lh);
  // dz/dμ = −1/σ; dz/dσ = −z/σ; dσ/dv = 1/(2σ)
  return { value: lh + Math.log(sigma), dMean: -r / sigma, dVar: variance > MIN_VAR ? (1 - r * z) / (2 * v) : 0 };
}

/** Lower confidence bound, negated to a score: −(μ − √β σ) (Srinivas et al. 2010, GP-UCB). */
export function ucb(mean: number, variance: number, beta: number): Acq {
  const v = Math.max(variance, MIN_VAR);
  const sigma = Math.sqrt(v);
  const k = Math.sqrt(beta);
  return { value: k * sigma - mean, dMean: -1, dVar: variance > MIN_VAR ? k / (2 * sigma) : 0 };
}
