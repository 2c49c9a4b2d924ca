/**
 * Box-constrained quasi-Newton minimisation: projected L-BFGS with a backtracking (Armijo) line search
 * along the projected path, in the spirit of L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995) without its
 * generalized Cauchy point: variables at a bound whose gradient pushes outwards are held fixed for the
 * iteration, the two-loop recursion (Nocedal & Wright, Alg. 7.4) runs on the free ones.
 * Used both for the GP hyperparameters and for the acquisition function.
 */

/** Objective: returns f(x) and writes ∇f(x) into `grad`. A non-finite value counts as a failed step. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface BoxMinimizeOptions {
  /** Iterations (gradient evaluations excluded). Default 100. */
  maxIter?: number;
  /** Correction pairs kept. Default 10. */
  memory?: number;
  /** Stop when the projected gradient's largest component is below this. Default 1e-6. */
  pgtol?: number;
  /** Stop when an iteration decreases f by less than ftol · max(1, |f|). Default 1e-10. */
  ftol?: number;
  /** Largest step length tried first, in units of the search direction. Default 1. */
  maxStep?: number;
}

export interface BoxMinimizeResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
}

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 30;

/** Minimises `f` over the box [lower, upper] from `x0` (clipped into the box). */
export function minimizeBox(
  f: Objective,
  x0: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  o: BoxMinimizeOptions = {},
): BoxMinimizeResult {
  const n = x0.length;
  const maxIter = o.maxIter ?? 100;
  const memory = o.memory ?? 10;
  const pgtol = o.pgtol ?? 1e-6;
  const ftol = o.ftol ?? 1e-10;
  const maxStep = o.maxStep ?? 1;

  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = clip(x0[i], lower[i], upper[i]);
  const g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) return { x, f: fx, iterations: 0, evaluations };

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const p = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const free = new Uint8Array(n);
  const alphaBuf = new Float64Array(memory);
  let iterations = 0;

  for (; iterations < maxIter; iterations++) {
    // Free variables: not pinned at a bound by a gradient pointing out of the box.
    let pgMax = 0;
    for (let i = 0; i < n; i++) {
      const pinned = (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0);
      free[i] = pinned ? 0 : 1;
      if (!pinned) pgMax = Math.max(pgMax, Math.abs(g[i]));
    }
    if (pgMax < pgtol) break;

    // Two-loop recursion on the free subspace.
    for (let i = 0; i < n; i++) p[i] = free[i] ? -g[i] : 0;
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rho[j] * dotFree(S[j], p, free);
      alphaBuf[j] = a;
      axpyFree(-a, Y[j], p, free);
    }
    if (k > 0) {
      const sy = dotFree(S[k - 1], Y[k - 1], free);
      const yy = dotFree(Y[k - 1], Y[k - 1], free);
      if (sy > 0 && yy > 0) for (let i = 0; i < n; i++) p[i] *= sy / yy;
    }
    for (let j = 0; j < k; j++) {
      const b = rho[j] * dotFree(Y[j], p, free);
      axpyFree(alphaBuf[j] - b, S[j], p, free);
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += g[i] * p[i];
    if (!(slope < 0)) {
      // Not a descent direction (curvature pairs stale on this face): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) p[i] = free[i] ? -g[i] : 0;
    }
    // First step (no curvature yet): scale so the largest move is at most maxStep box units.
    let step = 1;
    if (S.length === 0) {
      let pMax = 0;
      for (let i = 0; i < n; i++) pMax = Math.max(pMax, Math.abs(p[i]));
      step = Math.min(1, maxStep / Math.max(pMax, 1e-300));
    }

    let accepted = false;
    let fNew = fx;
    for (let b = 0; b < MAX_BACKTRACKS; b++, step *= 0.5) {
      let dec = 0;
      let moved = false;
      for (let i = 0; i < n; i++) {
        xNew[i] = clip(x[i] + step * p[i], lower[i], upper[i]);
        dec += g[i] * (xNew[i] - x[i]);
        if (xNew[i] !== x[i]) moved = true;
      }
      if (!moved) break;
      fNew = f(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + ARMIJO * dec) {
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      if (S.length === 0) break; // even steepest descent failed: at a (numerical) minimum
      S.length = Y.length = rho.length = 0;
      continue;
    }

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
      sy += s[i] * y[i];
      yy += y[i] * y[i];
    }
    if (sy > 1e-12 * yy && sy > 0) {
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const decrease = fx - fNew;
    x.set(xNew);
    g.set(gNew);
    fx = fNew;
    if (decrease <= ftol * Math.max(1, Math.abs(fx))) {
      iterations++;
      break;
    }
  }
  return { x, f: fx, iterations, evaluations };
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function dotFree(a: Float64Array, b: Float64Array, free: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (free[i]) s += a[i] * b[i];
  return s;
}

function axpyFree(alpha: number, x: Float64Array, y: Float64Array, free: Uint8Array): void {
  for (let i = 0; i < x.length; i++) if (free[i]) y[i] += alpha * x[i];
}
