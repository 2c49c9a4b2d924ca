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

import { cholesky, solveLower, solveUpperT, invLowerT, gramUpper, choleskyJitter, tile42, dot, TILE } from "./linalg";
import { expv } from "./math";

export const KIND_MATERN52: i32 = 0;
export const KIND_RBF: i32 = 1;

// @ts-ignore: decorator
@inline function ld(p: usize): f64 { return load<f64>(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: f64): void { store<f64>(p, v); }

/**
 * Prepare the per-dimension transform: xs = x / l_j for continuous dims, raw value for
 * categorical dims (row-major n x d, and dimension-major xsT d x n).
 * w[j] = 1/l_j^2 for categorical dims, 0 otherwise.
 */
export function gpScale(x: usize, n: i32, d: i32, params: usize, cat: usize, xs: usize, xsT: usize, w: usize): void {
  for (let j = 0; j < d; j++) {
    const lj = ld(params + (<usize>j << 3));
    const isCat = load<u8>(cat + <usize>j) != 0;
    st(w + (<usize>j << 3), isCat ? 1.0 / (lj * lj) : 0.0);
    const f = isCat ? 1.0 : 1.0 / lj;
    for (let i = 0; i < n; i++) {
      const o = (<usize>(i * d + j)) << 3;
      const v = ld(x + o) * f;
      st(xs + o, v);
      st(xsT + ((<usize>j * <usize>n + <usize>i) << 3), v);
    }
  }
}

/**
 * out[j] = r^2(p, column j of xT) for j in [0, len): xT is d x ld (dimension-major), p a scaled
 * point (d), w the categorical weights.
 */
function sqdistRow(xT: usize, ldx: i32, len: i32, p: usize, w: usize, d: i32, out: usize): void {
  const bytes = <usize>len << 3;
  memory.fill(out, 0, bytes);
  const stride = <usize>ldx << 3;
  for (let q = 0; q < d; q++) {
    const pv = ld(p + (<usize>q << 3));
    const wq = ld(w + (<usize>q << 3));
    const row = xT + <usize>q * stride;
    const pvv = f64x2.splat(pv);
    let o: usize = 0;
    const end = <usize>(len & ~1) << 3;
    if (wq == 0) {
      for (; o < end; o += 16) {
        const t = f64x2.sub(v128.load(row + o), pvv);
        v128.store(out + o, f64x2.add(v128.load(out + o), f64x2.mul(t, t)));
      }
      if (o < bytes) { const t = ld(row + o) - pv; st(out + o, ld(out + o) + t * t); }
    } else {
      const wv = f64x2.splat(wq);
      for (; o < end; o += 16) {
        const ne = f64x2.ne(v128.load(row + o), pvv);
        v128.store(out + o, f64x2.add(v128.load(out + o), v128.and(ne, wv)));
      }
      if (o < bytes) { if (ld(row + o) != pv) st(out + o, ld(out + o) + wq); }
    }
  }
}

const SQRT5V: f64 = 2.23606797749979;

/**
 * In place over a row of r^2 values: kout[j] = k(r^2), and if gout != 0, gout[j] = dk/dr^2.
 * kout may alias r2.
 */
function kernelRow(kind: i32, s2: f64, r2: usize, kout: usize, gout: usize, len: i32): void {
  const sv = f64x2.splat(s2);
  let j = 0;
  if (kind == KIND_RBF) {
    const gv = f64x2.splat(-0.5 * s2);
    for (; j < len; j += 2) {
      const o = <usize>j << 3;
      const rr = j + 2 <= len ? v128.load(r2 + o) : f64x2.splat(ld(r2 + o));
      const e = expv(f64x2.mul(rr, f64x2.splat(-0.5)));
      if (j + 2 <= len) {
        v128.store(kout + o, f64x2.mul(sv, e));
        if (gout) v128.store(gout + o, f64x2.mul(gv, e));
      } else {
        st(kout + o, f64x2.extract_lane(f64x2.mul(sv, e), 0));
        if (gout) st(gout + o, f64x2.extract_lane(f64x2.mul(gv, e), 0));
      }
    }
  } else {
    const c5 = f64x2.splat(SQRT5V);
    const c53 = f64x2.splat(5.0 / 3.0);
    const one = f64x2.splat(1.0);
    const gv = f64x2.splat(-(5.0 / 6.0) * s2);
    for (; j < len; j += 2) {
      const o = <usize>j << 3;
      const rr = j + 2 <= len ? v128.load(r2 + o) : f64x2.splat(ld(r2 + o));
      const r5 = f64x2.mul(f64x2.sqrt(rr), c5);
      const e = expv(f64x2.neg(r5));
      const a = f64x2.add(one, r5);
      const kv = f64x2.mul(f64x2.mul(sv, f64x2.add(a, f64x2.mul(c53, rr))), e);
      if (j + 2 <= len) {
        v128.store(kout + o, kv);
        if (gout) v128.store(gout + o, f64x2.mul(f64x2.mul(gv, a), e));
      } else {
        st(kout + o, f64x2.extract_lane(kv, 0));
        if (gout) st(gout + o, f64x2.extract_lane(f64x2.mul(f64x2.mul(gv, a), e), 0));
      }
    }
  }
}

/**
 * Training kernel matrix from scaled inputs: lower triangle (and diagonal) of out = k(X, X) + noise I;
 * if g != 0, g[i][j] (j < i) = dk/dr^2 for pair (i, j).
 */
export function gpKernelScaled(xs: usize, xsT: usize, n: i32, d: i32, w: usize, kind: i32, s2: f64, noise: f64, out: usize, g: usize): void {
  const rs = <usize>n << 3;
  const ds = <usize>d << 3;
  for (let i = 0; i < n; i++) {
    const row = out + <usize>i * rs;
    if (i > 0) {
      sqdistRow(xsT, n, i, xs + <usize>i * ds, w, d, row);
      kernelRow(kind, s2, row, row, g ? g + <usize>i * rs : 0, i);
    }
    st(row + (<usize>i << 3), s2 + noise);
  }
}

/** Full symmetric kernel matrix k(X, X) (+ noise on the diagonal if addNoise). out: n x n. */
export function gpKernelMatrix(x: usize, n: i32, d: i32, params: usize, cat: usize, kind: i32, addNoise: bool, xs: usize, xsT: usize, w: usize, out: usize): void {
  gpScale(x, n, d, params, cat, xs, xsT, w);
  const s2 = ld(params + (<usize>d << 3));
  const noise = addNoise ? ld(params + (<usize>(d + 1) << 3)) : 0.0;
  gpKernelScaled(xs, xsT, n, d, w, kind, s2, noise, out, 0);
  const rs = <usize>n << 3;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) st(out + <usize>i * rs + (<usize>j << 3), ld(out + <usize>j * rs + (<usize>i << 3)));
}

