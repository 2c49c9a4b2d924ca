import { NAS_DIGITS_PROBLEM } from './nas-digits.js';
import { hp } from '../space/hp.js';

/**
 * A multi-objective test problem of `parzen bench moo`: a search space, objectives of a config to minimize, optional
 * constraints (≤ 0 satisfied), a fixed reference point for the hypervolume and the bench's trial budget. The synthetic
 * problems search x0..x{d-1} on [0, 1] (`vectorProblem`); nas-digits a conditional architecture space (nas-digits.ts).
 * bench/moo_optuna.py holds the same definitions for Optuna's side.
 */
export interface MooProblem {
  readonly name: string;
  /** The number of parameters of the space (for a conditional space: over every branch). */
  readonly dim: number;
  readonly objectives: number;
  /** Hypervolume reference point (every objective minimized). */
  readonly ref: readonly number[];
  readonly budget: number;
  /** A fresh search space (hp nodes) for one study. */
  space(): Record<string, unknown>;
  /** The objectives of a config drawn from `space()`. */
  evaluate(config: Readonly<Record<string, unknown>>): number[];
  readonly constraints?: (values: readonly number[]) => number[];
}

/** A problem over x0..x{dim-1}, uniform on [0, 1], whose objectives are `f` of the vector x. */
function vectorProblem(p: Omit<MooProblem, 'space' | 'evaluate'> & { f: (x: readonly number[]) => number[] }): MooProblem {
  const { f, ...rest } = p;
  return {
    ...rest,
    space: () => Object.fromEntries(Array.from({ length: p.dim }, (_, i) => [`x${i}`, hp.uniform(`x${i}`, 0, 1)])),
    evaluate: (config) => f(Array.from({ length: p.dim }, (_, i) => config[`x${i}`] as number)),
  };
}

/** ZDT's distance function over x1..x{n-1}: 1 on the Pareto-optimal set (Zitzler, Deb, Thiele 2000). */
function zdtG(x: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += x[i];
  return 1 + (9 * s) / (x.length - 1);
}

/** ZDT1: convex front f2 = 1 − √f1. */
export function zdt1(x: readonly number[]): number[] {
  const g = zdtG(x);
  return [x[0], g * (1 - Math.sqrt(x[0] / g))];
}

/** ZDT2: concave front f2 = 1 − f1². */
export function zdt2(x: readonly number[]): number[] {
  const g = zdtG(x);
  return [x[0], g * (1 - (x[0] / g) ** 2)];
}

/** ZDT3: a front in five disconnected pieces. */
export function zdt3(x: readonly number[]): number[] {
  const g = zdtG(x);
  return [x[0], g * (1 - Math.sqrt(x[0] / g) - (x[0] / g) * Math.sin(10 * Math.PI * x[0]))];
}

/** DTLZ2 with m objectives (Deb, Thiele, Laumanns, Zitzler 2002): front on the unit sphere's positive orthant. */
export function dtlz2(x: readonly number[], m = 3): number[] {
  let g = 0;
  for (let i = m - 1; i < x.length; i++) g += (x[i] - 0.5) ** 2;
  const f: number[] = [];
  for (let i = 0; i < m; i++) {
    let v = 1 + g;
    for (let j = 0; j < m - 1 - i; j++) v *= Math.cos((x[j] * Math.PI) / 2);
    if (i > 0) v *= Math.sin((x[m - 1 - i] * Math.PI) / 2);
    f.push(v);
  }
  return f;
}

/**
 * C2-DTLZ2's constraint (Jain and Deb 2014; r = 0.4 for 3 objectives): feasible (≤ 0) within r of the front's corners
 * or of its centre, which leaves four disconnected feasible pieces of the DTLZ2 front.
 */
export function c2Violation(f: readonly number[]): number {
  const m = f.length;
  const r = 0.4;
  let s = 0;
  for (const v of f) s += v * v;
  let nearAxis = Infinity;
  for (let i = 0; i < m; i++) nearAxis = Math.min(nearAxis, (f[i] - 1) ** 2 + (s - f[i] * f[i]) - r * r);
  let nearCentre = -r * r;
  for (const v of f) nearCentre += (v - 1 / Math.sqrt(m)) ** 2;
  return Math.min(nearAxis, nearCentre);
}

/**
 * The bench's problems: 30-D ZDTs (reference point 11, 11 as in BoTorch), 12-D DTLZ2 and C2-DTLZ2 (1.1 each), and the
 * tabular architecture search nas-digits (validation error against log10 of the weight count).
 */
export const MOO_PROBLEMS: readonly MooProblem[] = [
  vectorProblem({ name: 'zdt1', dim: 30, objectives: 2, ref: [11, 11], budget: 200, f: zdt1 }),
  vectorProblem({ name: 'zdt2', dim: 30, objectives: 2, ref: [11, 11], budget: 200, f: zdt2 }),
  vectorProblem({ name: 'zdt3', dim: 30, objectives: 2, ref: [11, 11], budget: 200, f: zdt3 }),
  vectorProblem({ name: 'dtlz2', dim: 12, objectives: 3, ref: [1.1, 1.1, 1.1], budget: 200, f: (x) => dtlz2(x) }),
  vectorProblem({
    name: 'c2dtlz2',
    dim: 12,
    objectives: 3,
    ref: [1.1, 1.1, 1.1],
    budget: 200,
    f: (x) => dtlz2(x),
    constraints: (f) => [c2Violation(f)],
  }),
  NAS_DIGITS_PROBLEM,
];
