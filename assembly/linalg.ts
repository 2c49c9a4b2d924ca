// Dense linear algebra on row-major f64 matrices addressed by raw pointers.
// All kernels are allocation-free except where noted; the caller (src/numeric/wasm.ts)
// owns every buffer.

// @ts-ignore: decorator
@inline function ld(p: usize): f64 { return load<f64>(p); }
// @ts-ignore: decorator
@inline function st(p: usize, v: f64): void { store<f64>(p, v); }

/** Scratch for micro-kernel results (8 doubles), static. */
export const TILE: usize = memory.data(128, 16);
/** Inverse diagonal of the current diagonal block (max block width 256). */
const DINV: usize = memory.data(256 * 8, 16);

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Dot product of two contiguous f64 vectors of length len. */
export function dot(a: usize, b: usize, len: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= len; k += 4) {
    const o = <usize>k << 3;
    s0 = f64x2.add(s0, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f64x2.add(s1, f64x2.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  let s = hsum(f64x2.add(s0, s1));
  for (; k < len; k++) {
    const o = <usize>k << 3;
    s += ld(a + o) * ld(b + o);
  }
  return s;
}

/**
 * 4x2 tile of row dot products: TILE[r*2+c] = sum_k a_r[k] * b_c[k], where a_r = a + r*lda,
 * b_c = b + c*ldb (strides in bytes), k in [0, len).
 */
export function tile42(a: usize, lda: usize, b: usize, ldb: usize, len: i32): void {
  const a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
  const b0 = b, b1 = b + ldb;
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const end = <usize>(len & ~1) << 3;
  for (let o: usize = 0; o < end; o += 16) {
    const x0 = v128.load(b0 + o);
    const x1 = v128.load(b1 + o);
    let y = v128.load(a0 + o);
    c00 = f64x2.add(c00, f64x2.mul(y, x0));
    c01 = f64x2.add(c01, f64x2.mul(y, x1));
    y = v128.load(a1 + o);
    c10 = f64x2.add(c10, f64x2.mul(y, x0));
    c11 = f64x2.add(c11, f64x2.mul(y, x1));
    y = v128.load(a2 + o);
    c20 = f64x2.add(c20, f64x2.mul(y, x0));
    c21 = f64x2.add(c21, f64x2.mul(y, x1));
    y = v128.load(a3 + o);
    c30 = f64x2.add(c30, f64x2.mul(y, x0));
    c31 = f64x2.add(c31, f64x2.mul(y, x1));
  }
  let s00 = hsum(c00), s01 = hsum(c01), s10 = hsum(c10), s11 = hsum(c11);
  let s20 = hsum(c20), s21 = hsum(c21), s30 = hsum(c30), s31 = hsum(c31);
  if (len & 1) {
    const o = end;
    const x0 = ld(b0 + o), x1 = ld(b1 + o);
    let y = ld(a0 + o); s00 += y * x0; s01 += y * x1;
    y = ld(a1 + o); s10 += y * x0; s11 += y * x1;
    y = ld(a2 + o); s20 += y * x0; s21 += y * x1;
    y = ld(a3 + o); s30 += y * x0; s31 += y * x1;
  }
  st(TILE, s00); st(TILE + 8, s01); st(TILE + 16, s10); st(TILE + 24, s11);
  st(TILE + 32, s20); st(TILE + 40, s21); st(TILE + 48, s30); st(TILE + 56, s31);
}

/**
 * Packed 4x2 tile: a = [k-pair][4 rows][2], b = [k-pair][2 rows][2] (both contiguous, so every
 * load uses one pointer and an immediate offset: fewer instructions than tile42). len even.
 * TILE[r*2+c] = sum_k a_r[k] b_c[k].
 */
function tile42p(a: usize, b: usize, len: i32): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0), c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0), c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let pa = a, pb = b;
  const end = b + (<usize>(len >> 1) << 5);
  while (pb < end) {
    const x0 = v128.load(pb), x1 = v128.load(pb, 16);
    let y = v128.load(pa);
    c00 = f64x2.add(c00, f64x2.mul(y, x0)); c01 = f64x2.add(c01, f64x2.mul(y, x1));
    y = v128.load(pa, 16);
    c10 = f64x2.add(c10, f64x2.mul(y, x0)); c11 = f64x2.add(c11, f64x2.mul(y, x1));
    y = v128.load(pa, 32);
    c20 = f64x2.add(c20, f64x2.mul(y, x0)); c21 = f64x2.add(c21, f64x2.mul(y, x1));
    y = v128.load(pa, 48);
    c30 = f64x2.add(c30, f64x2.mul(y, x0)); c31 = f64x2.add(c31, f64x2.mul(y, x1));
    pa += 64;
    pb += 32;
  }
  st(TILE, hsum(c00)); st(TILE + 8, hsum(c01)); st(TILE + 16, hsum(c10)); st(TILE + 24, hsum(c11));
  st(TILE + 32, hsum(c20)); st(TILE + 40, hsum(c21)); st(TILE + 48, hsum(c30)); st(TILE + 56, hsum(c31));
}

