// Special functions shared by the kernels.
//
// erf / erfc / erfcx follow W. J. Cody, "Rational Chebyshev approximations for
// the error function", Math. Comp. 23 (1969) 631-637 (the CALERF algorithm),
// which reaches ~1e-16 relative accuracy in double precision. The same
// algorithm is mirrored in src/numeric/special.ts for the TypeScript reference.

const THRESH: f64 = 0.46875;
const SQRPI: f64 = 5.6418958354775628695e-1; // 1/sqrt(pi)
const XHUGE: f64 = 6.71e7;
const XMAX: f64 = 2.53e307;

// @ts-ignore: decorator
@inline function erfSmall(y: f64): f64 {
  // erf(y) / y for |y| <= 0.46875 (returns x * R(y^2) when multiplied by x)
  const z = y * y;
  let num = 1.85777706184603153e-1 * z;
  let den = z;
  num = (num + 3.16112374387056560e0) * z;
  den = (den + 2.36012909523441209e1) * z;
  num = (num + 1.13864154151050156e2) * z;
  den = (den + 2.44024637934444173e2) * z;
  num = (num + 3.77485237685302021e2) * z;
  den = (den + 1.28261652607737228e3) * z;
  return (num + 3.20937758913846947e3) / (den + 2.84423683343917062e3);
}

// @ts-ignore: decorator
@inline function erfcxMid(y: f64): f64 {
  // exp(y^2) erfc(y) for 0.46875 <= y <= 4
  let num = 2.15311535474403846e-8 * y;
  let den = y;
  num = (num + 5.64188496988670089e-1) * y;
  den = (den + 1.57449261107098347e1) * y;
  num = (num + 8.88314979438837594e0) * y;
  den = (den + 1.17693950891312499e2) * y;
  num = (num + 6.61191906371416295e1) * y;
  den = (den + 5.37181101862009858e2) * y;
  num = (num + 2.98635138197400131e2) * y;
  den = (den + 1.62138957456669019e3) * y;
  num = (num + 8.81952221241769090e2) * y;
  den = (den + 3.29079923573345963e3) * y;
  num = (num + 1.71204761263407058e3) * y;
  den = (den + 4.36261909014324716e3) * y;
  num = (num + 2.05107837782607147e3) * y;
  den = (den + 3.43936767414372164e3) * y;
  return (num + 1.23033935479799725e3) / (den + 1.23033935480374942e3);
}

// @ts-ignore: decorator
@inline function erfcxLarge(y: f64): f64 {
  // exp(y^2) erfc(y) for y > 4
  if (y >= XMAX) return 0;
  if (y >= XHUGE) return SQRPI / y;
  const z = 1.0 / (y * y);
  let num = 1.63153871373020978e-2 * z;
  let den = z;
  num = (num + 3.05326634961232344e-1) * z;
  den = (den + 2.56852019228982242e0) * z;
  num = (num + 3.60344899949804439e-1) * z;
  den = (den + 1.87295284992346047e0) * z;
  num = (num + 1.25781726111229246e-1) * z;
  den = (den + 5.27905102951428412e-1) * z;
  num = (num + 1.60837851487422766e-2) * z;
  den = (den + 6.05183413124413191e-2) * z;
  const r = (z * (num + 6.58749161529837803e-4)) / (den + 2.33520497626869185e-3);
  return (SQRPI - r) / y;
}

/**
 * exp(-y*y); for y >= 2 computed as exp(-ysq^2) exp(-del) with ysq = y rounded to 1/16
 * (Cody's trick against the rounding error of y*y, which exp amplifies by y^2).
 */
