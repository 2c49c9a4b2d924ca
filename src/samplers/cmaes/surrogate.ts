/**
 * The linear-quadratic surrogate of lq-CMA-ES (Hansen 2019, "A Global Surrogate Assisted CMA-ES", GECCO):
 * a weighted least-squares fit of f over the most recent evaluations, linear at first, then with a diagonal
 * quadratic part once the data allow (0.75 N ≥ 1.1 (2n + 1)), then full quadratic (0.75 N ≥ 1.1 (n(n + 3)/2 + 1)).
 * The best max(df + 2, 0.75 (N + 1)) points are used, weighted linearly from 20 (best) down to 1.
 * Coordinates are centred and scaled (u = (x − centre) / scale) for conditioning; the model class is the same.
 */

/** One evaluated point: its unit-cube coordinates and its value (to minimise). */
export interface ArchivePoint {
  readonly x: Float64Array;
  readonly f: number;
}

export type ModelKind = 'linear' | 'diagonal' | 'full';

const TRUNCATION = 0.75;
const MIN_RELATIVE_SIZE = 1.1;
const MAX_WEIGHT = 20;

/** Number of coefficients of a model kind in dimension n. */
export function degreesOfFreedom(kind: ModelKind, n: number): number {
  return kind === 'linear' ? n + 1 : kind === 'diagonal' ? 2 * n + 1 : (n * (n + 3)) / 2 + 1;
}

/** The richest kind the data support: N points must satisfy 0.75 N ≥ 1.1 df. */
export function modelKind(size: number, n: number, allowFull: boolean): ModelKind {
  if (allowFull && size * TRUNCATION >= degreesOfFreedom('full', n) * MIN_RELATIVE_SIZE) return 'full';
  if (size * TRUNCATION >= degreesOfFreedom('diagonal', n) * MIN_RELATIVE_SIZE) return 'diagonal';
  return 'linear';
}

/** How many recent points the archive keeps: twice the largest model's degrees of freedom, at least λ. */
export function archiveSize(n: number, lambda: number, allowFull: boolean): number {
  return Math.max(lambda, 2 * degreesOfFreedom(allowFull ? 'full' : 'diagonal', n));
}

export class LqModel {
  private readonly u: Float64Array;
  private readonly feat: Float64Array;

  constructor(
    readonly kind: ModelKind,
    readonly n: number,
    private readonly coef: Float64Array,
    private readonly centre: Float64Array,
    private readonly scale: number,
  ) {
    this.u = new Float64Array(n);
    this.feat = new Float64Array(coef.length);
  }

  predict(x: ArrayLike<number>): number {
    features(this.kind, this.n, x, this.centre, this.scale, this.u, this.feat);
    let s = 0;
    for (let i = 0; i < this.coef.length; i++) s += this.coef[i] * this.feat[i];
    return s;
  }

  /**
   * Fits a model on `points` (any order). Returns null with fewer than 2 points.
   * `centre` and `scale` only condition the regression (a quadratic in x is one in u).
   */
  static fit(points: readonly ArchivePoint[], n: number, allowFull: boolean, centre: Float64Array, scale: number): LqModel | null {
    const N = points.length;
    if (N < 2) return null;
    const kind = modelKind(N, n, allowFull);
    const p = degreesOfFreedom(kind, n);
    const used = Math.min(N, Math.max(p + 2, Math.floor(TRUNCATION * (N + 1))));
    const order = Array.from({ length: N }, (_, i) => i).sort((a, b) => points[a].f - points[b].f);
    const fBest = points[order[0]].f;
    // Weighted rows: w_r (z_r · c − y_r), weights linear from MAX_WEIGHT (best) to 1 (worst used).
    const Z = new Float64Array(used * p);
    const y = new Float64Array(used);
    const u = new Float64Array(n);
    const row = new Float64Array(p);
    for (let r = 0; r < used; r++) {
      const pt = points[order[r]];
      const w = used === 1 ? MAX_WEIGHT : MAX_WEIGHT - ((MAX_WEIGHT - 1) * r) / (used - 1);
      features(kind, n, pt.x, centre, scale, u, row);
      for (let j = 0; j < p; j++) Z[r * p + j] = w * row[j];
      y[r] = w * (pt.f - fBest);
    }
    const c = leastSquares(Z, y, used, p);
    if (!c) return null;
    c[0] += fBest;
    return new LqModel(kind, n, c, centre, scale);
  }
}

