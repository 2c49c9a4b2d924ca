import { normalQuantile } from '../../stats.js';

/**
 * Monotone output warpings applied before standardization (outputs oriented for minimisation), so heavy
 * right tails (e.g. Rosenbrock, where a few huge values flatten everything else to one level) don't
 * dominate the GP:
 * - 'log': w(y) = log(y − min + δ), δ = max(q₁₀ − min, 1e-12·scale): linear near the best values, compressed far away;
 * - 'rank': the Gaussian copula w(y) = Φ⁻¹((rank + ½)/n) (Salinas et al. 2020), ties averaged;
 * - 'auto': 'log' when the sample skewness exceeds AUTO_SKEW (a long tail of bad values), else none.
 */
export type OutputWarping = 'none' | 'log' | 'rank' | 'auto';

export const AUTO_SKEW = 1;

export function warpOutputs(y: Float64Array, kind: OutputWarping): Float64Array {
  const n = y.length;
  if (n < 3 || kind === 'none') return y;
  if (kind === 'rank') return rankWarp(y);
  if (kind === 'auto' && !(skewness(y) > AUTO_SKEW)) return y;
  const sorted = Float64Array.from(y).sort();
  const min = sorted[0];
  const q10 = sorted[Math.floor(0.1 * (n - 1))];
  const scale = Math.max(Math.abs(min), sorted[n - 1] - min, 1e-300);
  const delta = Math.max(q10 - min, 1e-12 * scale);
  return y.map((v) => Math.log(v - min + delta));
}

export function skewness(y: ArrayLike<number>): number {
  const n = y.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i];
  m /= n;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i] - m;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 ? m3 / m2 ** 1.5 : 0;
}

function rankWarp(y: Float64Array): Float64Array {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => y[a] - y[b]);
  const out = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && y[order[j + 1]] === y[order[i]]) j++;
    const q = normalQuantile(((i + j) / 2 + 0.5) / n);
    for (let k = i; k <= j; k++) out[order[k]] = q;
    i = j + 1;
  }
  return out;
}