/** Pack `rows` rows (stride rs bytes) over k in [0, len) (len even) as [k-pair][row][2] into out. */
function packRows(src: usize, rs: usize, rows: i32, len: i32, out: usize): void {
  const pairs = len >> 1;
  const step = <usize>rows << 4;
  for (let r = 0; r < rows; r++) {
    const row = src + <usize>r * rs;
    let o = out + (<usize>r << 4);
    for (let kp = 0; kp < pairs; kp++) {
      v128.store(o, v128.load(row + (<usize>kp << 4)));
      o += step;
    }
  }
}

const NB: i32 = 64; // block column width (at most 256, the size of DINV); 64 measured best for n = 500..2000

/**
 * In-place Cholesky of the lower triangle of the row-major n x n matrix at `l`
 * (the upper triangle is used as scratch and left undefined).
 * Blocked left-looking (row-oriented "Crout" form: every entry is A[i][j] minus a dot product of
 * two contiguous row prefixes). Per block column J = [jb, jb+NB): the diagonal block is updated
 * with 4x2 f64x2 register tiles (4 rows x 2 columns of dot products, 8 v128 accumulators) and
 * factored unblocked; then the rows below are finished four at a time, two columns per tile,
 * over the full prefix [0, j) (the k = j term of the second column is added after the first).
 * Returns 0 on success or (index of the failing pivot + 1).
 */
export function choleskyInPlace(l: usize, n: i32): i32 {
  if (n <= NB) return choleskyBlocks(l, n, 0, 0);
  const apk = heap.alloc(<usize>n << 5);
  const bpk = heap.alloc(<usize>NB * <usize>n << 3);
  const r = choleskyBlocks(l, n, apk, bpk);
  heap.free(bpk);
  heap.free(apk);
  return r;
}