/**
 * Fit: given scaled training inputs, y, hyperparameters; writes alpha = K^{-1} y and
 * linv = L^{-1} (lower triangular, row-major n x n, zeros above the diagonal) where K = L L^T.
 * Scratch kbuf, lbuf (n x n). Returns jitter tries or -1.
 */
export function gpFactor(xs: usize, xsT: usize, n: i32, d: i32, w: usize, kind: i32, params: usize, y: usize,
  kbuf: usize, lbuf: usize, alpha: usize, linv: usize, maxTries: i32): i32 {
  const s2 = ld(params + (<usize>d << 3));
  const noise = ld(params + (<usize>(d + 1) << 3));
  gpKernelScaled(xs, xsT, n, d, w, kind, s2, noise, kbuf, 0);
  const t = cholesky(kbuf, n, lbuf, maxTries);
  if (t < 0) return -1;
  memory.copy(alpha, y, <usize>n << 3);
  solveLower(lbuf, n, alpha, 1);
  solveUpperT(lbuf, n, alpha, 1);
  // kbuf <- L^{-T} (upper), then linv = its transpose
  memory.fill(kbuf, 0, <usize>n * <usize>n << 3);
  invLowerT(lbuf, n, kbuf);
  transpose(kbuf, n, linv);
  return t;
}

