import { InstanceRng } from './instance.js';

/**
 * Functions of the BBOB/COCO noiseless testbed (Hansen, Finck, Ros, Auger 2009, "Real-parameter black-box
 * optimization benchmarking 2009: noiseless functions definitions", INRIA RR-6829), on [-5, 5]^d, with the
 * definitions' shifts x_opt, rotations R and Q and transformations T_osz, T_asy and Λ^α. Instances are drawn by
 * InstanceRng (not COCO's instance numbers); f_opt is 0 and f_pen is left out (it is 0 inside the box).
 */
export const BBOB_FUNCTIONS = {
  1: 'sphere',
  2: 'separable ellipsoid',
  3: 'separable Rastrigin',
  6: 'attractive sector',
  7: 'step ellipsoid',
  8: 'Rosenbrock',
  10: 'rotated ellipsoid',
  11: 'discus',
  12: 'bent cigar',
  13: 'sharp ridge',
  14: 'different powers',
  15: 'rotated Rastrigin',
  16: 'Weierstrass',
  17: 'Schaffers F7',
  22: 'Gallagher 21 peaks',
} as const;
export type BbobId = keyof typeof BBOB_FUNCTIONS;

export interface GallagherPeak {
  y: number[];
  w: number;
  /** Diagonal of C_i = Λ^{α_i} / α_i^{1/4}, already permuted. */
  c: number[];
}

/** The random data of one instance. */
export interface BbobInstance {
  fid: BbobId;
  dim: number;
  xopt: number[];
  R: number[][];
  Q: number[][];
  peaks?: GallagherPeak[];
}

export function makeInstance(fid: BbobId, dim: number, name: string): BbobInstance {
  const rng = new InstanceRng(name);
  const xopt = Array.from({ length: dim }, () => Math.round(rng.between(-4, 4) * 1e4) / 1e4);
  if (fid === 8) for (let i = 0; i < dim; i++) xopt[i] *= 0.75;
  const R = rng.rotation(dim);
  const Q = rng.rotation(dim);
  const inst: BbobInstance = { fid, dim, xopt, R, Q };
  if (fid === 22) {
    const n = 21;
    const alphas = [1000 ** 2, ...rng.permutation(n - 1).map((j) => 1000 ** ((2 * j) / (n - 2)))];
    inst.peaks = alphas.map((a, i) => {
      const span = i === 0 ? 3.92 : 4.9;
      const y = Array.from({ length: dim }, () => rng.between(-span, span));
      const perm = rng.permutation(dim);
      const c = perm.map((j) => a ** (dim === 1 ? 0 : (0.5 * j) / (dim - 1)) / a ** 0.25);
      return { y, w: i === 0 ? 10 : 1.1 + (8 * (i - 1)) / (n - 2), c };
    });
    inst.xopt = inst.peaks[0].y.slice();
  }
  return inst;
}

const mul = (m: number[][], x: number[]) => m.map((row) => row.reduce((s, v, j) => s + v * x[j], 0));
const frac = (i: number, d: number) => (d === 1 ? 1 : i / (d - 1));

function oszScalar(x: number): number {
  if (x === 0) return 0;
  const xh = Math.log(Math.abs(x));
  const c1 = x > 0 ? 10 : 5.5;
  const c2 = x > 0 ? 7.9 : 3.1;
  return Math.sign(x) * Math.exp(xh + 0.049 * (Math.sin(c1 * xh) + Math.sin(c2 * xh)));
}
const osz = (x: number[]) => x.map(oszScalar);
const asy = (x: number[], beta: number) => x.map((v, i) => (v > 0 ? v ** (1 + beta * frac(i, x.length) * Math.sqrt(v)) : v));
const lambda = (x: number[], alpha: number) => x.map((v, i) => v * alpha ** (0.5 * frac(i, x.length)));
const ellipsoid = (z: number[]) => z.reduce((s, v, i) => s + 10 ** (6 * frac(i, z.length)) * v * v, 0);
const rastrigin = (z: number[]) =>
  10 * (z.length - z.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0)) + z.reduce((s, v) => s + v * v, 0);