function choleskyBlocks(l: usize, n: i32, APK: usize, BPK: usize): i32 {
  const rs = <usize>n << 3; // row stride in bytes
  for (let jb = 0; jb < n; jb += NB) {
    const je = min(jb + NB, n);
    // 1. diagonal block rows [jb, je): subtract L[i,0:jb] L[J,0:jb]^T (4x2 register tiles)
    if (jb > 0) {
      let i = jb;
      for (; i + 4 <= je; i += 4) {
        const ai = l + <usize>i * rs;
        let j = jb;
        const jlim = i + 4;
        for (; j + 2 <= jlim; j += 2) {
          tile42(ai, rs, l + <usize>j * rs, rs, jb);
          sub42(ai + (<usize>j << 3), rs);
        }
      }
      for (; i < je; i++) {
        const ai = l + <usize>i * rs;
        for (let j = jb; j <= i; j++) {
          const p = ai + (<usize>j << 3);
          st(p, ld(p) - dot(ai, l + <usize>j * rs, jb));
        }
      }
    }
    // 2. factor the diagonal block (unblocked, left-looking within the block)
    const jo = <usize>jb << 3;
    for (let j = jb; j < je; j++) {
      const rj = l + <usize>j * rs;
      const dj = ld(rj + (<usize>j << 3)) - dot(rj + jo, rj + jo, j - jb);
      if (!(dj > 0) || !isFinite(dj)) return j + 1;
      const ljj = Math.sqrt(dj);
      st(rj + (<usize>j << 3), ljj);
      st(DINV + (<usize>(j - jb) << 3), 1.0 / ljj);
      for (let i = j + 1; i < je; i++) {
        const ri = l + <usize>i * rs;
        const p = ri + (<usize>j << 3);
        st(p, (ld(p) - dot(ri + jo, rj + jo, j - jb)) / ljj);
      }
    }
    // 3. panel rows [je, n), four at a time: L[i,j] = (A[i,j] - L[i,0:j] L[j,0:j]^T) / L[j,j],
    // two columns j, j+1 per 4x2 tile (the j+1 sums miss the k = j term, added after L[i,j] is known).
    // The long part of the dot products, k in [0, jb), runs on packed copies of the rows
    // (the block rows packed once per block, the four panel rows once per tile row).
    const npairs = (je - jb) >> 1;
    if (jb > 0 && je + 4 <= n) {
      for (let pp = 0; pp < npairs; pp++) packRows(l + <usize>(jb + 2 * pp) * rs, rs, 2, jb, BPK + <usize>pp * (<usize>jb << 4));
    }
    let i = je;
    for (; i + 4 <= n; i += 4) {
      const r0 = l + <usize>i * rs;
      if (jb > 0) packRows(r0, rs, 4, jb, APK);
      let j = jb;
      for (; j + 2 <= je; j += 2) {
        const rj = l + <usize>j * rs;
        const jj = <usize>j << 3;
        let t00: f64 = 0, t01: f64 = 0, t10: f64 = 0, t11: f64 = 0, t20: f64 = 0, t21: f64 = 0, t30: f64 = 0, t31: f64 = 0;
        if (jb > 0) {
          tile42p(APK, BPK + <usize>((j - jb) >> 1) * (<usize>jb << 4), jb);
          t00 = ld(TILE); t01 = ld(TILE + 8); t10 = ld(TILE + 16); t11 = ld(TILE + 24);
          t20 = ld(TILE + 32); t21 = ld(TILE + 40); t30 = ld(TILE + 48); t31 = ld(TILE + 56);
        }
        if (j > jb) {
          tile42(r0 + jo, rs, rj + jo, rs, j - jb);
          t00 += ld(TILE); t01 += ld(TILE + 8); t10 += ld(TILE + 16); t11 += ld(TILE + 24);
          t20 += ld(TILE + 32); t21 += ld(TILE + 40); t30 += ld(TILE + 48); t31 += ld(TILE + 56);
        }
        const inv0 = ld(DINV + (<usize>(j - jb) << 3));
        const inv1 = ld(DINV + (<usize>(j + 1 - jb) << 3));
        const l10 = ld(rj + rs + jj); // L[j+1][j]
        let p = r0 + jj;
        let v = (ld(p) - t00) * inv0;
        st(p, v); st(p + 8, (ld(p + 8) - t01 - v * l10) * inv1);
        p += rs;
        v = (ld(p) - t10) * inv0;
        st(p, v); st(p + 8, (ld(p + 8) - t11 - v * l10) * inv1);
        p += rs;
        v = (ld(p) - t20) * inv0;
        st(p, v); st(p + 8, (ld(p + 8) - t21 - v * l10) * inv1);
        p += rs;
        v = (ld(p) - t30) * inv0;
        st(p, v); st(p + 8, (ld(p + 8) - t31 - v * l10) * inv1);
      }
      if (j < je) {
        const rj = l + <usize>j * rs;
        const inv = ld(DINV + (<usize>(j - jb) << 3));
        for (let r = 0; r < 4; r++) {
          const ri = r0 + <usize>r * rs;
          const p = ri + (<usize>j << 3);
          st(p, (ld(p) - dot(ri, rj, j)) * inv);
        }
      }
    }
    for (; i < n; i++) {
      const ri = l + <usize>i * rs;
      for (let j = jb; j < je; j++) {
        const p = ri + (<usize>j << 3);
        st(p, (ld(p) - dot(ri, l + <usize>j * rs, j)) * ld(DINV + (<usize>(j - jb) << 3)));
      }
    }
  }
  return 0;
}

