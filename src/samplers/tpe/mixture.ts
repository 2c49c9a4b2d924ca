import type { MixtureSpec } from '../../numeric/core.js';
import type { Rng } from '../../rng.js';
import { normalCdf, normalQuantile } from '../../stats.js';
import { forgettingWeights, type ResolvedTpeOptions } from './options.js';
import type { CategoricalModelDim, NumericModelDim } from './model-dims.js';

/**
 * A Parzen estimator over a group of parameters: K components, each a product of truncated normals over
 * the dn numeric dims and categorical distributions over the dc categorical dims (the core's MixtureSpec,
 * with the shapes kept alongside for sampling).
 */
export interface Mixture extends MixtureSpec {
  readonly k: number;
  readonly dn: number;
  readonly dc: number;
  readonly weights: Float64Array;
  /** k × dn */
  readonly mus: Float64Array;
  /** k × dn */
  readonly sigmas: Float64Array;
  readonly low: Float64Array;
  readonly high: Float64Array;
  /** dn: > 0 marks an interval (quantised or integer) dim. */
  readonly q: Float64Array;
  /** sizes dc; probs k × Σsizes (each component's vectors concatenated). */
  readonly categorical?: { sizes: Int32Array; probs: Float64Array };
}

/** Observations of a group in trial order: n rows of numeric model values and category indices, plus one spare row. */
export interface Observations {
  readonly n: number;
  /** (n + 1) × dn; the last row is free. */
  readonly numeric: Float64Array;
  /** (n + 1) × dc; the last row is free. */
  readonly categories: Int32Array;
}

/** Per numeric dim: bounds in model space and q (> 0 marks an interval dim), as a mixture holds them. */
export interface MixtureBounds {
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly q: Float64Array;
}

export function boundsOf(numeric: readonly NumericModelDim[]): MixtureBounds {
  return {
    low: Float64Array.from(numeric, (m) => m.low),
    high: Float64Array.from(numeric, (m) => m.high),
    q: Float64Array.from(numeric, (m) => (m.interval ? 1 : 0)),
  };
}

/**
 * hyperopt's adaptive Parzen estimator for one numeric dim (Bergstra et al. 2011; hyperopt `adaptive_parzen_normal`):
 * one component per observation plus the prior; each observation's sigma is the larger gap to its sorted neighbours,
 * clipped to [σ_prior / min(100, 1 + K), σ_prior] (see `magicClip`); `observed` counts the parameter's observations in both groups; weights from linear forgetting in trial order (or `observationWeights`, one per value), the prior's `priorWeight`.
 */
export function adaptiveParzen(
  m: NumericModelDim,
  values: Float64Array,
  o: ResolvedTpeOptions,
  observed = values.length,
  bounds: MixtureBounds = boundsOf([m]),
  observationWeights?: Float64Array,
): Mixture {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const lf = observationWeights ?? forgettingWeights(n, o.linearForgetting);
  const k = n + 1;
  const mus = new Float64Array(k);
  const weights = new Float64Array(k);
  // insert the prior mean into the sorted observations
  let priorPos = 0;
  while (priorPos < n && values[order[priorPos]] < m.priorMu) priorPos++;
  for (let i = 0, j = 0; i < k; i++) {
    if (i === priorPos) {
      mus[i] = m.priorMu;
      weights[i] = o.priorWeight;
    } else {
      mus[i] = values[order[j]];
      weights[i] = lf[order[j]];
      j++;
    }
  }
  const sigmas = new Float64Array(k);
  // Neighbour gaps over the sorted means, the prior's included (hyperopt and Optuna 3 alike). They differ for a
  // lone observation: hyperopt gives it half the prior's sigma, Optuna the gap to the prior's mean.
  if (n === 1 && o.bandwidth === 'hyperopt') {
    sigmas[priorPos] = m.priorSigma;
    sigmas[1 - priorPos] = 0.5 * m.priorSigma;
  } else if (n >= 1) {
    for (let i = 1; i < k - 1; i++) sigmas[i] = Math.max(mus[i] - mus[i - 1], mus[i + 1] - mus[i]);
    sigmas[0] = mus[1] - mus[0];
    sigmas[k - 1] = mus[k - 1] - mus[k - 2];
  }
  const minSigma = m.priorSigma / Math.min(o.magicClip, 1 + (o.magicClipCounts === 'trials' ? Math.max(k, observed + 1) : k));
  for (let i = 0; i < k; i++) sigmas[i] = Math.min(m.priorSigma, Math.max(minSigma, sigmas[i]));
  sigmas[priorPos] = m.priorSigma;
  normalise(weights);
  return { k, dn: 1, dc: 0, weights, mus, sigmas, ...bounds };
}

/** hyperopt's categorical posterior: forgetting-weighted (or `observationWeights`-weighted) counts plus prior pseudo-counts, as one component. */
export function categoricalPosterior(
  m: CategoricalModelDim,
  indices: Int32Array,
  o: ResolvedTpeOptions,
  observationWeights?: Float64Array,
): Mixture {
  const lf = observationWeights ?? forgettingWeights(indices.length, o.linearForgetting);
  const probs = new Float64Array(m.size);
  for (let i = 0; i < indices.length; i++) probs[indices[i]] += lf[i];
  for (let c = 0; c < m.size; c++) probs[c] += m.flatPrior ? o.priorWeight : o.priorWeight * m.size * m.prior[c];
  normalise(probs);
  return {
    k: 1,
    dn: 0,
    dc: 1,
    weights: Float64Array.of(1),
    mus: new Float64Array(0),
    sigmas: new Float64Array(0),
    low: new Float64Array(0),
    high: new Float64Array(0),
    q: new Float64Array(0),
    categorical: { sizes: Int32Array.of(m.size), probs },
  };
}

