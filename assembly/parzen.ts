// Parzen estimators for TPE: mixtures of truncated normals (product over dimensions)
// with optional categorical dimensions, evaluated for a batch of points.
//
// Component k has weight w_k, and per continuous dimension j a mean mu_kj, sigma s_kj,
// truncated to [low_j, high_j] with normaliser Z_kj = Phi((high_j-mu_kj)/s_kj) - Phi((low_j-mu_kj)/s_kj).
// Per categorical dimension c it has a probability vector p_kc (sums to 1).
//   density dim j:  N(x_j; mu_kj, s_kj) / Z_kj              (x_j in [low_j, high_j], else 0)
//   interval dim j: (Phi(b) - Phi(a)) / Z_kj, a = (max(lo_j, low_j) - mu)/s, b = (min(hi_j, high_j) - mu)/s
//   categorical c:  p_kc[x_c]
//   log p(x) = logsumexp_k ( log w_k + sum_j log term_kj + sum_c log p_kc[x_c] )

import { logNormMass, logNormMassPair, expv } from "./math";

// @ts-ignore: decorator
@inline function ld(p: usize): f64 { return load<f64>(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: f64): void { store<f64>(p, v); }

const HALF_LOG_2PI: f64 = 0.9189385332046728;
const INV_SQRT2: f64 = 0.7071067811865476;

/**
 * Prepare a mixture. Inputs: K, d, dc; w (K); mu, sig (K x d); low, high (d); isInterval (u8, d);
 * order (i32, d): dimension of each slot, density dims first; catSizes (i32, dc); catProbs (K x S, S = sum catSizes).
 * Outputs (Kp = K rounded up to even):
 *   muT, isT, sgT, lzT (d x Kp, one row per slot): means, 1/(s sqrt2), s, log Z;
 *   cst (Kp): log w_k + sum over density dims of (-log s - log sqrt(2pi) - log Z), -inf in padding;
 *   catLog (K x S): log probabilities.
 */
export function parzenPrepare(K: i32, d: i32, dc: i32, w: usize, mu: usize, sig: usize, low: usize, high: usize,
  isInterval: usize, order: usize, catSizes: usize, catProbs: usize,
  muT: usize, isT: usize, sgT: usize, lzT: usize, cst: usize, catLog: usize): void {
  const Kp = (K + 1) & ~1;
  for (let k = 0; k < Kp; k++) st(cst + (<usize>k << 3), k < K ? Math.log(ld(w + (<usize>k << 3))) : -Infinity);
  for (let slot = 0; slot < d; slot++) {
    const j = load<i32>(order + (<usize>slot << 2));
    const lo = ld(low + (<usize>j << 3)), hi = ld(high + (<usize>j << 3));
    const dens = load<u8>(isInterval + <usize>j) == 0;
    const base = <usize>slot * <usize>Kp << 3;
    for (let k = 0; k < Kp; k++) {
      const o = base + (<usize>k << 3);
      if (k >= K) { st(muT + o, 0); st(isT + o, 0); st(sgT + o, 1); st(lzT + o, 0); continue; }
      const m = ld(mu + (<usize>(k * d + j) << 3));
      const s = ld(sig + (<usize>(k * d + j) << 3));
      const za = (lo - m) / s, zb = (hi - m) / s;
      let lz = logNormMassPair(za, zb);
      if (isNaN(lz)) lz = logNormMass(za, zb);
      st(muT + o, m); st(isT + o, INV_SQRT2 / s); st(sgT + o, s); st(lzT + o, lz);
      if (dens) {
        const p = cst + (<usize>k << 3);
        st(p, ld(p) - Math.log(s) - HALF_LOG_2PI - lz);
      }
    }
  }
  let S = 0;
  for (let c = 0; c < dc; c++) S += load<i32>(catSizes + (<usize>c << 2));
  const tot = <usize>K * <usize>S;
  for (let i: usize = 0; i < tot; i++) st(catLog + (i << 3), Math.log(ld(catProbs + (i << 3))));
}

/** Exported for testing the vectorised exp: out[i] = exp(x[i]) for x[i] <= 0. */
export function expBatch(x: usize, n: i32, out: usize): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(out + (<usize>i << 3), expv(v128.load(x + (<usize>i << 3))));
  if (i < n) {
    const v = expv(f64x2.splat(ld(x + (<usize>i << 3))));
    st(out + (<usize>i << 3), f64x2.extract_lane(v, 0));
  }
}

const XD: usize = memory.data(8 * 4096, 16); // gathered density coordinates of one point (d <= 4096)

/**
 * Evaluate log p(x) for m points. x (m x d): the value for density dims, the lower edge for
 * interval dims; xhi (m x d): upper edges for interval dims (ignored otherwise, may be 0 if
 * there is none); cats (i32, m x dc). order/nd: slot -> dimension map with the nd density dims
 * first (as given to parzenPrepare). scratch: Kp doubles. out: m.
 */