/** Subtract the 4x2 TILE from the block at p (row stride rs bytes). */
// @ts-ignore: decorator
@inline function sub42(p: usize, rs: usize): void {
  st(p, ld(p) - ld(TILE)); st(p + 8, ld(p + 8) - ld(TILE + 8));
  p += rs;
  st(p, ld(p) - ld(TILE + 16)); st(p + 8, ld(p + 8) - ld(TILE + 24));
  p += rs;
  st(p, ld(p) - ld(TILE + 32)); st(p + 8, ld(p + 8) - ld(TILE + 40));
  p += rs;
  st(p, ld(p) - ld(TILE + 48)); st(p + 8, ld(p + 8) - ld(TILE + 56));
}

/** Zero the strict upper triangle of a row-major n x n matrix. */
export function zeroUpper(l: usize, n: i32): void {
  const rs = <usize>n << 3;
  for (let i = 0; i < n - 1; i++) {
    memory.fill(l + <usize>i * rs + (<usize>(i + 1) << 3), 0, <usize>(n - i - 1) << 3);
  }
}

let lastJitter: f64 = 0;

/** Jitter (absolute, added to every diagonal entry) used by the last cholesky call. */
export function choleskyJitter(): f64 {
  return lastJitter;
}

/**
 * Cholesky factor of the SPD matrix a (n x n, row-major; only its lower triangle is read)
 * into l (n x n, lower triangular, upper zeroed). On failure retries with diagonal
 * jitter 1e-10 * mean(diag(a)), growing 10x per try, at most maxTries times.
 * Returns the number of jitter retries used (0 = none), or -1 if it stayed non-SPD.
 */
export function cholesky(a: usize, n: i32, l: usize, maxTries: i32): i32 {
  const bytes = <usize>n * <usize>n << 3;
  const rs = <usize>n << 3;
  let meanDiag: f64 = 0;
  for (let i = 0; i < n; i++) meanDiag += ld(a + <usize>i * rs + (<usize>i << 3));
  meanDiag /= <f64>n;
  let jitter: f64 = 0;
  lastJitter = 0;
  for (let t = 0; t <= maxTries; t++) {
    if (t > 0) {
      if (!(meanDiag > 0) || !isFinite(meanDiag)) break;
      jitter = t == 1 ? 1e-10 * meanDiag : jitter * 10;
    }
    if (a != l) memory.copy(l, a, bytes);
    if (jitter > 0) {
      for (let i = 0; i < n; i++) {
        const p = l + <usize>i * rs + (<usize>i << 3);
        st(p, ld(p) + jitter);
      }
    }
    if (choleskyInPlace(l, n) == 0) {
      zeroUpper(l, n);
      lastJitter = jitter;
      return t;
    }
    if (a == l) break; // in-place: the input is gone, cannot retry
  }
  lastJitter = jitter;
  return -1;
}

/**
 * Solve L X = B in place (B: n x m row-major), L lower triangular n x n.
 */