// @ts-ignore: decorator
@inline function expNegSq(y: f64): f64 {
  if (y < 2.0) return Math.exp(-y * y);
  const ysq = Math.trunc(y * 16.0) / 16.0;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** Scaled complementary error function exp(x^2) erfc(x), for x >= 0. */
export function erfcxPos(y: f64): f64 {
  if (y <= THRESH) return Math.exp(y * y) * (1.0 - y * erfSmall(y));
  if (y <= 4.0) return erfcxMid(y);
  return erfcxLarge(y);
}

/** erfc(x) for x >= 0. */
export function erfcPos(y: f64): f64 {
  if (y <= THRESH) return 1.0 - y * erfSmall(y);
  if (y >= 26.543) return 0;
  const r = y <= 4.0 ? erfcxMid(y) : erfcxLarge(y);
  return expNegSq(y) * r;
}

export function erf(x: f64): f64 {
  const y = Math.abs(x);
  if (y <= THRESH) return x * erfSmall(y);
  const r = 1.0 - erfcPos(y);
  return x < 0 ? -r : r;
}

export function erfc(x: f64): f64 {
  if (x >= 0) return erfcPos(x);
  return 2.0 - erfcPos(-x);
}

const LN2: f64 = 0.6931471805599453;
const INV_SQRT2: f64 = 0.7071067811865476;

/**
 * log(Phi(b) - Phi(a)) for a <= b (standardized bounds, may be +-Infinity),
 * accurate in both tails (uses erfcx so that far tails do not underflow).
 */
export function logNormMass(a: f64, b: f64): f64 {
  if (!(b > a)) return -Infinity;
  if (a >= 0) return logUpperMass(a, b);
  if (b <= 0) return logUpperMass(-b, -a);
  // a < 0 < b, so the mass is at least 1/2 - 1 + Phi(8.3) when a side is beyond 8.3 sigma,
  // where 1 - Phi(8.3) = 5e-17 is below the rounding of the result: drop that tail.
  if (b >= 8.3) return a <= -8.3 ? 0.0 : Math.log1p(-0.5 * erfcPos(-a * INV_SQRT2));
  if (a <= -8.3) return Math.log1p(-0.5 * erfcPos(b * INV_SQRT2));
  // Phi(b) - Phi(a) = (erf(b/sqrt2) + erf(-a/sqrt2)) / 2, both terms >= 0
  return Math.log(0.5 * (erf(b * INV_SQRT2) + erf(-a * INV_SQRT2)));
}

// 0 <= a < b
function logUpperMass(a: f64, b: f64): f64 {
  const s = a * INV_SQRT2;
  const t = b * INV_SQRT2;
  if (s < 1.0) {
    // no underflow concern: direct erfc difference
    const ct = t == Infinity ? 0.0 : erfcPos(t);
    return Math.log(0.5 * (erfcPos(s) - ct));
  }
  // Phi(b)-Phi(a) = 0.5 e^{-s^2} (erfcx(s) - erfcx(t) e^{s^2 - t^2})
  let tail: f64 = 0;
  if (t != Infinity) tail = erfcxPos(t) * Math.exp((s - t) * (s + t));
  return -s * s + Math.log(erfcxPos(s) - tail) - LN2;
}

// ---- vectorised exp for x <= 0 (used by log-sum-exp); exp(x) = 0 for x < -708 ----
const LOG2E: f64 = 1.4426950408889634;
const LN2HI: f64 = 6.93147180369123816490e-01;
const LN2LO: f64 = 1.90821492927058770002e-10;
const MAGIC: f64 = 6755399441055744.0; // 1.5 * 2^52

// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  // exp(x) = 2^k exp(r), k = round(x / ln2), |r| <= ln2/2; the rounding is done by adding
  // 1.5 * 2^52 (so the low mantissa bits of t hold k), which also gives 2^k by shifting.
  const under = f64x2.lt(x, f64x2.splat(-708.0));
  const xc = f64x2.pmax(x, f64x2.splat(-708.0));
  const t = f64x2.add(f64x2.mul(xc, f64x2.splat(LOG2E)), f64x2.splat(MAGIC));
  const kf = f64x2.sub(t, f64x2.splat(MAGIC));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(kf, f64x2.splat(LN2HI))), f64x2.mul(kf, f64x2.splat(LN2LO)));
  // Taylor polynomial of degree 13 (error < 2e-17 for |r| <= ln2/2), Estrin's scheme
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const q0 = f64x2.add(f64x2.splat(1.0), r);
  const q1 = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, f64x2.splat(1.0 / 6.0)));
  const q2 = f64x2.add(f64x2.splat(1.0 / 24.0), f64x2.mul(r, f64x2.splat(1.0 / 120.0)));
  const q3 = f64x2.add(f64x2.splat(1.0 / 720.0), f64x2.mul(r, f64x2.splat(1.0 / 5040.0)));
  const q4 = f64x2.add(f64x2.splat(1.0 / 40320.0), f64x2.mul(r, f64x2.splat(1.0 / 362880.0)));
  const q5 = f64x2.add(f64x2.splat(1.0 / 3628800.0), f64x2.mul(r, f64x2.splat(1.0 / 39916800.0)));
  const q6 = f64x2.add(f64x2.splat(1.0 / 479001600.0), f64x2.mul(r, f64x2.splat(1.0 / 6227020800.0)));
  const q01 = f64x2.add(q0, f64x2.mul(q1, r2));
  const q23 = f64x2.add(q2, f64x2.mul(q3, r2));
  const q45 = f64x2.add(q4, f64x2.mul(q5, r2));
  const q03 = f64x2.add(q01, f64x2.mul(q23, r4));
  const q46 = f64x2.add(q45, f64x2.mul(q6, r4));
  const p = f64x2.add(q03, f64x2.mul(q46, r8));
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  return v128.andnot(f64x2.mul(p, scale), under);
}


