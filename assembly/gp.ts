// Gaussian-process kernels, posterior and log marginal likelihood.
//
// Kernel (ARD, d dimensions, lengthscales l_j, signal variance s2, noise variance s2n):
//   c_j(x, x') = ((x_j - x'_j) / l_j)^2          continuous dimension
//   c_j(x, x') = (x_j != x'_j ? 1 : 0) / l_j^2   categorical dimension (scaled Hamming)
//   r^2 = sum_j c_j
//   RBF:        k = s2 * exp(-r^2 / 2)
//   Matern-5/2: k = s2 * (1 + sqrt5 r + 5/3 r^2) * exp(-sqrt5 r)
//   K_train = k(X, X) + s2n * I
// Hyperparameter vector layout (params): [l_0 .. l_{d-1}, s2, s2n].

import { cholesky, solveLower, solveUpperT, invLowerT, gramUpper, choleskyJitter } from "./linalg";

const SQRT5: f64 = 2.23606797749979;
export const KIND_MATERN52: i32 = 0;
export const KIND_RBF: i32 = 1;

// @ts-ignore: decorator
@inline function ld(p: usize): f64 { return load<f64>(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: f64): void { store<f64>(p, v); }

/** k(r^2) */
// @ts-ignore: decorator
@inline function kval(kind: i32, s2: f64, r2: f64): f64 {
  if (kind == KIND_RBF) return s2 * Math.exp(-0.5 * r2);
  const r = Math.sqrt(r2);
  return s2 * (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * Math.exp(-SQRT5 * r);
}

/** dk/d(r^2) */
// @ts-ignore: decorator
@inline function kgrad(kind: i32, s2: f64, r2: f64): f64 {
  if (kind == KIND_RBF) return -0.5 * s2 * Math.exp(-0.5 * r2);
  const r = Math.sqrt(r2);
  return -(5.0 / 6.0) * s2 * (1.0 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

/**
 * Prepare the per-dimension transform: xs = x / l_j for continuous dims, raw value for
 * categorical dims. w[j] = 1/l_j^2 for categorical dims, 0 otherwise.
 */
export function gpScale(x: usize, n: i32, d: i32, params: usize, cat: usize, xs: usize, w: usize): void {
  for (let j = 0; j < d; j++) {
    const lj = ld(params + (<usize>j << 3));
    const isCat = load<u8>(cat + <usize>j) != 0;
    st(w + (<usize>j << 3), isCat ? 1.0 / (lj * lj) : 0.0);
    const f = isCat ? 1.0 : 1.0 / lj;
    for (let i = 0; i < n; i++) {
      const o = (<usize>(i * d + j)) << 3;
      st(xs + o, ld(x + o) * f);
    }
  }
}

// @ts-ignore: decorator
@inline function sqdist(a: usize, b: usize, w: usize, d: i32): f64 {
  let r2: f64 = 0;
  for (let j = 0; j < d; j++) {
    const o = <usize>j << 3;
    const wj = ld(w + o);
    const u = ld(a + o), v = ld(b + o);
    if (wj == 0) {
      const t = u - v;
      r2 += t * t;
    } else if (u != v) {
      r2 += wj;
    }
  }
  return r2;
}

/**
 * Training kernel matrix from scaled inputs: lower triangle of out = k(X, X) + noise I,
 * and (if withGrad) the strict upper triangle out[j][i] (j < i) = dk/dr^2 for pair (i, j).
 */
export function gpKernelScaled(xs: usize, n: i32, d: i32, w: usize, kind: i32, s2: f64, noise: f64, out: usize, withGrad: bool): void {
  const rs = <usize>n << 3;
  const ds = <usize>d << 3;
  for (let i = 0; i < n; i++) {
    const xi = xs + <usize>i * ds;
    for (let j = 0; j < i; j++) {
      const r2 = sqdist(xi, xs + <usize>j * ds, w, d);
      st(out + <usize>i * rs + (<usize>j << 3), kval(kind, s2, r2));
      if (withGrad) st(out + <usize>j * rs + (<usize>i << 3), kgrad(kind, s2, r2));
    }
    st(out + <usize>i * rs + (<usize>i << 3), s2 + noise);
  }
}

/** Full symmetric kernel matrix k(X, X) (+ noise on the diagonal if addNoise). out: n x n. */
export function gpKernelMatrix(x: usize, n: i32, d: i32, params: usize, cat: usize, kind: i32, addNoise: bool, xs: usize, w: usize, out: usize): void {
  gpScale(x, n, d, params, cat, xs, w);
  const s2 = ld(params + (<usize>d << 3));
  const noise = addNoise ? ld(params + (<usize>(d + 1) << 3)) : 0.0;
  gpKernelScaled(xs, n, d, w, kind, s2, noise, out, false);
  const rs = <usize>n << 3;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) st(out + <usize>i * rs + (<usize>j << 3), ld(out + <usize>j * rs + (<usize>i << 3)));
}

/**
 * Cross kernel, transposed layout: out[k][q] = k(x_k, z_q) for training rows xs (n x d, scaled)
 * and query rows zs (m x d, scaled); out is n x m. If g != 0 also g[k][q] = dk/dr^2.
 */
export function gpCrossScaled(xs: usize, n: i32, zs: usize, m: i32, d: i32, w: usize, kind: i32, s2: f64, out: usize, g: usize): void {
  const ds = <usize>d << 3;
  const ms = <usize>m << 3;
  for (let k = 0; k < n; k++) {
    const xk = xs + <usize>k * ds;
    for (let q = 0; q < m; q++) {
      const r2 = sqdist(xk, zs + <usize>q * ds, w, d);
      st(out + <usize>k * ms + (<usize>q << 3), kval(kind, s2, r2));
      if (g) st(g + <usize>k * ms + (<usize>q << 3), kgrad(kind, s2, r2));
    }
  }
}

/**
 * Fit: given scaled training inputs, y, hyperparameters; writes the factor L (n x n) and
 * alpha = K^{-1} y. kbuf is an n x n scratch distinct from l. Returns jitter tries or -1.
 */
export function gpFactor(xs: usize, n: i32, d: i32, w: usize, kind: i32, params: usize, y: usize, kbuf: usize, l: usize, alpha: usize, maxTries: i32): i32 {
  const s2 = ld(params + (<usize>d << 3));
  const noise = ld(params + (<usize>(d + 1) << 3));
  gpKernelScaled(xs, n, d, w, kind, s2, noise, kbuf, false);
  const t = cholesky(kbuf, n, l, maxTries);
  if (t < 0) return -1;
  memory.copy(alpha, y, <usize>n << 3);
  solveLower(l, n, alpha, 1);
  solveUpperT(l, n, alpha, 1);
  return t;
}

/**
 * Log marginal likelihood and its gradient w.r.t. [log l_0..log l_{d-1}, log s2, log s2n].
 * Scratch: k (n x n), zt (n x n), alpha (n), xs (n x d), w (d). grad: d + 2.
 * Returns the LML, or NaN if K was not SPD even with jitter (see choleskyJitter()).
 */
export function gpLml(x: usize, y: usize, n: i32, d: i32, params: usize, cat: usize, kind: i32, maxTries: i32,
  kbuf: usize, lbuf: usize, zt: usize, alpha: usize, xs: usize, w: usize, grad: usize): f64 {
  gpScale(x, n, d, params, cat, xs, w);
  const s2 = ld(params + (<usize>d << 3));
  const noise = ld(params + (<usize>(d + 1) << 3));
  gpKernelScaled(xs, n, d, w, kind, s2, noise, kbuf, true);
  const t = cholesky(kbuf, n, lbuf, maxTries);
  if (t < 0) return NaN;
  const rs = <usize>n << 3;
  memory.copy(alpha, y, rs);
  solveLower(lbuf, n, alpha, 1);
  let quad: f64 = 0;
  for (let i = 0; i < n; i++) { const v = ld(alpha + (<usize>i << 3)); quad += v * v; }
  solveUpperT(lbuf, n, alpha, 1);
  let logdet: f64 = 0;
  for (let i = 0; i < n; i++) logdet += Math.log(ld(lbuf + <usize>i * rs + (<usize>i << 3)));
  const lml = -0.5 * quad - logdet - 0.5 * <f64>n * Math.log(2 * Math.PI);
  // K^{-1} into the lower triangle of lbuf (L is no longer needed after zt)
  memory.fill(zt, 0, <usize>n * rs);
  invLowerT(lbuf, n, zt);
  gramUpper(zt, n, lbuf);
  // gradient: 0.5 * sum_ij W_ij dK_ij, W = alpha alpha^T - K^{-1}
  const ds = <usize>d << 3;
  for (let j = 0; j < d + 2; j++) st(grad + (<usize>j << 3), 0);
  let gs: f64 = 0, gn: f64 = 0;
  for (let i = 0; i < n; i++) {
    const ai = ld(alpha + (<usize>i << 3));
    const xi = xs + <usize>i * ds;
    const wrow = lbuf + <usize>i * rs;
    const krow = kbuf + <usize>i * rs;
    for (let j = 0; j < i; j++) {
      const wij = ai * ld(alpha + (<usize>j << 3)) - ld(wrow + (<usize>j << 3));
      // off-diagonal pair counted twice, times 1/2
      gs += wij * ld(krow + (<usize>j << 3));
      const gq = -2.0 * wij * ld(kbuf + <usize>j * rs + (<usize>i << 3)); // -2 W dk/dr2
      const xj = xs + <usize>j * ds;
      for (let q = 0; q < d; q++) {
        const o = <usize>q << 3;
        const wq = ld(w + o);
        let c: f64;
        if (wq == 0) { const t = ld(xi + o) - ld(xj + o); c = t * t; }
        else c = ld(xi + o) != ld(xj + o) ? wq : 0.0;
        st(grad + o, ld(grad + o) + gq * c);
      }
    }
    const wii = ai * ai - ld(wrow + (<usize>i << 3));
    gs += 0.5 * wii * s2;
    gn += 0.5 * wii * noise;
  }
  st(grad + ds, gs);
  st(grad + ds + 8, gn);
  return lml;
}

/**
 * Posterior for m query points (raw, m x d) given a fitted model: training inputs already
 * scaled (xs, n x d), w (d), factor l, alpha. Writes mean (m), variance (m, latent f, no noise,
 * clamped at 0) and optionally gradients (m x d each; 0 for categorical dims).
 * Processes queries in chunks of `chunk`; scratch: zs (chunk x d), kc (n x chunk), g (n x chunk, if grads).
 */
export function gpPredict(xs: usize, n: i32, d: i32, w: usize, kind: i32, params: usize, l: usize, alpha: usize,
  z: usize, m: i32, mean: usize, variance: usize, gmean: usize, gvar: usize,
  chunk: i32, zs: usize, kc: usize, g: usize): void {
  const s2 = ld(params + (<usize>d << 3));
  const ds = <usize>d << 3;
  const withGrad = gmean != 0;
  for (let q0 = 0; q0 < m; q0 += chunk) {
    const cm = min(chunk, m - q0);
    const cs = <usize>cm << 3;
    // scale query rows
    for (let q = 0; q < cm; q++) {
      for (let j = 0; j < d; j++) {
        const o = <usize>j << 3;
        const v = ld(z + <usize>(q0 + q) * ds + o);
        st(zs + <usize>q * ds + o, ld(w + o) == 0 ? v / ld(params + o) : v);
      }
    }
    gpCrossScaled(xs, n, zs, cm, d, w, kind, s2, kc, withGrad ? g : 0);
    // mean = Kc^T alpha
    for (let q = 0; q < cm; q++) st(mean + (<usize>(q0 + q) << 3), 0);
    for (let k = 0; k < n; k++) {
      const ak = ld(alpha + (<usize>k << 3));
      const row = kc + <usize>k * cs;
      for (let q = 0; q < cm; q++) {
        const p = mean + (<usize>(q0 + q) << 3);
        st(p, ld(p) + ak * ld(row + (<usize>q << 3)));
      }
    }
    if (withGrad) {
      // d mean / d z_j = sum_k alpha_k g_kq 2 (zs_qj - xs_kj) / l_j   (continuous dims)
      for (let q = 0; q < cm; q++) {
        const gm = gmean + <usize>(q0 + q) * ds;
        for (let j = 0; j < d; j++) st(gm + (<usize>j << 3), 0);
        const zq = zs + <usize>q * ds;
        for (let k = 0; k < n; k++) {
          const f = ld(alpha + (<usize>k << 3)) * ld(g + <usize>k * cs + (<usize>q << 3));
          const xk = xs + <usize>k * ds;
          for (let j = 0; j < d; j++) {
            const o = <usize>j << 3;
            st(gm + o, ld(gm + o) + f * (ld(zq + o) - ld(xk + o)));
          }
        }
        for (let j = 0; j < d; j++) {
          const o = <usize>j << 3;
          st(gm + o, ld(w + o) == 0 ? 2.0 * ld(gm + o) / ld(params + o) : 0.0);
        }
      }
    }
    // V = L^{-1} Kc, var = s2 - sum_k V_kq^2
    solveLower(l, n, kc, cm);
    for (let q = 0; q < cm; q++) st(variance + (<usize>(q0 + q) << 3), s2);
    for (let k = 0; k < n; k++) {
      const row = kc + <usize>k * cs;
      for (let q = 0; q < cm; q++) {
        const p = variance + (<usize>(q0 + q) << 3);
        const v = ld(row + (<usize>q << 3));
        st(p, ld(p) - v * v);
      }
    }
    for (let q = 0; q < cm; q++) {
      const p = variance + (<usize>(q0 + q) << 3);
      if (!(ld(p) > 0)) st(p, 0);
    }
    if (withGrad) {
      // U = L^{-T} V = K^{-1} k*, d var / d z_j = -2 sum_k U_kq dk_kq/dz_j
      solveUpperT(l, n, kc, cm);
      for (let q = 0; q < cm; q++) {
        const gv = gvar + <usize>(q0 + q) * ds;
        for (let j = 0; j < d; j++) st(gv + (<usize>j << 3), 0);
        const zq = zs + <usize>q * ds;
        for (let k = 0; k < n; k++) {
          const o2 = <usize>k * cs + (<usize>q << 3);
          const f = ld(kc + o2) * ld(g + o2);
          const xk = xs + <usize>k * ds;
          for (let j = 0; j < d; j++) {
            const o = <usize>j << 3;
            st(gv + o, ld(gv + o) + f * (ld(zq + o) - ld(xk + o)));
          }
        }
        for (let j = 0; j < d; j++) {
          const o = <usize>j << 3;
          st(gv + o, ld(w + o) == 0 ? -4.0 * ld(gv + o) / ld(params + o) : 0.0);
        }
      }
    }
  }
}

export { choleskyJitter };
