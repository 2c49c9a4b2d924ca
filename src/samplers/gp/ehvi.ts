import { erfcxPos } from '../../numeric/special.js';
import { normalCdf } from '../../stats.js';
import { log1mexp, logH } from './acquisition.js';

/**
 * Log expected hypervolume improvement (minimisation) of a point whose objectives are independent Gaussians,
 * exact for any number of objectives:
 *
 * 1. the region a new point can add to the hypervolume (below the reference point, not dominated by the front) is cut
 *    into disjoint boxes [l, u] (`nonDominatedBoxes`: slices along the last objective, each slice the region of the
 *    points below it, one objective fewer; for two objectives the k + 1 boxes of the staircase);
 * 2. the improvement of y is Σ_boxes Π_k (u_k − max(y_k, l_k))₊, and with independent objectives its expectation is
 *    Σ_boxes Π_k σ_k (h(z_u) − h(z_l)), z = (bound − μ)/σ, h(z) = φ(z) + zΦ(z) (Emmerich et al. 2006; Yang et al.
 *    2019 for this box form);
 * 3. everything in log space: log h from the LogEI code (Ament et al. 2023), log(h(z_u) − h(z_l)) by log1mexp (or
 *    log Φ(mid) + log Δz for a box thin against σ), a log-sum-exp over the boxes. Finite wherever the posterior is.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Smallest variance used (the posterior variance at an observed point can be exactly 0). */
const MIN_VAR = 1e-20;
/** Below this relative gap between log h at a box's two bounds, the box is thin against σ: midpoint rule. */
const THIN = 1e-5;

/**
 * Disjoint boxes (minimisation) covering { y < ref : no front point weakly dominates y }: `count` boxes, bounds
 * `count×m` row-major; lower bounds may be −∞.
 */
export interface Boxes {
  readonly m: number;
  readonly count: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** The minimal points of `points` (none weakly dominated by another kept point; duplicates kept once). */
function minimalPoints(points: readonly (readonly number[])[]): (readonly number[])[] {
  const sorted = [...points].sort((a, b) => {
    for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] - b[k];
    return 0;
  });
  const kept: (readonly number[])[] = [];
  for (const p of sorted) {
    // lexicographic order: a point can only be weakly dominated by one before it
    if (!kept.some((q) => q.every((v, k) => v <= p[k]))) kept.push(p);
  }
  return kept;
}

/**
 * Differences between standardised objective values below this are below the objectives' floating-point
 * resolution (1e-9 of their standard deviation) and count as ties (`resolvedFront`).
 */
export const OBJECTIVE_TIE = 1e-9;

/**
 * Indices of the points of `points` (minimisation) that no other point dominates up to `tol`: q is dropped when some
 * p has p_k ≤ q_k + tol in every objective, unless q covers p as well and comes first (of points equal up to `tol`,
 * the first is kept). Floating-point noise thus cannot keep dominated points on the front: on DTLZ2 every input
 * with x0 = 1 gives objectives (~1e-17, ~1e-17, 1 + g), which differ in the 17th digit and were all "non-dominated",
 * so the front held every such corner point however bad its last objective. Dropping a point covered up to `tol`
 * changes the hypervolume by O(tol).
 */
export function resolvedFront(points: readonly (readonly number[])[], tol = OBJECTIVE_TIE): number[] {
  const covers = (p: readonly number[], q: readonly number[]) => p.every((v, k) => v <= q[k] + tol);
  const kept: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const q = points[i];
    let dropped = false;
    for (let j = 0; j < points.length && !dropped; j++) {
      if (j === i || !covers(points[j], q)) continue;
      dropped = !covers(q, points[j]) || j < i;
    }
    if (!dropped) kept.push(i);
  }
  return kept;
}

/**
 * The non-dominated region of `front` below `ref`, as disjoint boxes. Points not strictly below `ref` in every
 * objective are ignored. Two objectives: k + 1 boxes for k front points; three: O(k²) at worst.
 */
export function nonDominatedBoxes(front: readonly (readonly number[])[], ref: readonly number[]): Boxes {
  const m = ref.length;
  const inside = minimalPoints(front.filter((p) => p.length === m && p.every((v, k) => v < ref[k])));
  const lower: number[] = [];
  const upper: number[] = [];
  const lo = new Array<number>(m).fill(-Infinity);
  const hi = [...ref];
  const emit = () => {
    lower.push(...lo);
    upper.push(...hi);
  };
  // Slices of objective `k` (the last one not yet fixed): between consecutive values of the points below it.
  const slice = (points: readonly (readonly number[])[], k: number): void => {
    if (points.length === 0) {
      lo[k] = -Infinity;
      hi[k] = ref[k];
      for (let i = 0; i < k; i++) {
        lo[i] = -Infinity;
        hi[i] = ref[i];
      }
      emit();
      return;
    }
    if (k === 0) {
      let best = Infinity;
      for (const p of points) best = Math.min(best, p[0]);
      lo[0] = -Infinity;
      hi[0] = best;
      emit();
      return;
    }
    const sorted = [...points].sort((a, b) => a[k] - b[k]);
    // below every point: the whole region of the objectives before k
    lo[k] = -Infinity;
    hi[k] = sorted[0][k];
    slice([], k - 1);
    let i = 0;
    while (i < sorted.length) {
      const level = sorted[i][k];
      while (i < sorted.length && sorted[i][k] === level) i++;
      const top = i < sorted.length ? sorted[i][k] : ref[k];
      const below = minimalPoints(sorted.slice(0, i).map((p) => p.slice(0, k)));
      lo[k] = level;
      hi[k] = top;
      slice(below, k - 1);
    }
  };
  slice(inside, m - 1);
  return { m, count: lower.length / m, lower: Float64Array.from(lower), upper: Float64Array.from(upper) };
}

