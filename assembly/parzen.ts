// Parzen estimators for TPE: mixtures of truncated normals (product over dimensions) with optional categorical
// dimensions, evaluated for a batch of points: scores in double precision, the log-sum-exp's exponentials in single
// precision (see sumExp).
//
// Component k has weight w_k, and per numeric dimension j a mean mu_kj, sigma s_kj, truncated to [low_j, high_j]
// with normaliser Z_kj = Phi((high_j-mu_kj)/s_kj) - Phi((low_j-mu_kj)/s_kj). Per categorical dimension c it has a
// probability vector p_kc (sums to 1).
//   density dim j:  N(x_j; mu_kj, s_kj) / Z_kj              (x_j in [low_j, high_j], else 0)
//   interval dim j: (Phi(b) - Phi(a)) / Z_kj, a = (max(lo_j, low_j) - mu)/s, b = (min(hi_j, high_j) - mu)/s
//   categorical c:  p_kc[x_c]
//   log p(x) = logsumexp_k ( log w_k + sum_j log term_kj + sum_c log p_kc[x_c] )
//
// What does not depend on the point is folded into one constant per component when preparing (the normalisers
// included); a point's components are then scored four points at a time against each component's row, and the
// interval dims' terms computed once per distinct cell and distinct (mu, s) among a block's points (see BLOCK).

import { expf4, expv, logNormMass } from "./math";

const HALF_LOG_2PI: f64 = 0.9189385332046728;
const INV_SQRT2: f64 = 0.7071067811865476;
/**
 * Components scoring this far (in log) below a point's best one add less than e^-36 of it to the sum: they are
 * skipped.
 */
const REACH: f64 = 36.0;
/** Error codes of parzenPrepare: kind | (index << 3). */
const BAD_WEIGHT = 1, BAD_SIGMA = 2, BAD_MU = 3, BAD_BOUNDS = 4;