// ---- exp of four single-precision values x <= 0 (used by the Parzen log-sum-exp) ----

/**
 * expf4's constants (c4(0) to c4(10), in its order), four lanes each, read from memory: V8 rebuilds a v128 constant at
 * each use inside a loop (three instructions, eleven constants), where a load is one instruction.
 */
const EXPF4_C: usize = memory.data<f32>([
  -87.0, -87.0, -87.0, -87.0,
  12583039.0, 12583039.0, 12583039.0, 12583039.0,
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634,
  0.693145751953125, 0.693145751953125, 0.693145751953125, 0.693145751953125,
  1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6,
  1.0000001192092896, 1.0000001192092896, 1.0000001192092896, 1.0000001192092896,
  0.9999997019767761, 0.9999997019767761, 0.9999997019767761, 0.9999997019767761,
  0.49998894333839417, 0.49998894333839417, 0.49998894333839417, 0.49998894333839417,
  0.16667574644088745, 0.16667574644088745, 0.16667574644088745, 0.16667574644088745,
  0.04191538318991661, 0.04191538318991661, 0.04191538318991661, 0.04191538318991661,
  0.008297651074826717, 0.008297651074826717, 0.008297651074826717, 0.008297651074826717,
], 16);

// @ts-ignore: decorator
@inline function c4(i: i32): v128 { return v128.load(EXPF4_C + (<usize>i << 4)); }

/**
 * exp(x) per lane for x <= 0, in single precision (below -87, about 1.6e-38 rather than 0: callers add such terms to
 * sums of at least 1). Relative error about 1e-7: x = k ln2 + r, |r| <= ln2/2, and exp(r) by a degree-5 polynomial
 * fitted for relative error (7.5e-8 in exact arithmetic), times 2^k.
 */
// @ts-ignore: decorator
@inline export function expf4(x: v128): v128 {
  const xc = f32x4.pmax(x, c4(0));
  // 1.5 * 2^23 + 127: rounds x / ln2 to an integer k, held as k + 127 in the low mantissa bits (see expv), which
  // shifted into the exponent field make 2^k (the bits above them shift out)
  const magic = c4(1);
  const t = f32x4.add(f32x4.mul(xc, c4(2)), magic);
  const kf = f32x4.sub(t, magic);
  // ln2 split so that kf * ln2hi is exact (|k| < 2^8)
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(kf, c4(3))), f32x4.mul(kf, c4(4)));
  const r2 = f32x4.mul(r, r);
  const q0 = f32x4.add(c4(5), f32x4.mul(r, c4(6)));
  const q1 = f32x4.add(c4(7), f32x4.mul(r, c4(8)));
  const q2 = f32x4.add(c4(9), f32x4.mul(r, c4(10)));
  const p = f32x4.add(q0, f32x4.mul(r2, f32x4.add(q1, f32x4.mul(r2, q2))));
  return f32x4.mul(p, i32x4.shl(t, 23));
}