/** log Φ(z), accurate in the left tail (via erfcx). */
export function logNormalCdf(z: number): number {
  if (z > -1) return Math.log(normalCdf(z));
  return Math.log(0.5 * erfcxPos(-z / Math.SQRT2)) - 0.5 * z * z;
}

/** φ(z)/Φ(z), the inverse Mills ratio of the left side, stable in both tails. */
export function millsRatio(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI - logNormalCdf(z));
}

/**
 * A box decomposition prepared for evaluation: per objective, the distinct bounds and, per box, the index of its
 * (lower, upper) pair among that objective's distinct pairs, so that a point costs one log h per distinct bound,
 * one log-difference per distinct pair and one exponential per box.
 */
export class Ehvi {
  readonly m: number;
  readonly count: number;
  /** Per objective: its distinct finite bounds, ascending. */
  private readonly bounds: Float64Array[];
  /** Per objective: pairs as indices into `bounds` (lower −1 for −∞), 2 per pair. */
  private readonly pairs: Int32Array[];
  /** count×m: the pair of each box in each objective. */
  private readonly boxPair: Int32Array;
  // scratch, per objective
  private readonly lh: Float64Array[];
  private readonly z: Float64Array[];
  private readonly logF: Float64Array[];
  private readonly termLog: Float64Array;
  private readonly weight: Float64Array[];

  constructor(boxes: Boxes) {
    const { m, count } = boxes;
    this.m = m;
    this.count = count;
    this.bounds = [];
    this.pairs = [];
    this.boxPair = new Int32Array(count * m);
    for (let k = 0; k < m; k++) {
      const values = new Set<number>();
      for (let j = 0; j < count; j++) {
        const l = boxes.lower[j * m + k];
        if (l !== -Infinity) values.add(l);
        values.add(boxes.upper[j * m + k]);
      }
      const b = Float64Array.from([...values].sort((x, y) => x - y));
      const index = new Map<number, number>();
      b.forEach((v, i) => index.set(v, i));
      const pairIds = new Map<string, number>();
      const pairList: number[] = [];
      for (let j = 0; j < count; j++) {
        const l = boxes.lower[j * m + k];
        const li = l === -Infinity ? -1 : (index.get(l) as number);
        const ui = index.get(boxes.upper[j * m + k]) as number;
        const key = `${li},${ui}`;
        let id = pairIds.get(key);
        if (id === undefined) {
          id = pairList.length / 2;
          pairIds.set(key, id);
          pairList.push(li, ui);
        }
        this.boxPair[j * m + k] = id;
      }
      this.bounds.push(b);
      this.pairs.push(Int32Array.from(pairList));
    }
    this.lh = this.bounds.map((b) => new Float64Array(b.length));
    this.z = this.bounds.map((b) => new Float64Array(b.length));
    this.logF = this.pairs.map((p) => new Float64Array(p.length / 2));
    this.weight = this.pairs.map((p) => new Float64Array(p.length / 2));
    this.termLog = new Float64Array(count);
  }

  /** The decomposition of `front`'s non-dominated region below `ref`. */
  static of(front: readonly (readonly number[])[], ref: readonly number[]): Ehvi {
    return new Ehvi(nonDominatedBoxes(front, ref));
  }