// @ts-ignore: decorator
@inline function ld(p: usize): f64 { return load<f64>(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: f64): void { store<f64>(p, v); }

/**
 * Checks and prepares a mixture. Inputs: K, d, dc; w (K); mu, sig (K x d, row-major); low, high (d); isInterval
 * (u8, d); catSizes (i32, dc); catProbs (K x S, S = sum catSizes). Outputs: inv (K x d): 1/(s sqrt2) at density dims,
 * 0 at interval dims; cst (K): log w_k minus, over the numeric dims, log Z_kj and, at density dims, log s_kj +
 * log sqrt(2 pi); catLog (K x S): log probabilities. Returns 0, or an error code kind | (index << 3) naming the first
 * invalid input.
 */
export function parzenPrepare(K: i32, d: i32, dc: i32, w: usize, mu: usize, sig: usize, low: usize, high: usize,
  isInterval: usize, catSizes: usize, catProbs: usize, inv: usize, cst: usize, catLog: usize): i32 {
  for (let k = 0; k < K; k++) if (!(ld(w + (<usize>k << 3)) >= 0)) return BAD_WEIGHT | (k << 3);
  for (let i = 0; i < K * d; i++) {
    const s = ld(sig + (<usize>i << 3));
    if (!(s > 0) || s == Infinity) return BAD_SIGMA | (i << 3);
    if (!isFinite(ld(mu + (<usize>i << 3)))) return BAD_MU | (i << 3);
  }
  for (let j = 0; j < d; j++) if (!(ld(low + (<usize>j << 3)) < ld(high + (<usize>j << 3)))) return BAD_BOUNDS | (j << 3);
  const rowBytes = <usize>d << 3;
  let sumLogS: f64 = 0;
  for (let k = 0; k < K; k++) {
    const row = <usize>k * rowBytes;
    // the sigmas' terms, computed only where they differ from the previous component's (in multivariate TPE every
    // component but the prior shares them)
    if (k > 0 && memory.compare(sig + row, sig + row - rowBytes, rowBytes) == 0) memory.copy(inv + row, inv + row - rowBytes, rowBytes);
    else sumLogS = sigmaRow(d, sig + row, isInterval, inv + row);
    let c = Math.log(ld(w + (<usize>k << 3))) - sumLogS;
    for (let j = 0; j < d; j++) {
      const o = row + (<usize>j << 3), jo = <usize>j << 3;
      c -= logNormMass((ld(low + jo) - ld(mu + o)) / ld(sig + o), (ld(high + jo) - ld(mu + o)) / ld(sig + o));
    }
    st(cst + (<usize>k << 3), c);
  }
  let S = 0;
  for (let c = 0; c < dc; c++) S += load<i32>(catSizes + (<usize>c << 2));
  const n = <usize>K * <usize>S;
  for (let i: usize = 0; i < n; i++) st(catLog + (i << 3), Math.log(ld(catProbs + (i << 3))));
  return 0;
}

/**
 * A row of sigmas' inverse, 1/(s sqrt2) at density dims and 0 at interval dims, into invRow; returns the sum over
 * density dims of log s + log sqrt(2 pi).
 */
function sigmaRow(d: i32, sigRow: usize, isInterval: usize, invRow: usize): f64 {
  let sum: f64 = 0;
  for (let j = 0; j < d; j++) {
    const o = <usize>j << 3;
    if (load<u8>(isInterval + j)) {
      st(invRow + o, 0);
      continue;
    }
    const s = ld(sigRow + o);
    st(invRow + o, INV_SQRT2 / s);
    sum += Math.log(s) + HALF_LOG_2PI;
  }
  return sum;
}

/** Points scored together: each component's row is read once per tile (and its dims two at a time). */
const TILE = 4;
/**
 * Points finished together (a multiple of TILE): an interval dim's term depends only on the point's cell and the
 * component's mean and sigma there, and both repeat (an integer parameter has few values, and the observations that
 * are the components' means take them too), so each distinct cell's terms are computed once per block and distinct
 * (mean, sigma) (see addIntervalTerms). Fewer for a large mixture: a block's scores take at most BLOCK_BYTES.
 */
const BLOCK = 64;
const BLOCK_BYTES = 4 << 20;

/** The points of a block for K components and m points: a multiple of TILE, at most BLOCK. */
function blockRows(K: i32, m: i32): i32 {
  const fit = max(TILE, min(BLOCK, (BLOCK_BYTES / (K << 3)) & ~(TILE - 1)));
  return min(fit, (m + TILE - 1) & ~(TILE - 1));
}

// @ts-ignore: decorator
@inline function pad16(bytes: i32): i32 { return (bytes + 15) & ~15; }

/** Slots of the hash table of distinct (mean, sigma) pairs among K components: a power of two, at least 2K. */
// @ts-ignore: decorator
@inline function hashSlots(K: i32): i32 { return 1 << (33 - clz(K)); }

/**
 * Bytes of addIntervalTerms' work area: a column of K terms, each component's class (i32), the classes' means,
 * sigmas and terms, the hash table (i32).
 */
function intervalWorkBytes(K: i32): i32 { return pad16(K << 3) * 4 + pad16(K << 2) + pad16(hashSlots(K) << 2); }

/** Bytes of parzenEval's scratch for K components, d numeric dims and m points. */
export function parzenScratchBytes(K: i32, d: i32, m: i32): i32 {
  return (TILE * ((d + 1) & ~1) << 3) + (BLOCK << 2) + intervalWorkBytes(K) + (K * blockRows(K, m) << 3);
}

/**
 * log p at m points into out (m). Points: xlo (m x d): the value, or at interval dims the interval's lower edge;
 * xhi (m x d, 0 when there are no interval dims): the upper edge at interval dims; cats (i32, m x dc). The tables as
 * parzenPrepare left them. scratch: parzenScratchBytes(K, d, m) bytes. A point outside the box or with a category
 * out of range has log p = -inf.
 */
export function parzenEval(K: i32, d: i32, dc: i32, mu: usize, sig: usize, inv: usize, cst: usize, low: usize, high: usize, isInterval: usize, catSizes: usize, catLog: usize, m: i32, xlo: usize,
  xhi: usize, cats: usize, out: usize, scratch: usize): void {
  const dp = (d + 1) & ~1; // a tile's point, padded to pairs of dims
  const tile = scratch; // TILE x dp: the tile's points, 0 at interval dims and padding
  const cell = tile + (<usize>(TILE * dp) << 3); // BLOCK i32: -1 outside the box, else 0 or 1 (see addIntervalTerms)
  const work = cell + (<usize>BLOCK << 2); // addIntervalTerms' work area
  const scores = work + <usize>intervalWorkBytes(K); // rows x K: each point's component scores
  const rows = blockRows(K, m);
  for (let b0 = 0; b0 < m; b0 += rows) {
    const nb = min(rows, m - b0);
    for (let t0 = 0; t0 < nb; t0 += TILE) {
      // the tile (a short one repeats the last point)
      for (let t = 0; t < TILE; t++) {
        const xp = xlo + (<usize>(min(b0 + t0 + t, m - 1) * d) << 3);
        const xt = tile + (<usize>(t * dp) << 3);
        for (let j = 0; j < d; j++) st(xt + (<usize>j << 3), load<u8>(isInterval + j) ? 0 : ld(xp + (<usize>j << 3)));
        if (d & 1) st(xt + (<usize>d << 3), 0);
      }
      scoreTile(K, d, dp, mu, inv, cst, tile, scores + (<usize>(t0 * K) << 3));
    }
    for (let i = 0; i < nb; i++) {
      const p = b0 + i;
      const isIn = inside(d, dc, xlo + (<usize>(p * d) << 3), xhi + (<usize>(p * d) << 3), cats + (<usize>(p * dc) << 2), low, high, isInterval, catSizes);
      store<i32>(cell + (<usize>i << 2), isIn ? 0 : -1);
    }
    addIntervalTerms(K, d, mu, sig, low, high, isInterval, nb, xlo + (<usize>(b0 * d) << 3), xhi + (<usize>(b0 * d) << 3), cell, work, scores);
    for (let i = 0; i < nb; i++) {
      const p = b0 + i;
      st(out + (<usize>p << 3), load<i32>(cell + (<usize>i << 2)) < 0 ? -Infinity
        : finishPoint(K, dc, catSizes, catLog, cats + (<usize>(p * dc) << 2), scores + (<usize>(i * K) << 3)));
    }
  }
}

/**
 * Adds each interval dim's terms log (Phi(b) - Phi(a)) / Z_kj (Z_kj is in cst) to the scores (nb x K) of a block's
 * points inside the box (cell[i] >= 0; marks are left -1 or 1), dim by dim in order. A term is a function of the
 * cell [a, b] and the component's (mu, s) there, computed once per distinct cell and distinct (mu, s) and added to
 * every point in the cell: each point gets the same sums as computing its own. work: intervalWorkBytes(K) bytes.
 */
function addIntervalTerms(K: i32, d: i32, mu: usize, sig: usize, low: usize, high: usize, isInterval: usize, nb: i32,
  xlo: usize, xhi: usize, cell: usize, work: usize, scores: usize): void {
  const column = work; // K: one cell's terms
  const classMu = column + <usize>pad16(K << 3), classS = classMu + <usize>pad16(K << 3); // C: a class's (mu, s)
  const classTerm = classS + <usize>pad16(K << 3); // C: a class's term for the cell
  const classOf = classTerm + <usize>pad16(K << 3); // K i32: a component's class
  const hash = classOf + <usize>pad16(K << 2);
  for (let j = 0; j < d; j++) {
    if (!load<u8>(isInterval + j)) continue;
    const o = <usize>j << 3;
    const lo = ld(low + o), hi = ld(high + o);
    const C = classesOf(K, d, j, mu, sig, hash, classOf, classMu, classS);
    for (let i = 0; i < nb; i++) if (load<i32>(cell + (<usize>i << 2)) > 0) store<i32>(cell + (<usize>i << 2), 0);
    for (let i = 0; i < nb; i++) {
      if (load<i32>(cell + (<usize>i << 2)) != 0) continue;
      const a = max(ld(xlo + (<usize>(i * d) << 3) + o), lo), b = min(ld(xhi + (<usize>(i * d) << 3) + o), hi);
      for (let c = 0; c < C; c++) {
        const co = <usize>c << 3, s = ld(classS + co), m = ld(classMu + co);
        st(classTerm + co, logNormMass((a - m) / s, (b - m) / s));
      }
      for (let k = 0; k < K; k++) st(column + (<usize>k << 3), ld(classTerm + (<usize>load<i32>(classOf + (<usize>k << 2)) << 3)));
      // this point and the later ones in the same cell
      for (let i2 = i; i2 < nb; i2++) {
        if (load<i32>(cell + (<usize>i2 << 2)) != 0) continue;
        const x2 = (<usize>(i2 * d) << 3) + o;
        // the same bits (not merely ==: -0 and 0 may give different terms), so the same terms
        if (reinterpret<u64>(max(ld(xlo + x2), lo)) != reinterpret<u64>(a) || reinterpret<u64>(min(ld(xhi + x2), hi)) != reinterpret<u64>(b)) continue;
        store<i32>(cell + (<usize>i2 << 2), 1);
        const row = scores + (<usize>(i2 * K) << 3);
        for (let k = 0; k < K; k++) st(row + (<usize>k << 3), ld(row + (<usize>k << 3)) + ld(column + (<usize>k << 3)));
      }
    }
  }
}

/**
 * The distinct (mu_kj, s_kj) pairs of dim j (bit for bit) into classMu and classS, each component's class into
 * classOf (i32); returns their number. hash: hashSlots(K) i32 slots (a class + 1, 0 when free).
 */
function classesOf(K: i32, d: i32, j: i32, mu: usize, sig: usize, hash: usize, classOf: usize, classMu: usize, classS: usize): i32 {
  const mask = hashSlots(K) - 1;
  memory.fill(hash, 0, <usize>(mask + 1) << 2);
  let C = 0;
  for (let k = 0; k < K; k++) {
    const e = <usize>(k * d + j) << 3;
    const mb = load<u64>(mu + e), sb = load<u64>(sig + e);
    let h = <i32>(((mb ^ (sb * 0x9E3779B97F4A7C15)) * 0xBF58476D1CE4E5B9) >> 40) & mask;
    for (;;) {
      const slot = hash + (<usize>h << 2);
      const c = load<i32>(slot) - 1;
      if (c < 0) {
        store<i32>(slot, C + 1);
        store<u64>(classMu + (<usize>C << 3), mb);
        store<u64>(classS + (<usize>C << 3), sb);
        store<i32>(classOf + (<usize>k << 2), C++);
        break;
      }
      if (load<u64>(classMu + (<usize>c << 3)) == mb && load<u64>(classS + (<usize>c << 3)) == sb) {
        store<i32>(classOf + (<usize>k << 2), c);
        break;
      }
      h = (h + 1) & mask;
    }
  }
  return C;
}

/**
 * The density dims' part of every component's score at the tile's four points: scores[t * K + k] = cst_k -
 * sum_j ((x_tj - mu_kj) / (s_kj sqrt2))^2 (inv is 0 at interval dims, whose terms finishPoint adds).
 */
function scoreTile(K: i32, d: i32, dp: i32, mu: usize, inv: usize, cst: usize, tile: usize, scores: usize): void {
  const x0 = tile, x1 = tile + (<usize>dp << 3), x2 = tile + (<usize>(2 * dp) << 3), x3 = tile + (<usize>(3 * dp) << 3);
  // the tile's first pair of dims held across components: at d = 2, the loop over pairs below is not entered, whose
  // setup, once per component, cost more than the arithmetic
  const p0 = v128.load(x0), p1 = v128.load(x1), p2 = v128.load(x2), p3 = v128.load(x3);
  const pairs = d >> 1, rowBytes = <usize>d << 3, row = <usize>K << 3;
  let mrow = mu, irow = inv;
  for (let k = 0; k < K; k++, mrow += rowBytes, irow += rowBytes) {
    let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
    if (pairs > 0) {
      // 0 + z*z = z*z (a square is never -0)
      const mv = v128.load(mrow), iv = v128.load(irow);
      let z = f64x2.mul(f64x2.sub(p0, mv), iv); a0 = f64x2.mul(z, z);
      z = f64x2.mul(f64x2.sub(p1, mv), iv); a1 = f64x2.mul(z, z);
      z = f64x2.mul(f64x2.sub(p2, mv), iv); a2 = f64x2.mul(z, z);
      z = f64x2.mul(f64x2.sub(p3, mv), iv); a3 = f64x2.mul(z, z);
    }
    for (let q = 1; q < pairs; q++) {
      const o = <usize>q << 4;
      const mv = v128.load(mrow + o), iv = v128.load(irow + o);
      let z = f64x2.mul(f64x2.sub(v128.load(x0 + o), mv), iv); a0 = f64x2.add(a0, f64x2.mul(z, z));
      z = f64x2.mul(f64x2.sub(v128.load(x1 + o), mv), iv); a1 = f64x2.add(a1, f64x2.mul(z, z));
      z = f64x2.mul(f64x2.sub(v128.load(x2 + o), mv), iv); a2 = f64x2.add(a2, f64x2.mul(z, z));
      z = f64x2.mul(f64x2.sub(v128.load(x3 + o), mv), iv); a3 = f64x2.add(a3, f64x2.mul(z, z));
    }
    let q0 = hsum(a0), q1 = hsum(a1), q2 = hsum(a2), q3 = hsum(a3);
    if (d & 1) {
      const o = <usize>(d - 1) << 3;
      const mj = ld(mrow + o), ij = ld(irow + o);
      let z = (ld(x0 + o) - mj) * ij; q0 += z * z;
      z = (ld(x1 + o) - mj) * ij; q1 += z * z;
      z = (ld(x2 + o) - mj) * ij; q2 += z * z;
      z = (ld(x3 + o) - mj) * ij; q3 += z * z;
    }
    const c = ld(cst + (<usize>k << 3)), ko = <usize>k << 3;
    st(scores + ko, c - q0);
    st(scores + row + ko, c - q1);
    st(scores + 2 * row + ko, c - q2);
    st(scores + 3 * row + ko, c - q3);
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }

/**
 * One point's log p from its scores (K, overwritten) with the density and interval terms: the categorical terms
 * added, then the log-sum-exp.
 */
function finishPoint(K: i32, dc: i32, catSizes: usize, catLog: usize, cp: usize, scores: usize): f64 {
  let S = 0;
  for (let c = 0; c < dc; c++) S += load<i32>(catSizes + (<usize>c << 2));
  let off = 0;
  for (let c = 0; c < dc; c++) {
    const v = load<i32>(cp + (<usize>c << 2)), size = load<i32>(catSizes + (<usize>c << 2));
    for (let k = 0; k < K; k++) st(scores + (<usize>k << 3), ld(scores + (<usize>k << 3)) + ld(catLog + (<usize>(k * S + off + v) << 3)));
    off += size;
  }
  const best = topScore(K, scores);
  if (best == -Infinity) return -Infinity;
  return best + Math.log(sumExp(K, scores, best));
}

/**
 * The largest of K scores, NaN if any is NaN (as f64.max would give). f64x2.max's rules for NaN and signed zeros cost
 * V8 seven dependent instructions, chained through all K scores; pmax is one instruction, here in four independent
 * chains, with NaN marked aside. The largest number is the same; only which of -0 and +0 is taken may differ, which
 * changes no result: s - top and exp(s - top) are the same for both zeros, and so is top + log(sum), sum >= 1.
 */
function topScore(K: i32, scores: usize): f64 {
  let b0 = f64x2.splat(-Infinity), b1 = b0, b2 = b0, b3 = b0, nan = f64x2.splat(0);
  let k = 0;
  for (; k + 8 <= K; k += 8) {
    const o = scores + (<usize>k << 3);
    const v0 = v128.load(o), v1 = v128.load(o + 16), v2 = v128.load(o + 32), v3 = v128.load(o + 48);
    b0 = f64x2.pmax(b0, v0); b1 = f64x2.pmax(b1, v1); b2 = f64x2.pmax(b2, v2); b3 = f64x2.pmax(b3, v3);
    nan = v128.or(nan, v128.or(v128.or(f64x2.ne(v0, v0), f64x2.ne(v1, v1)), v128.or(f64x2.ne(v2, v2), f64x2.ne(v3, v3))));
  }
  for (; k + 2 <= K; k += 2) {
    const v = v128.load(scores + (<usize>k << 3));
    b0 = f64x2.pmax(b0, v);
    nan = v128.or(nan, f64x2.ne(v, v));
  }
  b0 = f64x2.pmax(f64x2.pmax(b0, b1), f64x2.pmax(b2, b3));
  let best = max(f64x2.extract_lane(b0, 0), f64x2.extract_lane(b0, 1));
  if (k < K) best = max(best, ld(scores + (<usize>k << 3)));
  return v128.any_true(nan) ? NaN : best;
}

/**
 * sum_k exp(scores_k - top) over the K scores within reach of top, four at a time in single precision (expf4): each
 * term's relative error is about 1e-7, so log p is off by about 1e-7 (the tests allow 1e-6), nothing beside the gaps
 * between the candidates TPE ranks, for about a third of the cost of the double-precision exp: late in a run nearly
 * all of g's thousand components are within reach of every candidate, and these exps are most of an ask at small d.
 */
function sumExp(K: i32, scores: usize, top: f64): f64 {
  const tv = f64x2.splat(top), bar = f64x2.splat(-REACH);
  let s0 = f64x2.splat(0), s1 = s0;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 3;
    const u0 = f64x2.sub(v128.load(scores + o), tv), u1 = f64x2.sub(v128.load(scores + o + 16), tv);
    const near0 = f64x2.gt(u0, bar), near1 = f64x2.gt(u1, bar);
    if (!v128.any_true(v128.or(near0, near1))) continue;
    const e = expf4(v128.shuffle<i32>(f32x4.demote_f64x2_zero(u0), f32x4.demote_f64x2_zero(u1), 0, 1, 4, 5));
    s0 = f64x2.add(s0, v128.and(f64x2.promote_low_f32x4(e), near0));
    s1 = f64x2.add(s1, v128.and(f64x2.promote_low_f32x4(v128.shuffle<i32>(e, e, 2, 3, 2, 3)), near1));
  }
  s0 = f64x2.add(s0, s1);
  let sum = f64x2.extract_lane(s0, 0) + f64x2.extract_lane(s0, 1);
  for (; k < K; k++) {
    const u = ld(scores + (<usize>k << 3)) - top;
    if (u > -REACH) sum += Math.exp(u);
  }
  return sum;
}

/** Whether a point lies in the box (for interval dims: its interval meets it) and its categories are in range. */
function inside(d: i32, dc: i32, xp: usize, hp: usize, cp: usize, low: usize, high: usize, isInterval: usize,
  catSizes: usize): bool {
  for (let j = 0; j < d; j++) {
    const o = <usize>j << 3;
    const lo = ld(low + o), hi = ld(high + o);
    if (load<u8>(isInterval + j)) {
      if (!(min(ld(hp + o), hi) > max(ld(xp + o), lo))) return false;
    } else {
      const x = ld(xp + o);
      if (!(x >= lo && x <= hi)) return false;
    }
  }
  for (let c = 0; c < dc; c++) {
    const v = load<i32>(cp + (<usize>c << 2));
    if (!(v >= 0 && v < load<i32>(catSizes + (<usize>c << 2)))) return false;
  }
  return true;
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