export function solveLower(l: usize, n: i32, b: usize, m: i32): void {
  const rs = <usize>n << 3;
  if (m == 1) {
    for (let k = 0; k < n; k++) {
      const rk = l + <usize>k * rs;
      const p = b + (<usize>k << 3);
      st(p, (ld(p) - dot(rk, b, k)) / ld(rk + (<usize>k << 3)));
    }
    return;
  }
  const bs = <usize>m << 3;
  // column chunks keep the working set of B in cache
  const CW = 64;
  for (let c0 = 0; c0 < m; c0 += CW) {
    const c1 = min(c0 + CW, m);
    for (let k = 0; k < n; k++) {
      const rk = l + <usize>k * rs;
      const inv = 1.0 / ld(rk + (<usize>k << 3));
      const vinv = f64x2.splat(inv);
      const bk = b + <usize>k * bs;
      let c = c0;
      for (; c + 8 <= c1; c += 8) {
        const o = <usize>c << 3;
        let s0 = v128.load(bk + o), s1 = v128.load(bk + o, 16);
        let s2 = v128.load(bk + o, 32), s3 = v128.load(bk + o, 48);
        let bj = b + o;
        for (let j = 0; j < k; j++) {
          const lv = f64x2.splat(ld(rk + (<usize>j << 3)));
          s0 = f64x2.sub(s0, f64x2.mul(lv, v128.load(bj)));
          s1 = f64x2.sub(s1, f64x2.mul(lv, v128.load(bj, 16)));
          s2 = f64x2.sub(s2, f64x2.mul(lv, v128.load(bj, 32)));
          s3 = f64x2.sub(s3, f64x2.mul(lv, v128.load(bj, 48)));
          bj += bs;
        }
        v128.store(bk + o, f64x2.mul(s0, vinv));
        v128.store(bk + o, f64x2.mul(s1, vinv), 16);
        v128.store(bk + o, f64x2.mul(s2, vinv), 32);
        v128.store(bk + o, f64x2.mul(s3, vinv), 48);
      }
      for (; c < c1; c++) {
        const o = <usize>c << 3;
        let s = ld(bk + o);
        let bj = b + o;
        for (let j = 0; j < k; j++) {
          s -= ld(rk + (<usize>j << 3)) * ld(bj);
          bj += bs;
        }
        st(bk + o, s * inv);
      }
    }
  }
}

/**
 * Solve L^T X = B in place (B: n x m row-major), L lower triangular n x n.
 */
export function solveUpperT(l: usize, n: i32, b: usize, m: i32): void {
  const rs = <usize>n << 3;
  const bs = <usize>m << 3;
  if (m == 1) {
    for (let k = n - 1; k >= 0; k--) {
      const rk = l + <usize>k * rs;
      const xk = ld(b + (<usize>k << 3)) / ld(rk + (<usize>k << 3));
      st(b + (<usize>k << 3), xk);
      // b[0:k] -= xk * L[k, 0:k]
      const v = f64x2.splat(xk);
      let j = 0;
      for (; j + 2 <= k; j += 2) {
        const o = <usize>j << 3;
        v128.store(b + o, f64x2.sub(v128.load(b + o), f64x2.mul(v, v128.load(rk + o))));
      }
      for (; j < k; j++) {
        const o = <usize>j << 3;
        st(b + o, ld(b + o) - xk * ld(rk + o));
      }
    }
    return;
  }
  const CW = 64;
  for (let c0 = 0; c0 < m; c0 += CW) {
    const c1 = min(c0 + CW, m);
    const w = c1 - c0;
    const co = <usize>c0 << 3;
    for (let k = n - 1; k >= 0; k--) {
      const rk = l + <usize>k * rs;
      const inv = 1.0 / ld(rk + (<usize>k << 3));
      const bk = b + <usize>k * bs + co;
      for (let c = 0; c < w; c++) st(bk + (<usize>c << 3), ld(bk + (<usize>c << 3)) * inv);
      for (let j = 0; j < k; j++) {
        const lv = ld(rk + (<usize>j << 3));
        if (lv == 0) continue;
        const v = f64x2.splat(lv);
        const bj = b + <usize>j * bs + co;
        let c = 0;
        for (; c + 2 <= w; c += 2) {
          const o = <usize>c << 3;
          v128.store(bj + o, f64x2.sub(v128.load(bj + o), f64x2.mul(v, v128.load(bk + o))));
        }
        for (; c < w; c++) {
          const o = <usize>c << 3;
          st(bj + o, ld(bj + o) - lv * ld(bk + o));
        }
      }
    }
  }
}

/**
 * Rank-one extension: given the factor l of an n x n matrix and the new column
 * a (length n+1: covariances with the existing n points, then the new diagonal entry),
 * write the (n+1) x (n+1) factor into out. Returns 0, or -1 if the new pivot is not positive.
 */
