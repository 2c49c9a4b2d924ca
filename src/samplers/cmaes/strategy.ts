import { normalCdf, normalQuantile } from '../../stats.js';
import { core } from '../../numeric/core.js';

/**
 * A discrete coordinate for CMA-ES with margin (Hamano et al., 2022, "CMA-ES with Margin: Lower-Bounding
 * Marginal Probability for Mixed-Integer Black-Box Optimization"): `lim` are the sorted thresholds between
 * consecutive values in the unit encoding (k values → k − 1 thresholds).
 */
export interface DiscreteCoord {
  readonly index: number;
  readonly lim: Float64Array;
}

/** Strategy parameters of CMA-ES, following Hansen (2016), "The CMA Evolution Strategy: A Tutorial", Table 1. */
export interface Constants {
  readonly n: number;
  readonly lambda: number;
  readonly mu: number;
  /** λ recombination weights, best first; negative ones (active CMA) only in the full-covariance variant. */
  readonly weights: Float64Array;
  readonly sumWeights: number;
  readonly muEff: number;
  readonly cSigma: number;
  readonly dSigma: number;
  readonly cc: number;
  readonly c1: number;
  readonly cmu: number;
  /** E‖N(0, I)‖. */
  readonly chiN: number;
  /** Diagonal covariance (sep-CMA-ES, Ros & Hansen 2008). */
  readonly separable: boolean;
  /** Generations between eigendecompositions (Hansen's lazy update: λ / ((c1 + cμ) n 10) evaluations). */
  readonly eigenEvery: number;
  /** 1 where the coordinate is continuous and bounded to [0, 1] (the rest are discrete, with margin). */
  readonly mirrored: Uint8Array;
  readonly discrete: readonly DiscreteCoord[];
  /** Margin α of CMA-ES with margin (default 1 / (n λ)). */
  readonly margin: number;
}

export function constants(
  n: number,
  lambda: number,
  separable: boolean,
  mirrored: Uint8Array,
  discrete: readonly DiscreteCoord[],
  margin?: number,
): Constants {
  const mu = Math.floor(lambda / 2);
  const raw = new Float64Array(lambda);
  for (let i = 0; i < lambda; i++) raw[i] = Math.log((lambda + 1) / 2) - Math.log(i + 1);
  let sumPos = 0,
    sumPos2 = 0,
    sumNeg = 0,
    sumNeg2 = 0;
  for (let i = 0; i < lambda; i++) {
    if (raw[i] > 0) {
      sumPos += raw[i];
      sumPos2 += raw[i] * raw[i];
    } else {
      sumNeg -= raw[i];
      sumNeg2 += raw[i] * raw[i];
    }
  }
  const muEff = (sumPos * sumPos) / sumPos2;
  const muEffNeg = sumNeg2 > 0 ? (sumNeg * sumNeg) / sumNeg2 : 0;
  const cSigma = (muEff + 2) / (n + muEff + 5);
  const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  const alphaCov = 2;
  let c1 = alphaCov / ((n + 1.3) ** 2 + muEff);
  let cmu = Math.min(1 - c1, (alphaCov * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + (alphaCov * muEff) / 2));
  if (separable) {
    // Ros & Hansen (2008): a diagonal covariance learns (n + 2) / 3 times faster.
    const f = (n + 2) / 3;
    c1 = Math.min(c1 * f, 0.5);
    cmu = Math.min(1 - c1, cmu * f);
  }
  const weights = new Float64Array(lambda);
  // Negative weights (active CMA), scaled as in the tutorial so C stays positive definite.
  const alphaMuNeg = 1 + c1 / cmu;
  const alphaMuEffNeg = 1 + (2 * muEffNeg) / (muEff + 2);
  const alphaPosDefNeg = (1 - c1 - cmu) / (n * cmu);
  const negScale = Math.min(alphaMuNeg, alphaMuEffNeg, alphaPosDefNeg) / (sumNeg || 1);
  let sumWeights = 0;
  for (let i = 0; i < lambda; i++) {
    weights[i] = raw[i] >= 0 ? raw[i] / sumPos : separable ? 0 : raw[i] * negScale;
    sumWeights += weights[i];
  }
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  const eigenEvery = Math.max(1, Math.floor(1 / ((c1 + cmu) * n * 10)));
  return {
    n,
    lambda,
    mu,
    weights,
    sumWeights,
    muEff,
    cSigma,
    dSigma,
    cc,
    c1,
    cmu,
    chiN,
    separable,
    eigenEvery,
    mirrored,
    discrete,
    margin: margin ?? 1 / (n * lambda),
  };
}