export function parzenEval(K: i32, d: i32, dc: i32, low: usize, high: usize, order: usize, nd: i32, catSizes: usize,
  muT: usize, isT: usize, sgT: usize, lzT: usize, cst: usize, catLog: usize,
  m: i32, x: usize, xhi: usize, cats: usize, out: usize, scratch: usize): void {
  const Kp = (K + 1) & ~1;
  const kps = <usize>Kp << 3;
  let S = 0;
  for (let c = 0; c < dc; c++) S += load<i32>(catSizes + (<usize>c << 2));
  for (let p = 0; p < m; p++) {
    const xp = x + <usize>p * <usize>d * 8;
    // gather density coordinates and check the support
    let inside = true;
    for (let s = 0; s < nd; s++) {
      const j = <usize>load<i32>(order + (<usize>s << 2)) << 3;
      const v = ld(xp + j);
      st(XD + (<usize>s << 3), v);
      if (!(v >= ld(low + j) && v <= ld(high + j))) { inside = false; break; }
    }
    if (!inside) { st(out + (<usize>p << 3), -Infinity); continue; }
    // density dims, 8 components at a time in registers
    let k = 0;
    for (; k + 8 <= Kp; k += 8) {
      const ko = <usize>k << 3;
      let a0 = v128.load(cst + ko), a1 = v128.load(cst + ko, 16), a2 = v128.load(cst + ko, 32), a3 = v128.load(cst + ko, 48);
      let mrow = muT + ko;
      let irow = isT + ko;
      for (let s = 0; s < nd; s++) {
        const xv = v128.load64_splat(XD + (<usize>s << 3));
        let z = f64x2.mul(f64x2.sub(xv, v128.load(mrow)), v128.load(irow));
        a0 = f64x2.sub(a0, f64x2.mul(z, z));
        z = f64x2.mul(f64x2.sub(xv, v128.load(mrow, 16)), v128.load(irow, 16));
        a1 = f64x2.sub(a1, f64x2.mul(z, z));
        z = f64x2.mul(f64x2.sub(xv, v128.load(mrow, 32)), v128.load(irow, 32));
        a2 = f64x2.sub(a2, f64x2.mul(z, z));
        z = f64x2.mul(f64x2.sub(xv, v128.load(mrow, 48)), v128.load(irow, 48));
        a3 = f64x2.sub(a3, f64x2.mul(z, z));
        mrow += kps;
        irow += kps;
      }
      v128.store(scratch + ko, a0); v128.store(scratch + ko, a1, 16);
      v128.store(scratch + ko, a2, 32); v128.store(scratch + ko, a3, 48);
    }
    for (; k < Kp; k += 2) {
      const ko = <usize>k << 3;
      let a0 = v128.load(cst + ko);
      for (let s = 0; s < nd; s++) {
        const xv = v128.load64_splat(XD + (<usize>s << 3));
        const z = f64x2.mul(f64x2.sub(xv, v128.load(muT + <usize>s * kps + ko)), v128.load(isT + <usize>s * kps + ko));
        a0 = f64x2.sub(a0, f64x2.mul(z, z));
      }
      v128.store(scratch + ko, a0);
    }
    // interval dims: mass of [max(lo, low), min(hi, high)]
    let empty = false;
    for (let slot = nd; slot < d; slot++) {
      const j = load<i32>(order + (<usize>slot << 2));
      const a = max(ld(xp + (<usize>j << 3)), ld(low + (<usize>j << 3)));
      const b = min(ld(xhi + <usize>p * <usize>d * 8 + (<usize>j << 3)), ld(high + (<usize>j << 3)));
      if (!(b > a)) { empty = true; break; }
      const mrow = muT + <usize>slot * kps, srow = sgT + <usize>slot * kps, zrow = lzT + <usize>slot * kps;
      for (let kk = 0; kk < K; kk++) {
        const o = <usize>kk << 3;
        const mu = ld(mrow + o), s = ld(srow + o);
        const q = scratch + o;
        st(q, ld(q) + logNormMass((a - mu) / s, (b - mu) / s) - ld(zrow + o));
      }
    }
    if (empty) { st(out + (<usize>p << 3), -Infinity); continue; }
    // categorical dims
    if (dc > 0) {
      const cp = cats + <usize>p * <usize>dc * 4;
      let off = 0;
      for (let c = 0; c < dc; c++) {
        const v = load<i32>(cp + (<usize>c << 2));
        const size = load<i32>(catSizes + (<usize>c << 2));
        if (v < 0 || v >= size) { empty = true; break; }
        for (let kk = 0; kk < K; kk++) {
          const q = scratch + (<usize>kk << 3);
          st(q, ld(q) + ld(catLog + (<usize>(kk * S + off + v) << 3)));
        }
        off += size;
      }
      if (empty) { st(out + (<usize>p << 3), -Infinity); continue; }
    }
    // log-sum-exp
    let mx0 = f64x2.splat(-Infinity), mx1 = f64x2.splat(-Infinity);
    k = 0;
    for (; k + 4 <= Kp; k += 4) {
      mx0 = f64x2.pmax(mx0, v128.load(scratch + (<usize>k << 3)));
      mx1 = f64x2.pmax(mx1, v128.load(scratch + (<usize>k << 3), 16));
    }
    for (; k < Kp; k += 2) mx0 = f64x2.pmax(mx0, v128.load(scratch + (<usize>k << 3)));
    mx0 = f64x2.pmax(mx0, mx1);
    const mx = max(f64x2.extract_lane(mx0, 0), f64x2.extract_lane(mx0, 1));
    if (mx == -Infinity || isNaN(mx)) { st(out + (<usize>p << 3), mx); continue; }
    // sum of exp(s_k - max); pairs whose terms are both below e^-50 (relative) are skipped
    const mv = f64x2.splat(mx);
    const thr = f64x2.splat(mx - 50.0);
    let s0 = f64x2.splat(0);
    for (k = 0; k < Kp; k += 2) {
      const v = v128.load(scratch + (<usize>k << 3));
      if (v128.any_true(f64x2.gt(v, thr))) s0 = f64x2.add(s0, expv(f64x2.sub(v, mv)));
    }
    st(out + (<usize>p << 3), mx + Math.log(f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1)));
  }
}