export function choleskyAppend(l: usize, n: i32, a: usize, out: usize): i32 {
  const rs = <usize>n << 3;
  const os = <usize>(n + 1) << 3;
  for (let i = 0; i < n; i++) {
    memory.copy(out + <usize>i * os, l + <usize>i * rs, rs);
    st(out + <usize>i * os + rs, 0);
  }
  const row = out + <usize>n * os;
  memory.copy(row, a, rs);
  solveLower(l, n, row, 1);
  const d = ld(a + rs) - dot(row, row, n);
  if (!(d > 0) || !isFinite(d)) return -1;
  st(row + rs, Math.sqrt(d));
  return 0;
}

/**
 * zt = L^{-T} (upper triangular, row-major n x n), i.e. row i of zt is column i of L^{-1}.
 * zt must be zero-filled by the caller.
 */
export function invLowerT(l: usize, n: i32, zt: usize): void {
  const rs = <usize>n << 3;
  let i = 0;
  // four forward substitutions at once (rows i..i+3 of zt), two rows k, k+1 of L per step
  // through the 4x2 register tile; entries left of the diagonal of zt are zero, so no masking.
  for (; i + 4 <= n; i += 4) {
    const z0 = zt + <usize>i * rs;
    const io = <usize>i << 3;
    let k = i;
    for (; k + 2 <= n; k += 2) {
      const rk = l + <usize>k * rs;
      const rk1 = rk + rs;
      const len = k - i;
      if (len > 0) tile42(z0 + io, rs, rk + io, rs, len);
      else memory.fill(TILE, 0, 64);
      const ko = <usize>k << 3;
      const inv0 = 1.0 / ld(rk + ko);
      const inv1 = 1.0 / ld(rk1 + ko + 8);
      const lkk1 = ld(rk1 + ko);
      for (let r = 0; r < 4; r++) {
        const zr = z0 + <usize>r * rs;
        const t = <usize>(r * 2) << 3;
        const zk = ((k == i + r ? 1.0 : 0.0) - ld(TILE + t)) * inv0;
        st(zr + ko, zk);
        st(zr + ko + 8, ((k + 1 == i + r ? 1.0 : 0.0) - ld(TILE + t + 8) - zk * lkk1) * inv1);
      }
    }
    if (k < n) {
      const rk = l + <usize>k * rs;
      const ko = <usize>k << 3;
      const inv = 1.0 / ld(rk + ko);
      for (let r = 0; r < 4; r++) {
        const zr = z0 + <usize>r * rs;
        st(zr + ko, ((k == i + r ? 1.0 : 0.0) - dot(zr + io, rk + io, k - i)) * inv);
      }
    }
  }
  for (; i < n; i++) {
    const zi = zt + <usize>i * rs;
    const io = <usize>i << 3;
    for (let k = i; k < n; k++) {
      const rk = l + <usize>k * rs;
      const s = dot(zi + io, rk + io, k - i);
      st(zi + (<usize>k << 3), ((k == i ? 1.0 : 0.0) - s) / ld(rk + (<usize>k << 3)));
    }
  }
}

/**
 * out (lower triangle, n x n) = zt zt^T where zt is upper triangular (out = K^{-1} when zt = L^{-T}).
 * Only the lower triangle (i >= j) of out is written.
 */
export function gramUpper(zt: usize, n: i32, out: usize): void {
  const rs = <usize>n << 3;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const io = <usize>i << 3;
    const len = n - i;
    let j = 0;
    for (; j + 2 <= i + 4; j += 2) {
      tile42(zt + <usize>i * rs + io, rs, zt + <usize>j * rs + io, rs, len);
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < 2; c++) {
          if (j + c <= i + r) st(out + <usize>(i + r) * rs + (<usize>(j + c) << 3), ld(TILE + (<usize>(r * 2 + c) << 3)));
        }
      }
    }
  }
  for (; i < n; i++) {
    const io = <usize>i << 3;
    for (let j = 0; j <= i; j++) {
      st(out + <usize>i * rs + (<usize>j << 3), dot(zt + <usize>i * rs + io, zt + <usize>j * rs + io, n - i));
    }
  }
}


