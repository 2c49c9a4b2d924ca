import type { Score } from './search.js';
import type { Surrogate } from './model.js';

/**
 * An acquisition as a function of the GP inputs: what `maximizeAcquisition` maximises. One surrogate with a score
 * of its posterior (`scoreField`), or several surrogates (objectives, constraints) with a joint score (`jointField`).
 */
export interface Field {
  /** The acquisition at m points x (m×d row-major), in one posterior call per surrogate. */
  values(x: Float64Array, m: number): Float64Array;
  /** The acquisition at one point x (length d) and its gradient with respect to x (into g, length d). */
  gradient(x: Float64Array, g: Float64Array): number;
}

/** One surrogate, scored by a function of its posterior mean and variance. */
export function scoreField(model: Surrogate, score: Score): Field {
  return {
    values(x, m) {
      const post = model.predict(x, m);
      const out = new Float64Array(m);
      for (let i = 0; i < m; i++) out[i] = score(post.mean[i], post.variance[i]).value;
      return out;
    },
    gradient(x, g) {
      const p = model.predict(x, 1, true);
      const a = score(p.mean[0], p.variance[0]);
      const mg = p.meanGrad as Float64Array;
      const vg = p.varianceGrad as Float64Array;
      for (let j = 0; j < g.length; j++) g[j] = a.dMean * mg[j] + a.dVar * vg[j];
      return a.value;
    },
  };
}

/**
 * A score of several posteriors at once: means and variances (one per surrogate) to a value; with dMean and dVar
 * given, fills them with its partial derivatives.
 */
export type JointScore = (mean: Float64Array, variance: Float64Array, dMean?: Float64Array, dVar?: Float64Array) => number;

/** Several surrogates on the same inputs, scored jointly. */
export function jointField(models: readonly Surrogate[], score: JointScore): Field {
  const k = models.length;
  const mean = new Float64Array(k);
  const variance = new Float64Array(k);
  const dMean = new Float64Array(k);
  const dVar = new Float64Array(k);
  return {
    values(x, m) {
      const posts = models.map((model) => model.predict(x, m));
      const out = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        for (let o = 0; o < k; o++) {
          mean[o] = posts[o].mean[i];
          variance[o] = posts[o].variance[i];
        }
        out[i] = score(mean, variance);
      }
      return out;
    },
    gradient(x, g) {
      const posts = models.map((model) => model.predict(x, 1, true));
      for (let o = 0; o < k; o++) {
        mean[o] = posts[o].mean[0];
        variance[o] = posts[o].variance[0];
      }
      const value = score(mean, variance, dMean, dVar);
      g.fill(0);
      for (let o = 0; o < k; o++) {
        const mg = posts[o].meanGrad as Float64Array;
        const vg = posts[o].varianceGrad as Float64Array;
        for (let j = 0; j < g.length; j++) g[j] += dMean[o] * mg[j] + dVar[o] * vg[j];
      }
      return value;
    },
  };
}
