// Special functions for the TypeScript reference (mirrors assembly/math.ts).
// erf / erfc / erfcx: W. J. Cody, Math. Comp. 23 (1969) 631-637 (CALERF), ~1e-16 relative.

const THRESH = 0.46875;
const SQRPI = 5.6418958354775628695e-1;
const XHUGE = 6.71e7;
const XMAX = 2.53e307;

function erfSmall(y: number): number {
  const z = y * y;
  let num = 1.85777706184603153e-1 * z;
  let den = z;
  num = (num + 3.1611237438705656) * z;
  den = (den + 2.36012909523441209e1) * z;
  num = (num + 1.13864154151050156e2) * z;
  den = (den + 2.44024637934444173e2) * z;
  num = (num + 3.77485237685302021e2) * z;
  den = (den + 1.28261652607737228e3) * z;
  return (num + 3.20937758913846947e3) / (den + 2.84423683343917062e3);
}

const C = [
  5.64188496988670089e-1, 8.88314979438837594, 6.61191906371416295e1, 2.98635138197400131e2, 8.8195222124176909e2, 1.71204761263407058e3,
  2.05107837782607147e3,
];
const D = [
  1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
  3.43936767414372164e3,
];
function erfcxMid(y: number): number {
  let num = 2.15311535474403846e-8 * y;
  let den = y;
  for (let i = 0; i < 7; i++) {
    num = (num + C[i]!) * y;
    den = (den + D[i]!) * y;
  }
  return (num + 1.23033935479799725e3) / (den + 1.23033935480374942e3);
}

const P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2];
const Q = [2.56852019228982242, 1.87295284992346047, 5.27905102951428412e-1, 6.05183413124413191e-2];
function erfcxLarge(y: number): number {
  if (y >= XMAX) return 0;
  if (y >= XHUGE) return SQRPI / y;
  const z = 1 / (y * y);
  let num = 1.63153871373020978e-2 * z;
  let den = z;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]!) * z;
    den = (den + Q[i]!) * z;
  }
  const r = (z * (num + 6.58749161529837803e-4)) / (den + 2.33520497626869185e-3);
  return (SQRPI - r) / y;
}

function expNegSq(y: number): number {
  if (y < 2) return Math.exp(-y * y);
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** exp(x^2) erfc(x) for x >= 0. */
export function erfcxPos(y: number): number {
  if (y <= THRESH) return Math.exp(y * y) * (1 - y * erfSmall(y));
  if (y <= 4) return erfcxMid(y);
  return erfcxLarge(y);
}

function erfcPos(y: number): number {
  if (y <= THRESH) return 1 - y * erfSmall(y);
  if (y >= 26.543) return 0;
  return expNegSq(y) * (y <= 4 ? erfcxMid(y) : erfcxLarge(y));
}

/** Error function. */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= THRESH) return x * erfSmall(y);
  const r = 1 - erfcPos(y);
  return x < 0 ? -r : r;
}

/** Complementary error function. */
export function erfc(x: number): number {
  return x >= 0 ? erfcPos(x) : 2 - erfcPos(-x);
}

const LN2 = Math.LN2;
const INV_SQRT2 = Math.SQRT1_2;

/** log(Phi(b) - Phi(a)) for standardized bounds a <= b (may be infinite), stable in the tails. */
export function logNormMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (a >= 0) return logUpperMass(a, b);
  if (b <= 0) return logUpperMass(-b, -a);
  // a < 0 < b: beyond 8.3 sigma the tail (5e-17) is below the rounding of a mass >= 1/2
  if (b >= 8.3) return a <= -8.3 ? 0 : Math.log1p(-0.5 * erfcPos(-a * INV_SQRT2));
  if (a <= -8.3) return Math.log1p(-0.5 * erfcPos(b * INV_SQRT2));
  return Math.log(0.5 * (erf(b * INV_SQRT2) + erf(-a * INV_SQRT2)));
}

function logUpperMass(a: number, b: number): number {
  const s = a * INV_SQRT2;
  const t = b * INV_SQRT2;
  if (s < 1) {
    const ct = t === Infinity ? 0 : erfcPos(t);
    return Math.log(0.5 * (erfcPos(s) - ct));
  }
  const tail = t === Infinity ? 0 : erfcxPos(t) * Math.exp((s - t) * (s + t));
  return -s * s + Math.log(erfcxPos(s) - tail) - LN2;
}