/** [1, u, u² (diagonal, full), u_i u_j for i < j (full)] with u = (x − centre) / scale. */
function features(
  kind: ModelKind,
  n: number,
  x: ArrayLike<number>,
  centre: Float64Array,
  scale: number,
  u: Float64Array,
  out: Float64Array,
): void {
  for (let i = 0; i < n; i++) u[i] = (x[i] - centre[i]) / scale;
  out[0] = 1;
  for (let i = 0; i < n; i++) out[1 + i] = u[i];
  if (kind === 'linear') return;
  for (let i = 0; i < n; i++) out[1 + n + i] = u[i] * u[i];
  if (kind === 'diagonal') return;
  let k = 1 + 2 * n;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[k++] = u[i] * u[j];
}

/**
 * min ‖Z c − y‖ by the normal equations on unit-norm columns with a small ridge, which also gives a
 * near minimum-norm solution when there are fewer rows than columns (as numpy's pinv in pycma).
 */
function leastSquares(Z: Float64Array, y: Float64Array, rows: number, p: number): Float64Array | null {
  const norm = new Float64Array(p);
  for (let r = 0; r < rows; r++) for (let j = 0; j < p; j++) norm[j] += Z[r * p + j] * Z[r * p + j];
  for (let j = 0; j < p; j++) norm[j] = norm[j] > 0 ? 1 / Math.sqrt(norm[j]) : 1;
  for (let r = 0; r < rows; r++) for (let j = 0; j < p; j++) Z[r * p + j] *= norm[j];
  // Lower triangle of Zᵀ Z, row by row (one pass over Z, contiguous inner loop).
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let r = 0; r < rows; r++) {
    const o = r * p;
    const yr = y[r];
    for (let i = 0; i < p; i++) {
      const zi = Z[o + i];
      if (zi === 0) continue;
      b[i] += zi * yr;
      const ai = i * p;
      for (let j = 0; j <= i; j++) A[ai + j] += zi * Z[o + j];
    }
  }
  const ridge = 1e-8;
  for (let i = 0; i < p; i++) A[i * p + i] += ridge;
  // Cholesky (lower), in place.
  for (let j = 0; j < p; j++) {
    let d = A[j * p + j];
    for (let k = 0; k < j; k++) d -= A[j * p + k] * A[j * p + k];
    if (!(d > 0)) return null;
    d = Math.sqrt(d);
    A[j * p + j] = d;
    for (let i = j + 1; i < p; i++) {
      let s = A[i * p + j];
      for (let k = 0; k < j; k++) s -= A[i * p + k] * A[j * p + k];
      A[i * p + j] = s / d;
    }
  }
  const c = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= A[i * p + k] * c[k];
    c[i] = s / A[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = c[i];
    for (let k = i + 1; k < p; k++) s -= A[k * p + i] * c[k];
    c[i] = s / A[i * p + i];
  }
  for (let j = 0; j < p; j++) c[j] *= norm[j];
  return c.every(Number.isFinite) ? c : null;
}

/** Kendall's τ between two equally long sequences (pairs tied in both count one half, as in pycma). */
export function kendallTau(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const m = a.length;
  if (m < 2) return 0;
  let s = 0;
  for (let i = 1; i < m; i++) {
    for (let j = 0; j < i; j++) {
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      s += da * db;
      if (da === 0 && db === 0) s += 0.5;
    }
  }
  return (2 * s) / (m * (m - 1));
}