const WEIERSTRASS_F0 = Array.from({ length: 12 }, (_, k) => 0.5 ** k * Math.cos(Math.PI * 3 ** k)).reduce((a, b) => a + b, 0);

/** f(x) of the instance (its minimum, 0, is at x_opt). */
export function bbob(inst: BbobInstance, x: readonly number[]): number {
  const { R, Q, xopt } = inst;
  const d = x.length;
  const s = x.map((v, i) => v - xopt[i]);
  switch (inst.fid) {
    case 1:
      return s.reduce((a, v) => a + v * v, 0);
    case 2:
      return ellipsoid(osz(s));
    case 3:
      return rastrigin(lambda(asy(osz(s), 0.2), 10));
    case 6: {
      const z = mul(Q, lambda(mul(R, s), 10));
      const sum = z.reduce((a, v, i) => a + (v * xopt[i] > 0 ? 100 : 1) * v * v, 0);
      return oszScalar(sum) ** 0.9;
    }
    case 7: {
      const zh = lambda(mul(R, s), 10);
      const zt = zh.map((v) => (Math.abs(v) > 0.5 ? Math.floor(0.5 + v) : Math.floor(0.5 + 10 * v) / 10));
      const z = mul(Q, zt);
      return (
        0.1 *
        Math.max(
          Math.abs(zh[0]) / 1e4,
          z.reduce((a, v, i) => a + 10 ** (2 * frac(i, d)) * v * v, 0),
        )
      );
    }
    case 8: {
      const z = s.map((v) => Math.max(1, Math.sqrt(d) / 8) * v + 1);
      let f = 0;
      for (let i = 0; i < d - 1; i++) f += 100 * (z[i] * z[i] - z[i + 1]) ** 2 + (z[i] - 1) ** 2;
      return f;
    }
    case 10:
      return ellipsoid(osz(mul(R, s)));
    case 11: {
      const z = osz(mul(R, s));
      return 1e6 * z[0] * z[0] + z.slice(1).reduce((a, v) => a + v * v, 0);
    }
    case 12: {
      const z = mul(R, asy(mul(R, s), 0.5));
      return z[0] * z[0] + 1e6 * z.slice(1).reduce((a, v) => a + v * v, 0);
    }
    case 13: {
      const z = mul(Q, lambda(mul(R, s), 10));
      return z[0] * z[0] + 100 * Math.sqrt(z.slice(1).reduce((a, v) => a + v * v, 0));
    }
    case 14: {
      const z = mul(R, s);
      return Math.sqrt(z.reduce((a, v, i) => a + Math.abs(v) ** (2 + 4 * frac(i, d)), 0));
    }
    case 15:
      return rastrigin(mul(R, lambda(mul(Q, asy(osz(mul(R, s)), 0.2)), 10)));
    case 16: {
      const z = mul(R, lambda(mul(Q, osz(mul(R, s))), 0.01));
      let t = 0;
      for (const v of z) for (let k = 0; k < 12; k++) t += 0.5 ** k * Math.cos(2 * Math.PI * 3 ** k * (v + 0.5));
      return 10 * (t / d - WEIERSTRASS_F0) ** 3;
    }
    case 17: {
      const z = lambda(mul(Q, asy(mul(R, s), 0.5)), 10);
      let t = 0;
      for (let i = 0; i < d - 1; i++) {
        const si = Math.sqrt(z[i] * z[i] + z[i + 1] * z[i + 1]);
        t += Math.sqrt(si) + Math.sqrt(si) * Math.sin(50 * si ** 0.2) ** 2;
      }
      return (t / (d - 1)) ** 2;
    }
    case 22: {
      let best = 0;
      for (const p of inst.peaks as GallagherPeak[]) {
        const u = mul(
          R,
          x.map((v, i) => v - p.y[i]),
        );
        const q = u.reduce((a, v, i) => a + p.c[i] * v * v, 0);
        best = Math.max(best, p.w * Math.exp(-q / (2 * d)));
      }
      return oszScalar(10 - best) ** 2;
    }
  }
}
