/** Statistical helpers for tests: critical values at a fixed significance so seeded tests are meaningful. */

/** Kolmogorov–Smirnov statistic of `samples` against the CDF `cdf`. */
export function ksStatistic(samples: readonly number[], cdf: (x: number) => number): number {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/** KS critical value at significance alpha (asymptotic): reject when D exceeds it. */
export function ksCritical(n: number, alpha = 0.001): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) / Math.sqrt(n);
}

/** Pearson chi-square statistic of observed counts against expected probabilities. */
export function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - n * probs[i]) ** 2 / (n * probs[i]), 0);
}

/** Chi-square critical value at alpha = 0.001 for k − 1 degrees of freedom (Wilson–Hilferty approximation). */
export function chiSquareCritical(df: number): number {
  const z = 3.090232306167813; // Φ⁻¹(0.999)
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/**
 * One-sided sign test: probability of at least `wins` successes in `n` fair coin flips.
 * Use it to compare two samplers seed by seed.
 */
export function signTestP(wins: number, n: number): number {
  let p = 0;
  for (let k = wins; k <= n; k++) p += binom(n, k) / 2 ** n;
  return p;
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}
