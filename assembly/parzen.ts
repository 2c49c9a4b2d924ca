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
//
// The density dims' normalisers and the log weights are computed lazily: a K x d table of normalisers costs
// more than the whole evaluation, yet at high d few components of a TPE mixture come within reach (e^-36) of the
// best one at any point. Prepare stores a cheap upper bound ub_k >= -sum_j log Z_kj; evaluation scores every component without
// these terms and computes (and caches) them only for components that the bounds keep within reach.
//
// Means and sigmas stay row-major (component by component, as given), and components whose sigmas equal the
// previous component's (all but the prior in multivariate TPE) share its row of 1/(s sqrt2). Nothing of size K x d
// is written when preparing. When most components share one row, evaluation lays their means out dimension by
// dimension (in f64 for double precision, in f32 for single: see evalSingleShared) so that a vector op scores two or
// four components.

import { logNormMass, logNormMassPair, expv, expv4, exp2f4With, EXP4, EXP2F4_POLY } from "./math";

// @ts-ignore: decorator
@inline function ld(p: usize): f64 { return load<f64>(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: f64): void { store<f64>(p, v); }

const HALF_LOG_2PI: f64 = 0.9189385332046728;
const INV_SQRT2: f64 = 0.7071067811865476;
/** Phi(1) - 1/2, rounded down: for t in [0, 1], Phi(t) - 1/2 >= PHI1 * t (Phi is concave on [0, inf)). */
const PHI1: f64 = 0.3413447;
/** -log(PHI1), rounded up. */
const NEG_LOG_PHI1: f64 = 1.0748522;
/**
 * Components further than this below the best (in log density) are dropped from the log-sum-exp: each is under
 * e^-36 = 2.3e-16 of the best term, so K of them change the density by at most K x 2.3e-16 of itself.
 */
const REACH: f64 = 36.0;
/** Beyond this many sigmas from the mean, logZ drops a tail (as logNormMass does). */
const FAR: f64 = 8.3;
/** FAR, widened by far more than rounding, for parzenPrepare's one-branch check of a component's means. */
const FAR_INNER: f64 = 8.3001;

/** Error codes of parzenPrepare: kind | (index << 3). */
const BAD_WEIGHT = 1, BAD_SIGMA = 2, BAD_MU = 3, BAD_BOUNDS = 4;

// @ts-ignore: decorator
@inline function logZ(m: f64, s: f64, lo: f64, hi: f64): f64 {
  const za = (lo - m) / s, zb = (hi - m) / s;
  // both tails beyond 8.3 sigma: logNormMassPair drops them and returns exactly 0
  if (za <= -FAR && zb >= FAR) return 0;
  const lz = logNormMassPair(za, zb);
  return isNaN(lz) ? logNormMass(za, zb) : lz;
}

/**
 * Check and prepare a mixture. Inputs (kept by the mixture): K, d, dc; w (K); mu, sig (K x d, row-major);
 * low, high (d); isInterval (u8, d); catSizes (i32, dc); catProbs (K x S, S = sum catSizes).
 * Outputs (Kp = K rounded up to even):
 *   isR (K x d): rows of 1/(s sqrt2), 0 at interval dims, written for components whose sigmas differ from the
 *     previous component's (for every component when d = 1); isP (i32, K): the address of each component's row;
 *   lzI (K x d, or 0 when there are no interval dims): log Z at interval dims;
 *   cst (Kp): -sum over density dims of (log s + log sqrt(2pi)), and of log Z where mu lies outside the box
 *     (-inf in padding);
 *   ub (Kp): upper bound on -(sum of the remaining log Z); wt (Kp): the weights;
 *   lazy (Kp): NaN, later (sum of the remaining log Z) - log w_k, computed when first needed;
 *   catLog (K x S): log probabilities.
 * Returns 0, or an error code kind | (index << 3) naming the first invalid input.
 */
export function parzenPrepare(K: i32, d: i32, dc: i32, w: usize, mu: usize, sig: usize, low: usize, high: usize,
  isInterval: usize, catSizes: usize, catProbs: usize,
  isR: usize, isP: usize, lzI: usize, cst: usize, ub: usize, wt: usize, lazy: usize, catLog: usize): i32 {
  // the weights, checked, and the lazy terms' cache emptied (NaN), each in a loop of its own (one stream each)
  for (let k = 0; k < K; k++) {
    const v = ld(w + (<usize>k << 3));
    if (!(v >= 0)) return BAD_WEIGHT | (k << 3);
    st(wt + (<usize>k << 3), v);
  }
  const nan2 = f64x2.splat(NaN);
  for (let k = 0; k + 1 < K; k += 2) v128.store(lazy + (<usize>k << 3), nan2);
  if (K & 1) st(lazy + (<usize>(K - 1) << 3), NaN);
  const Kp = (K + 1) & ~1;
  const rowBytes = <usize>d << 3;
  rowScratch(d);
  let sumLog: f64 = 0;
  let shared: usize = isR;
  for (let k = 0; k < Kp; k++) {
    const o = <usize>k << 3;
    if (k >= K) { st(wt + o, 0); st(lazy + o, Infinity); st(cst + o, -Infinity); st(ub + o, 0); continue; }
    const srow = sig + <usize>k * rowBytes;
    // the sigmas are checked (and what depends on them alone computed) only where they differ from the
    // previous component's: in multivariate TPE every component but the prior shares them
    if (k == 0 || d == 1 || !rowsEqual(srow, srow - rowBytes, d)) {
      shared = isR + <usize>k * rowBytes;
      sumLog = rowSetup(srow, shared, d, low, high, isInterval);
      if (isNaN(sumLog)) return firstRowError(k, d, mu, sig);
    }
    store<i32>(isP + (<usize>k << 2), <i32>shared);
    const u = meanTerms(k, d, mu, sig, low, high, isInterval, lzI);
    if (isNaN(u)) return firstRowError(k, d, mu, sig);
    st(cst + o, -sumLog - EAGER);
    st(ub + o, u);
  }
  for (let j = 0; j < d; j++) if (!(ld(low + (<usize>j << 3)) < ld(high + (<usize>j << 3)))) return BAD_BOUNDS | (j << 3);
  let S = 0;
  for (let c = 0; c < dc; c++) S += load<i32>(catSizes + (<usize>c << 2));
  const tot = <usize>K * <usize>S;
  for (let i: usize = 0; i < tot; i++) st(catLog + (i << 3), Math.log(ld(catProbs + (i << 3))));
  return 0;
}

/** TH, FARS and INNER, grown to d dims. */
function rowScratch(d: i32): void {
  if (d <= thCap) return;
  if (thCap > 0) { heap.free(TH); heap.free(FARS); heap.free(INNER); }
  thCap = d;
  TH = heap.alloc(<usize>thCap * 32);
  FARS = heap.alloc(<usize>(thCap + 1) << 3);
  INNER = heap.alloc(<usize>(thCap + 1) << 4);
}

/**
 * Sets up a row of sigmas for the components that have it: 1/(s sqrt2) into irow (0 at interval dims), and TH, FARS
 * and INNER for meanTerms. Returns the sum over density dims of log s + log sqrt(2 pi), or NaN when a sigma is not
 * positive and finite.
 */
function rowSetup(srow: usize, irow: usize, d: i32, low: usize, high: usize, isInterval: usize): f64 {
  let sumLog: f64 = 0;
  for (let j = 0; j < d; j++) {
    const jo = <usize>j << 3;
    const sj = ld(srow + jo);
    if (!(sj > 0) || sj == Infinity) return NaN;
    if (load<u8>(isInterval + <usize>j) != 0) { st(irow + jo, 0); st(FARS + jo, NaN); st(INNER + jo, NaN); continue; }
    const half = 0.5 * (ld(high + jo) - ld(low + jo));
    st(irow + jo, INV_SQRT2 / sj);
    sumLog += Math.log(sj) + HALF_LOG_2PI;
    // thresholds of the bound on -log Z by the mean's distance to the nearer edge (see meanTerm); beyond all of
    // them: with the mean in the box, [m, m + h] or [m - h, m] lies in it for some h >= half the width, so
    // Z >= Phi(half/s) - 1/2 >= PHI1 * min(half/s, 1)
    const th = TH + <usize>j * 32;
    st(FARS + jo, FAR * sj);
    // the inner box, a hair narrower than FAR sigmas (its rounding must not admit what meanTerm would not)
    st(INNER + jo, ld(low + jo) + FAR_INNER * sj);
    st(INNER + (<usize>thCap << 3) + jo, ld(high + jo) - FAR_INNER * sj);
    st(th, 4 * sj); st(th + 8, 2 * sj); st(th + 16, sj);
    st(th + 24, half >= sj ? NEG_LOG_PHI1 : -Math.log(PHI1 * (half / sj)));
  }
  return sumLog;
}

/** meanTerms' second result: the sum of component k's log normalisers applied now (<= 0, for cst). */
let EAGER: f64 = 0;

/**
 * Component k's means (its row's TH, FARS and INNER set up): normalisers now at interval dims (every point needs
 * them) and where a mean lies outside the box (not so in TPE), summed into EAGER; elsewhere a bound, returned: with
 * the nearer edge t sigmas away, Z >= 1 - 2 Phi(-t), and Z = 1 as computed beyond FAR sigmas (logZ drops the tails),
 * the common case, settled by one check of the inner box, else a pair of dims at a time. NaN for a mean that is not
 * finite.
 */
// @ts-ignore: decorator
@inline function meanTerms(k: i32, d: i32, mu: usize, sig: usize, low: usize, high: usize, isInterval: usize, lzI: usize): f64 {
  const mrow = mu + <usize>k * (<usize>d << 3);
  const pairs = d >> 1;
  EAGER = 0;
  // first, whether every mean lies in the inner box (false for NaN, infinities and interval dims): one branch
  const hiInner = INNER + (<usize>thCap << 3);
  let all = i64x2.splat(-1);
  for (let q = 0; q < pairs; q++) {
    const qo = <usize>q << 4;
    const m = v128.load(mrow + qo);
    all = v128.and(all, v128.and(f64x2.ge(m, v128.load(INNER + qo)), f64x2.le(m, v128.load(hiInner + qo))));
  }
  const oddInside = (d & 1) == 0 || (ld(mrow + <usize>(d - 1) * 8) >= ld(INNER + <usize>(d - 1) * 8)
    && ld(mrow + <usize>(d - 1) * 8) <= ld(hiInner + <usize>(d - 1) * 8));
  if (i64x2.all_true(all) && oddInside) return 0;
  let eager: f64 = 0, u: f64 = 0;
  const zero = f64x2.splat(0);
  for (let q = 0; q < pairs; q++) {
    const qo = <usize>q << 4;
    const m = v128.load(mrow + qo);
    const dist = f64x2.pmin(f64x2.sub(m, v128.load(low + qo)), f64x2.sub(v128.load(high + qo), m));
    const ok = v128.and(f64x2.eq(f64x2.sub(m, m), zero), f64x2.ge(dist, v128.load(FARS + qo)));
    if (i64x2.all_true(ok)) continue;
    for (let j = q << 1; j < (q << 1) + 2; j++) {
      const t = meanTerm(k, j, d, mu, sig, low, high, isInterval, lzI);
      if (isNaN(t)) return NaN;
      if (t < 0) eager += t; else u += t;
    }
  }
  if (d & 1) {
    const t = meanTerm(k, d - 1, d, mu, sig, low, high, isInterval, lzI);
    if (isNaN(t)) return NaN;
    if (t < 0) eager += t; else u += t;
  }
  EAGER = eager;
  return u;
}

/** Whether two rows of d doubles are equal. */
// @ts-ignore: decorator
@inline function rowsEqual(a: usize, b: usize, d: i32): bool {
  const pairs = d >> 1;
  for (let q = 0; q < pairs; q++) {
    const qo = <usize>q << 4;
    if (!i64x2.all_true(f64x2.eq(v128.load(a + qo), v128.load(b + qo)))) return false;
  }
  return (d & 1) == 0 || ld(a + (<usize>(d - 1) << 3)) == ld(b + (<usize>(d - 1) << 3));
}

/** The error code for the first invalid sigma or mean of component k's row, in (element, sigma before mean) order. */
function firstRowError(k: i32, d: i32, mu: usize, sig: usize): i32 {
  for (let j = 0; j < d; j++) {
    const i = k * d + j;
    const s = ld(sig + (<usize>i << 3));
    if (!(s > 0) || s == Infinity) return BAD_SIGMA | (i << 3);
    if (!isFinite(ld(mu + (<usize>i << 3)))) return BAD_MU | (i << 3);
  }
  return 0;
}

/**
 * Component k's mean at dim j, as parzenPrepare needs it: NaN for a mean that is not finite; at an interval dim
 * its normaliser goes to lzI and 0 is returned; outside the box, its log normaliser (<= 0, for cst); inside, the
 * bound on -log Z (>= 0, for ub) from the thresholds in TH and FARS.
 */
// @ts-ignore: decorator
@inline function meanTerm(k: i32, j: i32, d: i32, mu: usize, sig: usize, low: usize, high: usize, isInterval: usize, lzI: usize): f64 {
  const jo = <usize>j << 3;
  const ko = <usize>(k * d) << 3;
  const m = ld(mu + ko + jo);
  if (!isFinite(m)) return NaN;
  const lo = ld(low + jo), hi = ld(high + jo);
  if (load<u8>(isInterval + <usize>j) != 0) {
    st(lzI + ko + jo, logZ(m, ld(sig + ko + jo), lo, hi));
    return 0;
  }
  if (!(m >= lo && m <= hi)) return min(logZ(m, ld(sig + ko + jo), lo, hi), 0);
  const dist = min(m - lo, hi - m);
  if (dist >= ld(FARS + jo)) return 0;
  const th = TH + <usize>j * 32;
  return dist >= ld(th) ? 6.4e-5 : dist >= ld(th + 8) ? 0.0466 : dist >= ld(th + 16) ? 0.3818 : ld(th + 24);
}

/** Component k's lazy term: the sum of its log normalisers not in cst (density dims, mean in the box) minus log w_k. */
function lazyTerm(k: i32, d: i32, isInterval: usize, low: usize, high: usize, mu: usize, sig: usize, wt: usize): f64 {
  let lz: f64 = 0;
  const mrow = mu + (<usize>(k * d) << 3), srow = sig + (<usize>(k * d) << 3);
  for (let j = 0; j < d; j++) {
    if (load<u8>(isInterval + <usize>j) != 0) continue;
    const jo = <usize>j << 3;
    const lo = ld(low + jo), hi = ld(high + jo), m = ld(mrow + jo);
    if (m >= lo && m <= hi) lz += logZ(m, ld(srow + jo), lo, hi);
  }
  return lz - Math.log(ld(wt + (<usize>k << 3)));
}

/** Component k's lazy term, computed once per mixture. */
// @ts-ignore: decorator
@inline function lazyOf(k: i32, d: i32, isInterval: usize, low: usize, high: usize, mu: usize, sig: usize, ub: usize, wt: usize, lazy: usize): f64 {
  const o = lazy + (<usize>k << 3);
  let t = ld(o);
  if (isNaN(t)) {
    // a zero bound: every mean is FAR sigmas inside its box, where logZ is 0
    t = ld(ub + (<usize>k << 3)) == 0 ? -Math.log(ld(wt + (<usize>k << 3))) : lazyTerm(k, d, isInterval, low, high, mu, sig, wt);
    st(o, t);
  }
  return t;
}

/**
 * The lazy terms of components k and k + 1, computing those that `reach` selects and are not cached yet (after the
 * first points of an evaluation, none: one compare for the pair).
 */
// @ts-ignore: decorator
@inline function lazyPair(k: i32, reach: v128, d: i32, isInterval: usize, low: usize, high: usize, mu: usize, sig: usize, ub: usize,
  wt: usize, lazy: usize): v128 {
  const o = lazy + (<usize>k << 3);
  const lz = v128.load(o);
  const missing = v128.and(f64x2.ne(lz, lz), reach);
  if (!v128.any_true(missing)) return lz;
  fillLazyPair(k, missing, d, isInterval, low, high, mu, sig, ub, wt, lazy);
  return v128.load(o);
}

/** lazyPair's slow path, kept out of the loops that inline lazyPair (a pair misses only on its first points). */
function fillLazyPair(k: i32, missing: v128, d: i32, isInterval: usize, low: usize, high: usize, mu: usize, sig: usize, ub: usize,
  wt: usize, lazy: usize): void {
  if (i64x2.extract_lane(missing, 0) != 0) lazyOf(k, d, isInterval, low, high, mu, sig, ub, wt, lazy);
  if (i64x2.extract_lane(missing, 1) != 0) lazyOf(k + 1, d, isInterval, low, high, mu, sig, ub, wt, lazy);
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

/** Points scored together: each component's row is read once per tile. */
const TILE = 4;
/** Per point of a tile, its top score and the first component with it, when the scoring pass found them. */
const TOPS: usize = memory.data(8 * TILE, 16);
const TOPK: usize = memory.data(4 * TILE, 16);
let topsKnown = false;
const XD: usize = memory.data(8 * 4098 * TILE, 16); // a tile's points, density dims only (0 elsewhere), d <= 4096
let TH: usize = 0; // per dim of parzenPrepare: the bound's thresholds at 4, 2 and 1 sigma, and its value below them
let FARS: usize = 0; // per dim: FAR sigmas (NaN at interval dims)
let INNER: usize = 0; // per dim, low + FAR_INNER sigmas, then per dim, high - FAR_INNER sigmas (NaN at interval dims)
let thCap: i32 = 0;

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/**
 * Evaluate log p(x) for m points. x (m x d): the value for density dims, the lower edge for
 * interval dims; xhi (m x d): upper edges for interval dims (ignored otherwise, may be 0 if
 * there is none); cats (i32, m x dc). order/nd: slot -> dimension map with the nd density dims
 * first. The other arrays as parzenPrepare left them; lazy is filled in as its terms are needed.
 * single: nonzero to exponentiate the log-sum-exp's terms in single precision (see sumSingle).
 * scratch: (TILE + d + 2) x Kp doubles. out: m.
 */
export function parzenEval(K: i32, d: i32, dc: i32, low: usize, high: usize, isInterval: usize, order: usize, nd: i32,
  catSizes: usize, mu: usize, sig: usize, isR: usize, isP: usize, lzI: usize, cst: usize, ub: usize, wt: usize, lazy: usize,
  catLog: usize, m: i32, x: usize, xhi: usize, cats: usize, out: usize, scratch: usize, single: i32): void {
  const Kp = (K + 1) & ~1;
  const kps = <usize>Kp << 3;
  let S = 0;
  for (let c = 0; c < dc; c++) S += load<i32>(catSizes + (<usize>c << 2));
  // bounds on what the lazy terms can add: -(lazy term) <= log w_k + ub_k <= log wMax + ub_k
  let wMax: f64 = 0, ubMax: f64 = 0;
  for (let k = 0; k < K; k++) {
    wMax = max(wMax, ld(wt + (<usize>k << 3)));
    ubMax = max(ubMax, ld(ub + (<usize>k << 3)));
  }
  if (!(wMax > 0)) {
    for (let p = 0; p < m; p++) st(out + (<usize>p << 3), -Infinity);
    return;
  }
  const lwMax = Math.log(wMax);
  const dp = (d + 1) & ~1; // a tile row, padded to pairs
  const rowBytes = <usize>d << 3;
  const x0 = XD, x1 = XD + (<usize>dp << 3), x2 = XD + (<usize>(2 * dp) << 3), x3 = XD + (<usize>(3 * dp) << 3);
  for (let p0 = 0; p0 < m; p0 += TILE) {
    const tn = min(TILE, m - p0);
    // gather the tile (a short tile repeats its last point) and check the support
    let insideMask = 0;
    for (let t = 0; t < TILE; t++) {
      const xp = x + <usize>(p0 + min(t, tn - 1)) * rowBytes;
      const xt = XD + (<usize>(t * dp) << 3);
      let inside = true;
      for (let j = 0; j < d; j++) {
        const jo = <usize>j << 3;
        let v = ld(xp + jo);
        if (load<u8>(isInterval + <usize>j) != 0) v = 0;
        else if (!(v >= ld(low + jo) && v <= ld(high + jo))) { inside = false; v = 0; }
        st(xt + jo, v);
      }
      st(xt + rowBytes, 0);
      if (inside) insideMask |= 1 << t;
    }
    // density dims: -sum_j ((x_j - mu_kj) / (s_kj sqrt2))^2, 4 points per component row
    if (nd == 0) {
      for (let t = 0; t < TILE; t++) memory.copy(scratch + <usize>t * kps, cst, kps);
    } else if (d == 1) {
      // one dim: pairs of components side by side
      const is = isR; // d = 1: every component has its own entry
      const xv0 = v128.load64_splat(x0), xv1 = v128.load64_splat(x1), xv2 = v128.load64_splat(x2), xv3 = v128.load64_splat(x3);
      for (let k = 0; k < Kp; k += 2) {
        const ko = <usize>k << 3;
        let mv: v128, iv: v128;
        if (k + 1 < K) { mv = v128.load(mu + ko); iv = v128.load(is + ko); }
        else { mv = f64x2.replace_lane(f64x2.splat(ld(mu + ko)), 1, 0); iv = f64x2.replace_lane(f64x2.splat(ld(is + ko)), 1, 0); }
        const c = v128.load(cst + ko);
        let z = f64x2.mul(f64x2.sub(xv0, mv), iv); v128.store(scratch + ko, f64x2.sub(c, f64x2.mul(z, z)));
        z = f64x2.mul(f64x2.sub(xv1, mv), iv); v128.store(scratch + kps + ko, f64x2.sub(c, f64x2.mul(z, z)));
        z = f64x2.mul(f64x2.sub(xv2, mv), iv); v128.store(scratch + 2 * kps + ko, f64x2.sub(c, f64x2.mul(z, z)));
        z = f64x2.mul(f64x2.sub(xv3, mv), iv); v128.store(scratch + 3 * kps + ko, f64x2.sub(c, f64x2.mul(z, z)));
      }
    } else {
      // pairs of dims side by side along each component's row; with nothing to add to the rows later (no interval or
      // categorical dims), each point's top score and its first component are tracked here rather than in a pass of
      // their own
      const pairs = d >> 1;
      let m0 = -Infinity, m1 = -Infinity, m2 = -Infinity, m3 = -Infinity;
      let k0 = 0, k1 = 0, k2 = 0, k3 = 0;
      for (let k = 0; k < K; k++) {
        const mrow = mu + <usize>k * rowBytes;
        const irow = <usize>load<i32>(isP + (<usize>k << 2));
        let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
        for (let q = 0; q < pairs; q++) {
          const qo = <usize>q << 4;
          const mv = v128.load(mrow + qo), iv = v128.load(irow + qo);
          let z = f64x2.mul(f64x2.sub(v128.load(x0 + qo), mv), iv); a0 = f64x2.add(a0, f64x2.mul(z, z));
          z = f64x2.mul(f64x2.sub(v128.load(x1 + qo), mv), iv); a1 = f64x2.add(a1, f64x2.mul(z, z));
          z = f64x2.mul(f64x2.sub(v128.load(x2 + qo), mv), iv); a2 = f64x2.add(a2, f64x2.mul(z, z));
          z = f64x2.mul(f64x2.sub(v128.load(x3 + qo), mv), iv); a3 = f64x2.add(a3, f64x2.mul(z, z));
        }
        let q0 = hsum(a0), q1 = hsum(a1), q2 = hsum(a2), q3 = hsum(a3);
        if (d & 1) {
          const jo = <usize>(d - 1) << 3;
          const mj = ld(mrow + jo), ij = ld(irow + jo);
          let z = (ld(x0 + jo) - mj) * ij; q0 += z * z;
          z = (ld(x1 + jo) - mj) * ij; q1 += z * z;
          z = (ld(x2 + jo) - mj) * ij; q2 += z * z;
          z = (ld(x3 + jo) - mj) * ij; q3 += z * z;
        }
        const c = ld(cst + (<usize>k << 3));
        const ko = <usize>k << 3;
        const v0 = c - q0, v1 = c - q1, v2 = c - q2, v3 = c - q3;
        st(scratch + ko, v0); st(scratch + kps + ko, v1);
        st(scratch + 2 * kps + ko, v2); st(scratch + 3 * kps + ko, v3);
        if (v0 > m0) { m0 = v0; k0 = k; }
        if (v1 > m1) { m1 = v1; k1 = k; }
        if (v2 > m2) { m2 = v2; k2 = k; }
        if (v3 > m3) { m3 = v3; k3 = k; }
      }
      if (K < Kp) for (let t = 0; t < TILE; t++) st(scratch + <usize>t * kps + (<usize>K << 3), -Infinity);
      if (nd == d && dc == 0) {
        st(TOPS, m0); st(TOPS + 8, m1); st(TOPS + 16, m2); st(TOPS + 24, m3);
        store<i32>(TOPK, k0); store<i32>(TOPK + 4, k1); store<i32>(TOPK + 8, k2); store<i32>(TOPK + 12, k3);
        topsKnown = true;
      }
    }
    for (let t = 0; t < tn; t++) {
      const p = p0 + t;
      const row = scratch + <usize>t * kps;
      st(out + (<usize>p << 3), pointLogPdf(K, d, dc, S, low, high, isInterval, order, nd, catSizes, mu, sig, lzI, ub, lwMax, ubMax, wt, lazy,
        catLog, (insideMask >> t) & 1, p, x, xhi, cats, row, topsKnown ? t : -1, single));
    }
    topsKnown = false;
  }
}

/** Finishes one point from its row of density-dim scores: interval and categorical terms, lazy terms, log-sum-exp. */
function pointLogPdf(K: i32, d: i32, dc: i32, S: i32, low: usize, high: usize, isInterval: usize, order: usize, nd: i32,
  catSizes: usize, mu: usize, sig: usize, lzI: usize, ub: usize, lwMax: f64, ubMax: f64, wt: usize, lazy: usize, catLog: usize,
  inside: i32, p: i32, x: usize, xhi: usize, cats: usize, row: usize, known: i32, single: i32): f64 {
  if (!inside) return -Infinity;
  const Kp = (K + 1) & ~1;
  const rowBytes = <usize>d << 3;
  const xp = x + <usize>p * rowBytes;
  // interval dims: mass of [max(lo, low), min(hi, high)]
  for (let slot = nd; slot < d; slot++) {
    const j = load<i32>(order + (<usize>slot << 2));
    const jo = <usize>j << 3;
    const a = max(ld(xp + jo), ld(low + jo));
    const b = min(ld(xhi + <usize>p * rowBytes + jo), ld(high + jo));
    if (!(b > a)) return -Infinity;
    for (let kk = 0; kk < K; kk++) {
      const ko = <usize>kk * rowBytes + jo;
      const m = ld(mu + ko), s = ld(sig + ko);
      const q = row + (<usize>kk << 3);
      st(q, ld(q) + logNormMass((a - m) / s, (b - m) / s) - ld(lzI + ko));
    }
  }
  // categorical dims
  if (dc > 0) {
    const cp = cats + <usize>p * <usize>dc * 4;
    let off = 0;
    for (let c = 0; c < dc; c++) {
      const v = load<i32>(cp + (<usize>c << 2));
      const size = load<i32>(catSizes + (<usize>c << 2));
      if (v < 0 || v >= size) return -Infinity;
      for (let kk = 0; kk < K; kk++) {
        const q = row + (<usize>kk << 3);
        st(q, ld(q) + ld(catLog + (<usize>(kk * S + off + v) << 3)));
      }
      off += size;
    }
  }
  // The best of the scores without the lazy terms is the component to beat: its full score, `best`, is a lower
  // bound on the maximum, and the sum is taken relative to it. Components whose bound keeps them within reach of it
  // get their lazy terms (computed once per mixture); the others, and padding (its row is -inf), add nothing.
  let top: f64, kTop: i32;
  if (known >= 0) {
    top = ld(TOPS + (<usize>known << 3));
    kTop = load<i32>(TOPK + (<usize>known << 2));
  } else {
    let m2 = f64x2.splat(-Infinity);
    let i2 = i64x2.splat(0);
    const step = i64x2.splat(2);
    let k2 = i64x2.replace_lane(i64x2.splat(0), 1, 1);
    for (let k = 0; k < Kp; k += 2) {
      const r = v128.load(row + (<usize>k << 3));
      const up = f64x2.gt(r, m2);
      m2 = v128.bitselect(r, m2, up);
      i2 = v128.bitselect(k2, i2, up);
      k2 = i64x2.add(k2, step);
    }
    const top0 = f64x2.extract_lane(m2, 0), top1 = f64x2.extract_lane(m2, 1);
    // the first index of the top score, as a scalar scan would find it (ties go to the lower index)
    kTop = <i32>(top1 > top0 || (top1 == top0 && i64x2.extract_lane(i2, 1) < i64x2.extract_lane(i2, 0))
      ? i64x2.extract_lane(i2, 1) : i64x2.extract_lane(i2, 0));
    top = max(top0, top1);
  }
  if (!(top > -Infinity)) return -Infinity;
  const lwTop = Math.log(ld(wt + (<usize>kTop << 3)));
  const best = top - lazyOf(kTop, d, isInterval, low, high, mu, sig, ub, wt, lazy);
  const floor = best - REACH - lwMax;
  // A full score exceeds best by at most lwMax - log w_kTop + ubMax (see parzenEval): when exp of that could
  // overflow, the maximum is found first.
  if (lwMax - lwTop + ubMax > 700) return twoPassLogSumExp(K, d, isInterval, low, high, mu, sig, ub, wt, lazy, row, floor);
  const floorv = f64x2.splat(floor);
  const bestv = f64x2.splat(best);
  const ninf = f64x2.splat(-Infinity);
  let s0 = f64x2.splat(0);
  for (let k = 0; k < Kp; k += 2) {
    const o = <usize>k << 3;
    const r = v128.load(row + o);
    const reach = f64x2.gt(f64x2.add(r, v128.load(ub + o)), floorv);
    if (!v128.any_true(reach)) continue;
    const v = v128.bitselect(f64x2.sub(r, lazyPair(k, reach, d, isInterval, low, high, mu, sig, ub, wt, lazy)), ninf, reach);
    s0 = f64x2.add(s0, expv(f64x2.sub(v, bestv)));
  }
  return best + Math.log(f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1));
}

/**
 * pointLogPdf's log-sum-exp when scores may lie far above `best`: full scores of the components within reach
 * (`floor`) are written back to the row with their maximum found, then summed relative to it.
 */
function twoPassLogSumExp(K: i32, d: i32, isInterval: usize, low: usize, high: usize, mu: usize, sig: usize, ub: usize,
  wt: usize, lazy: usize, row: usize, floor: f64): f64 {
  const Kp = (K + 1) & ~1;
  const floorv = f64x2.splat(floor);
  const ninf = f64x2.splat(-Infinity);
  let m2 = ninf;
  for (let k = 0; k < Kp; k += 2) {
    const o = <usize>k << 3;
    const r = v128.load(row + o);
    const reach = f64x2.gt(f64x2.add(r, v128.load(ub + o)), floorv);
    if (!v128.any_true(reach)) {
      v128.store(row + o, ninf);
      continue;
    }
    const v = v128.bitselect(f64x2.sub(r, lazyPair(k, reach, d, isInterval, low, high, mu, sig, ub, wt, lazy)), ninf, reach);
    v128.store(row + o, v);
    m2 = f64x2.pmax(m2, v);
  }
  const mx = max(f64x2.extract_lane(m2, 0), f64x2.extract_lane(m2, 1));
  const mv = f64x2.splat(mx);
  let s0 = f64x2.splat(0);
  for (let k = 0; k < Kp; k += 2) s0 = f64x2.add(s0, expv(f64x2.sub(v128.load(row + (<usize>k << 3)), mv)));
  return mx + Math.log(f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1));
}