/** out = a^T for a square n x n row-major matrix (out distinct from a). */
export function transpose(a: usize, n: i32, out: usize): void {
  const rs = <usize>n << 3;
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    for (let j0 = 0; j0 < n; j0 += B) {
      const i1 = min(i0 + B, n), j1 = min(j0 + B, n);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) st(out + <usize>j * rs + (<usize>i << 3), ld(a + <usize>i * rs + (<usize>j << 3)));
      }
    }
  }
}

/**
 * Log marginal likelihood and its gradient w.r.t. [log l_0..log l_{d-1}, log s2, log s2n].
 * Scratch: kbuf, lbuf, zt, gbuf (n x n each), alpha, crow (n), xs, xsT (n x d), w (d). grad: d + 2.
 * Returns the LML, or NaN if K was not SPD even with jitter (see choleskyJitter()).
 *
 * The gradient is 1/2 sum_ij W_ij dK_ij/dtheta with W = alpha alpha^T - K^{-1}; K^{-1} is formed
 * as L^{-T} L^{-1} and all hyperparameters are accumulated in one pass over the pairs.
 */
export function gpLml(x: usize, y: usize, n: i32, d: i32, params: usize, cat: usize, kind: i32, maxTries: i32,
  kbuf: usize, lbuf: usize, zt: usize, gbuf: usize, alpha: usize, crow: usize, xs: usize, xsT: usize, w: usize, grad: usize): f64 {
  gpScale(x, n, d, params, cat, xs, xsT, w);
  const s2 = ld(params + (<usize>d << 3));
  const noise = ld(params + (<usize>(d + 1) << 3));
  gpKernelScaled(xs, xsT, n, d, w, kind, s2, noise, kbuf, gbuf);
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
  const ds = <usize>d << 3;
  for (let j = 0; j < d + 2; j++) st(grad + (<usize>j << 3), 0);
  let gs: f64 = 0, gn: f64 = 0;
  for (let i = 0; i < n; i++) {
    const ai = ld(alpha + (<usize>i << 3));
    const wrow = lbuf + <usize>i * rs;
    const krow = kbuf + <usize>i * rs;
    const grow = gbuf + <usize>i * rs;
    // crow[j] = -2 W_ij dk/dr2 ; gs += sum_j W_ij k_ij  (off-diagonal pairs counted twice, times 1/2)
    const av = f64x2.splat(ai);
    const m2 = f64x2.splat(-2.0);
    let gsv = f64x2.splat(0);
    let j = 0;
    for (; j + 2 <= i; j += 2) {
      const o = <usize>j << 3;
      const wij = f64x2.sub(f64x2.mul(av, v128.load(alpha + o)), v128.load(wrow + o));
      gsv = f64x2.add(gsv, f64x2.mul(wij, v128.load(krow + o)));
      v128.store(crow + o, f64x2.mul(m2, f64x2.mul(wij, v128.load(grow + o))));
    }
    gs += f64x2.extract_lane(gsv, 0) + f64x2.extract_lane(gsv, 1);
    if (j < i) {
      const o = <usize>j << 3;
      const wij = ai * ld(alpha + o) - ld(wrow + o);
      gs += wij * ld(krow + o);
      st(crow + o, -2.0 * wij * ld(grow + o));
    }
    // per dimension: grad_q += sum_j crow[j] c_q(i, j)
    const xi = xs + <usize>i * ds;
    for (let q = 0; q < d; q++) {
      const o = <usize>q << 3;
      const pv = ld(xi + o);
      const pvv = f64x2.splat(pv);
      const wq = ld(w + o);
      const row = xsT + <usize>q * rs;
      let acc = f64x2.splat(0);
      let sacc: f64 = 0;
      j = 0;
      if (wq == 0) {
        for (; j + 2 <= i; j += 2) {
          const jo = <usize>j << 3;
          const tt = f64x2.sub(v128.load(row + jo), pvv);
          acc = f64x2.add(acc, f64x2.mul(v128.load(crow + jo), f64x2.mul(tt, tt)));
        }
        if (j < i) { const jo = <usize>j << 3; const tt = ld(row + jo) - pv; sacc = ld(crow + jo) * tt * tt; }
      } else {
        for (; j + 2 <= i; j += 2) {
          const jo = <usize>j << 3;
          acc = f64x2.add(acc, v128.and(f64x2.ne(v128.load(row + jo), pvv), v128.load(crow + jo)));
        }
        if (j < i) { const jo = <usize>j << 3; if (ld(row + jo) != pv) sacc = ld(crow + jo); }
        sacc *= wq;
        acc = f64x2.mul(acc, f64x2.splat(wq));
      }
      st(grad + o, ld(grad + o) + f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1) + sacc);
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
 * Posterior for m query points (raw, m x d) given a fitted model: training inputs scaled and
 * dimension-major (xsT, d x n), w (d), alpha, linv = L^{-1}; zt = L^{-T} (only for gradients).
 * Writes mean (m), variance (m, latent f, no noise, clamped at 0) and optionally gradients
 * (m x d each; 0 for categorical dims).
 *
 * Queries are processed in chunks of `chunk`: kt[q][k] = k(z_q, x_k) (query-major), then
 * V = L^{-1} k* as dot products of rows of linv with rows of kt (4x2 register tiles), so that
 * var = s2 - |V|^2 needs no sequential solve; with gradients U = K^{-1} k* = L^{-T} V likewise
 * from rows of zt. Scratch (chunk x d): zs; (chunk x n): kt, and with gradients g, vt, cvec (n).
 */
export function gpPredict(xsT: usize, n: i32, d: i32, w: usize, kind: i32, params: usize, alpha: usize, linv: usize, zt: usize,
  z: usize, m: i32, mean: usize, variance: usize, gmean: usize, gvar: usize,
  chunk: i32, zs: usize, kt: usize, g: usize, vt: usize, cvec: usize): void {
  const s2 = ld(params + (<usize>d << 3));
  const ds = <usize>d << 3;
  const ns = <usize>n << 3;
  const withGrad = gmean != 0;
  for (let q0 = 0; q0 < m; q0 += chunk) {
    const cm = min(chunk, m - q0);
    // scale the query rows, cross kernel rows (query-major), means
    for (let q = 0; q < cm; q++) {
      const zq = zs + <usize>q * ds;
      for (let j = 0; j < d; j++) {
        const o = <usize>j << 3;
        const v = ld(z + <usize>(q0 + q) * ds + o);
        st(zq + o, ld(w + o) == 0 ? v / ld(params + o) : v);
      }
      const row = kt + <usize>q * ns;
      sqdistRow(xsT, n, n, zq, w, d, row);
      kernelRow(kind, s2, row, row, withGrad ? g + <usize>q * ns : 0, n);
      st(mean + (<usize>(q0 + q) << 3), dot(row, alpha, n));
      st(variance + (<usize>(q0 + q) << 3), s2);
    }
    // V[i][q] = sum_{k <= i} linv[i][k] kt[q][k]; var_q -= V^2; vt[q][i] = V (for gradients)
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const li = linv + <usize>i * ns;
      const len = i + 4; // linv rows are zero beyond the diagonal
      let q = 0;
      for (; q + 2 <= cm; q += 2) {
        tile42(li, ns, kt + <usize>q * ns, ns, len);
        const t00 = ld(TILE), t01 = ld(TILE + 8), t10 = ld(TILE + 16), t11 = ld(TILE + 24);
        const t20 = ld(TILE + 32), t21 = ld(TILE + 40), t30 = ld(TILE + 48), t31 = ld(TILE + 56);
        const p0 = variance + (<usize>(q0 + q) << 3);
        st(p0, ld(p0) - (t00 * t00 + t10 * t10 + t20 * t20 + t30 * t30));
        st(p0 + 8, ld(p0 + 8) - (t01 * t01 + t11 * t11 + t21 * t21 + t31 * t31));
        if (withGrad) {
          const v0 = vt + <usize>q * ns + (<usize>i << 3), v1 = v0 + ns;
          st(v0, t00); st(v0 + 8, t10); st(v0 + 16, t20); st(v0 + 24, t30);
          st(v1, t01); st(v1 + 8, t11); st(v1 + 16, t21); st(v1 + 24, t31);
        }
      }
      for (; q < cm; q++) {
        const kq = kt + <usize>q * ns;
        const p0 = variance + (<usize>(q0 + q) << 3);
        for (let r = 0; r < 4; r++) {
          const v = dot(li + <usize>r * ns, kq, i + r + 1);
          st(p0, ld(p0) - v * v);
          if (withGrad) st(vt + <usize>q * ns + (<usize>(i + r) << 3), v);
        }
      }
    }
    for (; i < n; i++) {
      const li = linv + <usize>i * ns;
      for (let q = 0; q < cm; q++) {
        const v = dot(li, kt + <usize>q * ns, i + 1);
        const p0 = variance + (<usize>(q0 + q) << 3);
        st(p0, ld(p0) - v * v);
        if (withGrad) st(vt + <usize>q * ns + (<usize>i << 3), v);
      }
    }
    for (let q = 0; q < cm; q++) {
      const p = variance + (<usize>(q0 + q) << 3);
      if (!(ld(p) > 0)) st(p, 0);
    }
    if (!withGrad) continue;
    // U[k][q] = sum_{i >= k} zt[k][i] vt[q][i]  -> stored over kt (no longer needed)
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const ko = <usize>k << 3;
      const zk = zt + <usize>k * ns + ko;
      let q = 0;
      for (; q + 2 <= cm; q += 2) {
        tile42(zk, ns, vt + <usize>q * ns + ko, ns, n - k);
        const u0 = kt + <usize>q * ns + ko, u1 = u0 + ns;
        st(u0, ld(TILE)); st(u0 + 8, ld(TILE + 16)); st(u0 + 16, ld(TILE + 32)); st(u0 + 24, ld(TILE + 48));
        st(u1, ld(TILE + 8)); st(u1 + 8, ld(TILE + 24)); st(u1 + 16, ld(TILE + 40)); st(u1 + 24, ld(TILE + 56));
      }
      for (; q < cm; q++) {
        for (let r = 0; r < 4; r++) {
          const o = <usize>(k + r) << 3;
          st(kt + <usize>q * ns + o, dot(zt + <usize>(k + r) * ns + o, vt + <usize>q * ns + o, n - k - r));
        }
      }
    }
    for (; k < n; k++) {
      const o = <usize>k << 3;
      for (let q = 0; q < cm; q++) st(kt + <usize>q * ns + o, dot(zt + <usize>k * ns + o, vt + <usize>q * ns + o, n - k));
    }
    // gradients: d/dz_j of sum_k c_k k(z, x_k) = 2/l_j sum_k c_k g_k (zs_j - xs_kj)
    for (let q = 0; q < cm; q++) {
      const gq = g + <usize>q * ns;
      const uq = kt + <usize>q * ns;
      const zq = zs + <usize>q * ds;
      const gm = gmean + <usize>(q0 + q) * ds;
      const gv = gvar + <usize>(q0 + q) * ds;
      for (let pass = 0; pass < 2; pass++) {
        // cvec = (pass 0: alpha, pass 1: u) * g
        const src = pass == 0 ? alpha : uq;
        let csum = f64x2.splat(0);
        let kk = 0;
        for (; kk + 2 <= n; kk += 2) {
          const o = <usize>kk << 3;
          const c = f64x2.mul(v128.load(src + o), v128.load(gq + o));
          v128.store(cvec + o, c);
          csum = f64x2.add(csum, c);
        }
        let cs = f64x2.extract_lane(csum, 0) + f64x2.extract_lane(csum, 1);
        if (kk < n) { const o = <usize>kk << 3; const c = ld(src + o) * ld(gq + o); st(cvec + o, c); cs += c; }
        const out = pass == 0 ? gm : gv;
        const f = pass == 0 ? 2.0 : -4.0;
        for (let j = 0; j < d; j++) {
          const o = <usize>j << 3;
          if (ld(w + o) != 0) { st(out + o, 0); continue; }
          const sj = dot(cvec, xsT + <usize>j * ns, n);
          st(out + o, f * (ld(zq + o) * cs - sj) / ld(params + o));
        }
      }
    }
  }
}

export { choleskyJitter };