/** Reflects x into [0, 1] (x → −x, x → 2 − x, periodically). */
export function mirror(x: number): number {
  if (x >= 0 && x <= 1) return x;
  let r = x % 2;
  if (r < 0) r += 2;
  return r > 1 ? 2 - r : r;
}

/** The distribution after g generations: mean, step size, covariance, evolution paths, eigen factors, margin scaling A. */
export class State {
  constructor(
    readonly k: Constants,
    readonly mean: Float64Array,
    readonly sigma: number,
    /** n×n row-major, or the diagonal (n) when separable. */
    readonly C: Float64Array,
    readonly pc: Float64Array,
    readonly ps: Float64Array,
    /** Eigenvectors of C as columns (n×n), null when separable (B = I). */
    readonly B: Float64Array | null,
    /** Square roots of the eigenvalues of C. */
    readonly D: Float64Array,
    /** Completed updates. */
    readonly gen: number,
    readonly eigenGen: number,
    /** Per-coordinate scaling of discrete coordinates (margin); 1 elsewhere. */
    readonly A: Float64Array,
    /** Best value of each recent generation, for the tolfun criterion. */
    readonly history: readonly number[],
  ) {}

  static initial(k: Constants, mean: Float64Array, sigma: number): State {
    const n = k.n;
    const C = new Float64Array(k.separable ? n : n * n);
    const B = k.separable ? null : new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      if (k.separable) C[i] = 1;
      else {
        C[i * n + i] = 1;
        B![i * n + i] = 1;
      }
    }
    return new State(
      k,
      Float64Array.from(mean),
      sigma,
      C,
      new Float64Array(n),
      new Float64Array(n),
      B,
      new Float64Array(n).fill(1),
      0,
      0,
      new Float64Array(n).fill(1),
      [],
    );
  }

  /** y = B D z: a step of the search distribution N(0, C) from a standard normal z. */
  step(z: Float64Array, out = new Float64Array(this.k.n)): Float64Array {
    const { n } = this.k;
    const { B, D } = this;
    if (!B) {
      for (let i = 0; i < n; i++) out[i] = D[i] * z[i];
      return out;
    }
    out.fill(0);
    for (let j = 0; j < n; j++) {
      const dz = D[j] * z[j];
      if (dz === 0) continue;
      for (let i = 0; i < n; i++) out[i] += B[i * n + j] * dz;
    }
    return out;
  }

  /** C^{-1/2} y = B D⁻¹ Bᵀ y. */
  whiten(y: ArrayLike<number>, out = new Float64Array(this.k.n)): Float64Array {
    const { n } = this.k;
    const { B, D } = this;
    if (!B) {
      for (let i = 0; i < n; i++) out[i] = y[i] / D[i];
      return out;
    }
    const t = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += B[i * n + j] * y[i];
      t[j] = s / D[j];
    }
    out.fill(0);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[i] += B[i * n + j] * t[j];
    return out;
  }

  /** Diagonal element C_ii. */
  cii(i: number): number {
    return this.k.separable ? this.C[i] : this.C[i * this.k.n + i];
  }

  /**
   * One generation's update from the λ steps `ys` (y = (x − m) / σ, best first) and their values (best first),
   * as in the tutorial: weighted recombination, cumulative step-size adaptation, rank-one and rank-μ updates
   * with h_σ stall, then the margin correction of discrete coordinates.
   */
  update(ys: readonly Float64Array[], values: readonly number[]): State {
    const k = this.k;
    const { n, lambda, mu, weights, muEff, cSigma, dSigma, cc, c1, cmu, chiN } = k;
    const yw = new Float64Array(n);
    for (let i = 0; i < mu; i++) for (let j = 0; j < n; j++) yw[j] += weights[i] * ys[i][j];
    const mean = new Float64Array(n);
    for (let j = 0; j < n; j++) mean[j] = this.mean[j] + this.sigma * yw[j];
    const wyw = this.whiten(yw);
    const ps = new Float64Array(n);
    const fs = Math.sqrt(cSigma * (2 - cSigma) * muEff);
    let psNorm2 = 0;
    for (let j = 0; j < n; j++) {
      ps[j] = (1 - cSigma) * this.ps[j] + fs * wyw[j];
      psNorm2 += ps[j] * ps[j];
    }
    const psNorm = Math.sqrt(psNorm2);
    const g = this.gen + 1;
    const hSigma = psNorm / Math.sqrt(1 - (1 - cSigma) ** (2 * g)) < (1.4 + 2 / (n + 1)) * chiN ? 1 : 0;
    const pc = new Float64Array(n);
    const fc = hSigma * Math.sqrt(cc * (2 - cc) * muEff);
    for (let j = 0; j < n; j++) pc[j] = (1 - cc) * this.pc[j] + fc * yw[j];
    // Weights for the rank-μ update; negative ones rescaled by n / ‖C^{-1/2} y‖² (tutorial eq. 46).
    const wo = new Float64Array(lambda);
    for (let i = 0; i < lambda; i++) {
      if (weights[i] >= 0) wo[i] = weights[i];
      else {
        const w = this.whiten(ys[i]);
        let s = 0;
        for (let j = 0; j < n; j++) s += w[j] * w[j];
        wo[i] = s > 0 ? (weights[i] * n) / s : 0;
      }
    }
    const delta = (1 - hSigma) * cc * (2 - cc);
    const decay = 1 + c1 * delta - c1 - cmu * k.sumWeights;
    const C = new Float64Array(this.C.length);
    if (k.separable) {
      for (let j = 0; j < n; j++) {
        let r = 0;
        for (let i = 0; i < lambda; i++) if (wo[i] !== 0) r += wo[i] * ys[i][j] * ys[i][j];
        C[j] = Math.max(1e-300, decay * this.C[j] + c1 * pc[j] * pc[j] + cmu * r);
      }
    } else {
      for (let a = 0; a < n; a++) {
        for (let b = 0; b <= a; b++) {
          let r = 0;
          for (let i = 0; i < lambda; i++) if (wo[i] !== 0) r += wo[i] * ys[i][a] * ys[i][b];
          const v = decay * this.C[a * n + b] + c1 * pc[a] * pc[b] + cmu * r;
          C[a * n + b] = v;
          C[b * n + a] = v;
        }
      }
    }
    const sigma = this.sigma * Math.exp(Math.min(1, (cSigma / dSigma) * (psNorm / chiN - 1)));
    let B = this.B;
    let D = this.D;
    let eigenGen = this.eigenGen;
    if (k.separable) {
      D = new Float64Array(n);
      for (let j = 0; j < n; j++) D[j] = Math.sqrt(C[j]);
    } else if (g - eigenGen >= k.eigenEvery) {
      const e = core().symmetricEigen(C, n);
      B = e.vectors;
      D = new Float64Array(n);
      for (let j = 0; j < n; j++) D[j] = Math.sqrt(Math.max(e.values[j], 1e-300));
      eigenGen = g;
    } else if (B) B = Float64Array.from(B);
    const best = values[0];
    const history = [...this.history, best].slice(-(10 + Math.ceil((30 * n) / lambda)));
    const next = new State(k, mean, sigma, C, pc, ps, B, D, g, eigenGen, Float64Array.from(this.A), history);
    next.applyMargin();
    return next;
  }

  /** Margin correction (Hamano et al. 2022, Alg. 1): keeps every discrete coordinate's marginal probability of leaving the mean's value ≥ α/2. */
  private applyMargin(): void {
    const { margin: alpha } = this.k;
    const { mean, A, sigma } = this;
    for (const { index: j, lim } of this.k.discrete) {
      if (lim.length === 0) continue;
      const m = mean[j];
      const pos = searchSorted(lim, m);
      const low = lim[Math.min(Math.max(pos - 1, 0), lim.length - 1)];
      const up = lim[Math.min(Math.max(pos, 0), lim.length - 1)];
      const sd = Math.sqrt(this.cii(j));
      const scale = sigma * A[j] * sd;
      if (!(scale > 0)) continue;
      const lowCdf = normalCdf((low - m) / scale);
      const upCdf = 1 - normalCdf((up - m) / scale);
      const midCdf = 1 - lowCdf - upCdf;
      if (Math.max(lowCdf, upCdf) > 0.5 || low === up) {
        // The mean is beyond the outermost threshold: pull it back so the inner value keeps probability ≥ α.
        if (Math.min(lowCdf, upCdf) < alpha) {
          const sign = Math.sign(m - up) || 1;
          mean[j] = up + sign * sigma * A[j] * sd * normalQuantile(1 - alpha);
        }
        continue;
      }
      const l = Math.max(lowCdf, alpha / 2);
      const u = Math.max(upCdf, alpha / 2);
      const rest = 1 - l - u - midCdf;
      const denom = l + midCdf + u - (3 * alpha) / 2;
      const ml = clamp(l + (rest * (l - alpha / 2)) / denom, 1e-10, 0.5 - 1e-10);
      const mu = clamp(u + (rest * (u - alpha / 2)) / denom, 1e-10, 0.5 - 1e-10);
      const chiLow = normalQuantile(1 - ml);
      const chiUp = normalQuantile(1 - mu);
      A[j] = (up - low) / ((chiLow + chiUp) * sigma * sd);
      mean[j] = (low * chiUp + up * chiLow) / (chiLow + chiUp);
    }
  }

  /**
   * Stagnation (Hansen's termination criteria, used to trigger an IPOP restart): tolfun (recent best values and
   * this generation's values within 1e-12), tolx (σ·max(|p_c|, √C_ii) < 1e-12 everywhere), no effect of a 0.1σ
   * step along an axis or 0.2σ in a coordinate, condition number of C above 1e14.
   */
  stagnated(values: readonly number[]): boolean {
    const { n, lambda } = this.k;
    const histLen = 10 + Math.ceil((30 * n) / lambda);
    const range = (v: readonly number[]) => Math.max(...v) - Math.min(...v);
    if (this.history.length >= histLen && range([...this.history, ...values]) < 1e-12) return true;
    let tolx = true;
    for (let i = 0; i < n; i++) if (this.sigma * Math.max(Math.abs(this.pc[i]), Math.sqrt(this.cii(i))) >= 1e-12) tolx = false;
    if (tolx) return true;
    const { mean, sigma, D, B } = this;
    const axis = this.gen % n;
    let axisEffect = false;
    for (let i = 0; i < n; i++) {
      const b = B ? B[i * n + axis] : i === axis ? 1 : 0;
      if (mean[i] !== mean[i] + 0.1 * sigma * D[axis] * b) axisEffect = true;
    }
    if (!axisEffect) return true;
    for (let i = 0; i < n; i++) if (mean[i] === mean[i] + 0.2 * sigma * Math.sqrt(this.cii(i))) return true;
    let dmax = 0,
      dmin = Infinity;
    for (const d of D) {
      dmax = Math.max(dmax, d);
      dmin = Math.min(dmin, d);
    }
    return (dmax * dmax) / (dmin * dmin) > 1e14;
  }
}

/** Index of the first element of sorted `a` that is ≥ v (numpy's searchsorted, side 'left'). */
export function searchSorted(a: ArrayLike<number>, v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