  /**
   * log EHVI at a point with objective means `mean` and variances `variance` (length m). With `dMean`/`dVar` given,
   * fills them with the partial derivatives. −∞ only when there is no box (the front reaches the reference point).
   */
  log(mean: ArrayLike<number>, variance: ArrayLike<number>, dMean?: Float64Array, dVar?: Float64Array): number {
    const { m, count } = this;
    if (count === 0) {
      if (dMean) dMean.fill(0);
      if (dVar) dVar.fill(0);
      return -Infinity;
    }
    const sigma = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const s = Math.sqrt(Math.max(variance[k], MIN_VAR));
      sigma[k] = s;
      const b = this.bounds[k];
      const lh = this.lh[k];
      const z = this.z[k];
      for (let i = 0; i < b.length; i++) {
        z[i] = (b[i] - mean[k]) / s;
        lh[i] = logH(z[i]);
      }
      const p = this.pairs[k];
      const logF = this.logF[k];
      const logSigma = Math.log(s);
      for (let q = 0; q < logF.length; q++) {
        const li = p[2 * q];
        const ui = p[2 * q + 1];
        logF[q] = logSigma + (li < 0 ? lh[ui] : logHDiff(z[li], z[ui], lh[li], lh[ui]));
      }
    }
    const bp = this.boxPair;
    const terms = this.termLog;
    let top = -Infinity;
    for (let j = 0; j < count; j++) {
      let t = 0;
      for (let k = 0; k < m; k++) t += this.logF[k][bp[j * m + k]];
      terms[j] = t;
      if (t > top) top = t;
    }
    if (top === -Infinity) {
      if (dMean) dMean.fill(0);
      if (dVar) dVar.fill(0);
      return -Infinity;
    }
    let sum = 0;
    for (let j = 0; j < count; j++) sum += Math.exp(terms[j] - top);
    const value = top + Math.log(sum);
    if (!dMean || !dVar) return value;
    // d log EHVI = Σ_boxes w_j Σ_k d log F_jk, w_j = the box's share of the EHVI
    for (let k = 0; k < m; k++) this.weight[k].fill(0);
    for (let j = 0; j < count; j++) {
      const w = Math.exp(terms[j] - top) / sum;
      for (let k = 0; k < m; k++) this.weight[k][bp[j * m + k]] += w;
    }
    for (let k = 0; k < m; k++) {
      const p = this.pairs[k];
      const z = this.z[k];
      const logF = this.logF[k];
      const logSigma = Math.log(sigma[k]);
      const w = this.weight[k];
      let gm = 0;
      let gs = 0;
      for (let q = 0; q < w.length; q++) {
        if (w[q] === 0) continue;
        const li = p[2 * q];
        const zu = z[p[2 * q + 1]];
        const logHq = logF[q] - logSigma;
        let a: number; // (Φ(z_u) − Φ(z_l)) / H
        let c: number; // (φ(z_u) − φ(z_l)) / H
        if (li < 0) {
          a = Math.exp(logNormalCdf(zu) - logHq);
          c = Math.exp(-0.5 * zu * zu - LOG_SQRT_2PI - logHq);
        } else {
          const zl = z[li];
          if (isThin(this.lh[k][li], this.lh[k][p[2 * q + 1]])) {
            const mid = 0.5 * (zl + zu);
            const r = millsRatio(mid);
            a = r;
            c = -mid * r;
          } else {
            a =
              zl > 0
                ? Math.exp(logNormalCdf(-zl) - logHq) - Math.exp(logNormalCdf(-zu) - logHq)
                : Math.exp(logNormalCdf(zu) - logHq) - Math.exp(logNormalCdf(zl) - logHq);
            c = Math.exp(-0.5 * zu * zu - LOG_SQRT_2PI - logHq) - Math.exp(-0.5 * zl * zl - LOG_SQRT_2PI - logHq);
          }
        }
        gm += w[q] * a;
        gs += w[q] * c;
      }
      // d log F/dμ = −a/σ; d log F/dσ = c/σ; dσ/dv = 1/(2σ)
      dMean[k] = -gm / sigma[k];
      dVar[k] = variance[k] > MIN_VAR ? gs / (2 * sigma[k] * sigma[k]) : 0;
    }
    return value;
  }
}

function isThin(lhl: number, lhu: number): boolean {
  return lhl - lhu > -THIN * Math.max(1, Math.abs(lhu));
}

/** log(h(z_u) − h(z_l)) for z_l < z_u, from log h at both. */
function logHDiff(zl: number, zu: number, lhl: number, lhu: number): number {
  if (!(zu > zl)) return -Infinity;
  // h(z_u) − h(z_l) = ∫ Φ over [z_l, z_u] ≈ Φ(mid)·Δz when the box is thin against σ (error ~ Δz²z²/24, relative)
  if (isThin(lhl, lhu)) return logNormalCdf(0.5 * (zl + zu)) + Math.log(zu - zl);
  return lhu + log1mexp(lhl - lhu);
}

/**
 * The reference point Optuna's GPSampler takes (in the standardised, minimised objectives): each objective's worst
 * observed value pushed outwards by 10% (max(1.1·w, 0.9·w)), then one ulp further, so that the worst point still
 * bounds a box of positive volume; 1e-12 where that is 0.
 */
export function referencePoint(points: readonly (readonly number[])[], m: number): number[] {
  const ref: number[] = [];
  for (let k = 0; k < m; k++) {
    let worst = -Infinity;
    for (const p of points) worst = Math.max(worst, p[k]);
    if (worst === -Infinity) worst = 0;
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? 1e-12 : nextUp(r));
  }
  return ref;
}

function nextUp(x: number): number {
  const b = new Float64Array([x]);
  const i = new BigInt64Array(b.buffer);
  i[0] += x >= 0 ? 1n : -1n;
  return b[0];
}