/**
 * Multivariate Parzen estimator over a group (Falkner et al. 2018 / Optuna's multivariate TPE): one product component
 * per observation with bandwidth 0.2·n^(−1/(d+4))·range per numeric dim, categorical kernels that put mass 1 on the
 * observed category plus priorWeight/(n+1) spread by the prior, and a prior component. The component means are
 * `obs.numeric` itself (its spare row takes the prior's); `bounds`: the numeric dims' (see boundsOf).
 */
export function multivariateParzen(
  numeric: readonly NumericModelDim[],
  categorical: readonly CategoricalModelDim[],
  obs: Observations,
  o: ResolvedTpeOptions,
  bounds: MixtureBounds = boundsOf(numeric),
): Mixture {
  const { n } = obs;
  const dn = numeric.length;
  const dc = categorical.length;
  const k = n + 1;
  const weights = forgettingWeights(n, o.linearForgetting, new Float64Array(k));
  weights[n] = o.priorWeight;
  normalise(weights);
  const scale = o.bandwidthFactor * Math.max(n, 1) ** (-1 / (dn + dc + 4));
  // the observations are the component means; their spare row takes the prior's
  const mus = obs.numeric;
  const sigmas = new Float64Array(k * dn);
  for (let j = 0; j < dn; j++) {
    const m = numeric[j];
    const range = Number.isFinite(m.high - m.low) ? m.high - m.low : m.priorSigma;
    sigmas[j] = scale * range;
    mus[n * dn + j] = m.priorMu;
    sigmas[n * dn + j] = m.priorSigma;
  }
  // every observation shares the first row's bandwidths
  // (doubling copies: log2(n) calls)
  for (let rows = 1; rows < n;) {
    const c = Math.min(rows, n - rows);
    sigmas.copyWithin(rows * dn, 0, c * dn);
    rows += c;
  }
  let width = 0;
  const offsets = categorical.map((m) => ((width += m.size), width - m.size));
  const probs = new Float64Array(k * width);
  for (let c = 0; c < dc; c++) {
    const m = categorical[c];
    const fill = o.priorWeight / (n + 1);
    for (let i = 0; i < k; i++) {
      const row = i * width + offsets[c];
      for (let v = 0; v < m.size; v++) probs[row + v] = i === n ? m.prior[v] : fill * m.size * m.prior[v];
      if (i < n) {
        probs[row + obs.categories[i * dc + c]] += 1;
        let s = 0;
        for (let v = 0; v < m.size; v++) s += probs[row + v];
        for (let v = 0; v < m.size; v++) probs[row + v] /= s;
      }
    }
  }
  return {
    k,
    dn,
    dc,
    weights,
    mus,
    sigmas,
    ...bounds,
    ...(dc > 0 ? { categorical: { sizes: Int32Array.from(categorical, (m) => m.size), probs } } : {}),
  };
}

/** Draws one point from a mixture into `numericOut` (dn model values) and `catOut` (dc indices). */
export function sampleMixture(mix: Mixture, rng: Rng, numericOut: Float64Array, catOut: Int32Array): void {
  const c = rng.categorical(mix.weights);
  for (let j = 0; j < mix.dn; j++) {
    numericOut[j] = truncatedNormal(rng, mix.mus[c * mix.dn + j], mix.sigmas[c * mix.dn + j], mix.low[j], mix.high[j]);
  }
  if (mix.dc > 0 && mix.categorical) {
    const { sizes, probs } = mix.categorical;
    let width = 0;
    for (let j = 0; j < mix.dc; j++) width += sizes[j];
    let off = c * width;
    for (let j = 0; j < mix.dc; j++) {
      catOut[j] = rng.categorical(probs.subarray(off, off + sizes[j]));
      off += sizes[j];
    }
  }
}

/** Rejections tried before sampling a truncated normal by inverse CDF (most components sit well inside their box). */
const REJECTION_TRIES = 4;

/** N(mu, sigma²) truncated to [low, high]: by rejection, else by inverse CDF on the side of the mean where the CDF is accurate. */
export function truncatedNormal(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  for (let t = 0; t < REJECTION_TRIES; t++) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
  let a = (low - mu) / sigma;
  let b = (high - mu) / sigma;
  const flip = a > 0;
  if (flip) [a, b] = [-b, -a];
  const pa = normalCdf(a);
  const pb = normalCdf(b);
  let z = pb > pa ? normalQuantile(pa + rng.uniform() * (pb - pa)) : (a + b) / 2;
  if (!Number.isFinite(z)) z = Number.isFinite(a) ? a : b;
  if (flip) z = -z;
  return Math.min(high, Math.max(low, mu + sigma * z));
}

function normalise(w: Float64Array): void {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  for (let i = 0; i < w.length; i++) w[i] /= s;
}
