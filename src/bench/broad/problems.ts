import { hp } from '../../space/hp.js';
import type { Params } from '../../space/space.js';
import { benchFunction } from '../functions.js';
import { type BbobId, type BbobInstance, BBOB_FUNCTIONS, bbob, makeInstance } from './bbob.js';

export type Half = 'tuning' | 'checking';
export type Family = 'bbob' | 'noisy' | 'mixed' | 'conditional';

/** One problem of the broad suite: a space, a noiseless objective with a known minimum, a budget and its half. */
export interface BroadProblem {
  readonly name: string;
  readonly family: Family;
  readonly half: Half;
  /** Where the function comes from. */
  readonly source: string;
  /** Number of parameters (the active ones at most, for conditional spaces). */
  readonly dim: number;
  readonly budget: number;
  /** The known minimum of `evaluate`. */
  readonly optimum: number;
  /** Standard deviation of the Gaussian noise added to every evaluation (0: noiseless); regret is noiseless. */
  readonly noise: number;
  space(): Record<string, unknown>;
  evaluate(p: Params): number;
  /** Conditional problems: whether a point lies in the branch that holds the optimum. */
  optimalBranch?(p: Params): boolean;
  /** BBOB problems: the instance data (shared with bench/optuna through the dump). */
  readonly instance?: BbobInstance;
}

const BBOB_SOURCE = 'BBOB/COCO noiseless testbed (Hansen et al. 2009, INRIA RR-6829)';

function boxSpace(d: number, lo: number, hi: number): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (let i = 0; i < d; i++) s[`x${i}`] = hp.uniform(`x${i}`, lo, hi);
  return s;
}
const xs = (p: Params, d: number) => Array.from({ length: d }, (_, i) => p[`x${i}`] as number);

function bbobProblem(fid: BbobId, dim: number, budget: number, half: Half, noise = 0): BroadProblem {
  const slug = BBOB_FUNCTIONS[fid].toLowerCase().replace(/ /g, '-');
  const base = `f${fid}-${slug}-${dim}d`;
  // the noisy variant draws its own instance, so it is not the noiseless problem with noise added
  const instance = makeInstance(fid, dim, noise > 0 ? `noisy-${base}` : base);
  return {
    name: noise > 0 ? `noisy-${base}` : base,
    family: noise > 0 ? 'noisy' : 'bbob',
    half,
    source: `${BBOB_SOURCE}, f${fid} ${BBOB_FUNCTIONS[fid]}`,
    dim,
    budget,
    optimum: 0,
    noise,
    instance,
    space: () => boxSpace(dim, -5, 5),
    evaluate: (p) => bbob(instance, xs(p, dim)),
  };
}

const log10 = Math.log10;
const sq = (x: number) => x * x;

/** An ML-like space of eight parameters of seven kinds; the best learning rate depends on the optimizer. */
const MIXED_ML_LR: Record<string, number> = { sgd: -1.5, adam: -2.5, rmsprop: -3 };
const MIXED_ML_OPT: Record<string, number> = { sgd: 0.5, adam: 0, rmsprop: 0.2 };
const MIXED_ML_ACT: Record<string, number> = { relu: 0.05, tanh: 0.3, gelu: 0 };

/** Twelve parameters: a rare category moves the optimum of two continuous ones (as functions.ts' mixed, wider). */
const WIDE_CAT: Record<string, { off: number; c: [number, number] }> = {
  a: { off: 0.6, c: [1, -1] },
  b: { off: 0.3, c: [-2, 2] },
  c: { off: 0.1, c: [3, 0] },
  d: { off: 0, c: [0, -3] },
};
const WIDE_CAT2: Record<string, number> = { x: 0.2, y: 0, z: 0.4 };
const SMALL_COLOR: Record<string, number> = { red: 1, green: 0.5, blue: 0 };

const MIXED: BroadProblem[] = [
  {
    name: 'mixed-small-5',
    family: 'mixed',
    half: 'tuning',
    source: 'parzen: quadratic terms per kind, rare best category',
    dim: 5,
    budget: 80,
    optimum: 0,
    noise: 0,
    space: () => ({
      x: hp.uniform('x', -3, 3),
      c: hp.loguniform('c', Math.log(0.01), Math.log(100)),
      q: hp.quniform('q', 0, 10, 0.5),
      k: hp.uniformint('k', 0, 20),
      color: hp.pchoice('color', [
        [0.7, 'red'],
        [0.2, 'green'],
        [0.1, 'blue'],
      ]),
    }),
    evaluate: (p) =>
      sq((p.x as number) - 1.2) +
      sq(Math.log(p.c as number) - Math.log(2)) / 2 +
      0.2 * sq((p.q as number) - 6.5) +
      0.05 * sq((p.k as number) - 7) +
      SMALL_COLOR[p.color as string],
  },
  {
    name: 'mixed-ml-8',
    family: 'mixed',
    half: 'tuning',
    source: 'parzen: a mock training run (log, uniform, quantized, normal, lognormal, integer, weighted categoricals)',
    dim: 8,
    budget: 100,
    optimum: 0,
    noise: 0,
    space: () => ({
      lr: hp.loguniform('lr', Math.log(1e-5), Math.log(1)),
      momentum: hp.uniform('momentum', 0, 1),
      units: hp.quniform('units', 16, 512, 16),
      dropout: hp.normal('dropout', 0.3, 0.15),
      wd: hp.lognormal('wd', Math.log(1e-4), 2),
      layers: hp.uniformint('layers', 1, 8),
      optimizer: hp.pchoice('optimizer', [
        [0.6, 'sgd'],
        [0.3, 'adam'],
        [0.1, 'rmsprop'],
      ]),
      activation: hp.pchoice('activation', [
        [0.5, 'relu'],
        [0.3, 'tanh'],
        [0.2, 'gelu'],
      ]),
    }),
    evaluate: (p) => {
      const opt = p.optimizer as string;
      return (
        0.5 * sq(log10(p.lr as number) - MIXED_ML_LR[opt]) +
        4 * sq((p.momentum as number) - 0.9) +
        0.3 * sq(Math.log2(p.units as number) - Math.log2(192)) +
        5 * sq((p.dropout as number) - 0.1) +
        0.2 * sq(log10(p.wd as number) + 5) +
        0.1 * sq((p.layers as number) - 3) +
        MIXED_ML_OPT[opt] +
        MIXED_ML_ACT[p.activation as string]
      );
    },
  },
  {
    name: 'mixed-wide-12',
    family: 'mixed',
    half: 'checking',
    source: "parzen: functions.ts' mixed widened to twelve parameters of seven kinds",
    dim: 12,
    budget: 120,
    optimum: 0,
    noise: 0,
    space: () => ({
      a: hp.uniform('a', -5, 5),
      b: hp.uniform('b', -5, 5),
      cat1: hp.pchoice('cat1', [
        [0.4, 'a'],
        [0.3, 'b'],
        [0.2, 'c'],
        [0.1, 'd'],
      ]),
      c1: hp.uniform('c1', 0, 1),
      c2: hp.uniform('c2', -1, 1),
      l1: hp.loguniform('l1', Math.log(1e-3), Math.log(1e3)),
      l2: hp.loguniform('l2', Math.log(1e-6), Math.log(1e-1)),
      qz: hp.quniform('qz', -10, 10, 1),
      nz: hp.normal('nz', 0, 2),
      ln: hp.lognormal('ln', 0, 1),
      n: hp.uniformint('n', 1, 64),
      cat2: hp.choice('cat2', ['x', 'y', 'z']),
    }),
    evaluate: (p) => {
      const c = WIDE_CAT[p.cat1 as string];
      return (
        c.off +
        sq((p.a as number) - c.c[0]) +
        0.5 * sq((p.b as number) - c.c[1]) +
        2 * sq((p.c1 as number) - 0.3) +
        sq((p.c2 as number) + 0.5) +
        0.1 * sq(Math.log((p.l1 as number) / 50)) +
        0.1 * sq(Math.log((p.l2 as number) / 1e-4)) +
        0.02 * sq((p.qz as number) - 3) +
        0.3 * sq((p.nz as number) - 1) +
        0.5 * sq(Math.log((p.ln as number) / 3)) +
        0.5 * sq(Math.log2(p.n as number) - 4) +
        WIDE_CAT2[p.cat2 as string]
      );
    },
  },
];

const CONDITIONAL: BroadProblem[] = [
  {
    // the best branch is the least likely a priori and good only near its optimum: a sampler can settle in 'tree'
    name: 'cond-branches',
    family: 'conditional',
    half: 'tuning',
    source: 'parzen: three model families with their own parameters',
    dim: 3,
    budget: 100,
    optimum: 0,
    noise: 0,
    space: () => ({
      model: hp.pchoice('model', [
        [0.5, { kind: 'linear', alpha: hp.loguniform('alpha', Math.log(1e-4), Math.log(10)) }],
        [
          0.3,
          { kind: 'tree', depth: hp.uniformint('depth', 1, 20), leaves: hp.uniformint('leaves', 2, 256), split: hp.uniform('split', 0, 1) },
        ],
        [
          0.2,
          {
            kind: 'kernel',
            C: hp.loguniform('C', Math.log(1e-3), Math.log(1e3)),
            gamma: hp.loguniform('gamma', Math.log(1e-4), Math.log(10)),
          },
        ],
      ]),
    }),
    evaluate: (p) => {
      if (p.model === 0) return 0.35 + 0.05 * sq(log10(p.alpha as number) + 1);
      if (p.model === 1)
        return 0.2 + 0.01 * sq((p.depth as number) - 8) + 0.05 * sq(Math.log2(p.leaves as number) - 5) + sq((p.split as number) - 0.2);
      return 1 - Math.exp(-(sq(log10(p.C as number) - 1.5) + sq(log10(p.gamma as number) + 2)) / 4);
    },
    optimalBranch: (p) => p.model === 2,
  },
  {
    name: 'cond-nested',
    family: 'conditional',
    half: 'checking',
    source: 'parzen: optimizers with nested learning-rate schedules',
    dim: 5,
    budget: 100,
    optimum: 0,
    noise: 0,
    space: () => ({
      optimizer: hp.choice('optimizer', [
        {
          name: 'sgd',
          lr: hp.loguniform('sgd_lr', Math.log(1e-4), Math.log(1)),
          momentum: hp.uniform('momentum', 0, 0.99),
          nesterov: hp.choice('nesterov', [false, true]),
        },
        {
          name: 'adam',
          lr: hp.loguniform('adam_lr', Math.log(1e-5), Math.log(1e-1)),
          beta1: hp.uniform('beta1', 0.5, 0.999),
          schedule: hp.choice('schedule', [
            { kind: 'constant' },
            { kind: 'cosine', warmup: hp.uniformint('warmup', 0, 10) },
            { kind: 'step', gamma: hp.uniform('step_gamma', 0.1, 0.9), every: hp.uniformint('step_every', 1, 50) },
          ]),
        },
      ]),
    }),
    evaluate: (p) => {
      if (p.optimizer === 0) {
        return 0.25 + 0.1 * sq(log10(p.sgd_lr as number) + 1.5) + sq((p.momentum as number) - 0.9) + (p.nesterov ? 0 : 0.05);
      }
      const base = 0.1 * sq(log10(p.adam_lr as number) + 3) + 2 * sq((p.beta1 as number) - 0.9);
      if (p.schedule === 0) return base + 0.15;
      if (p.schedule === 1) return base + 0.01 * sq((p.warmup as number) - 5);
      return base + 0.1 + 0.3 * sq((p.step_gamma as number) - 0.5) + 0.0002 * sq((p.step_every as number) - 30);
    },
    optimalBranch: (p) => p.optimizer === 1 && p.schedule === 1,
  },
  {
    name: 'cond-layers',
    family: 'conditional',
    half: 'checking',
    source: 'parzen: one to three layers, each depth with its own widths',
    dim: 4,
    budget: 100,
    optimum: 0,
    noise: 0,
    space: () => ({
      net: hp.choice('layers', [
        { n: 1, units: [hp.quniform('l1_u1', 8, 512, 8)] },
        { n: 2, units: [hp.quniform('l2_u1', 8, 512, 8), hp.quniform('l2_u2', 8, 512, 8)], dropout: hp.uniform('l2_drop', 0, 0.5) },
        {
          n: 3,
          units: [hp.quniform('l3_u1', 8, 512, 8), hp.quniform('l3_u2', 8, 512, 8), hp.quniform('l3_u3', 8, 512, 8)],
          dropout: hp.uniform('l3_drop', 0, 0.5),
        },
      ]),
    }),
    evaluate: (p) => {
      const u = (k: string) => Math.log2(p[k] as number);
      if (p.layers === 0) return 0.3 + 0.1 * sq(u('l1_u1') - 8);
      if (p.layers === 1) return 0.1 * sq(u('l2_u1') - 7) + 0.1 * sq(u('l2_u2') - 6) + 2 * sq((p.l2_drop as number) - 0.2);
      return 0.15 + 0.05 * (sq(u('l3_u1') - 7) + sq(u('l3_u2') - 7) + sq(u('l3_u3') - 7)) + sq((p.l3_drop as number) - 0.3);
    },
    optimalBranch: (p) => p.layers === 1,
  },
];

function hartmann6Noisy(): BroadProblem {
  const f = benchFunction('hartmann6');
  return {
    name: 'noisy-hartmann6',
    family: 'noisy',
    half: 'checking',
    source: 'Hartmann 6-d (Dixon & Szegő 1978) with Gaussian noise',
    dim: 6,
    budget: 100,
    optimum: f.optimum,
    noise: 0.1,
    space: () => f.space(),
    evaluate: (p) => f.evaluate(p),
  };
}

/** The broad suite: 28 problems, 14 in each half (docs/benchmarks.md). */
export const BROAD_SUITE: readonly BroadProblem[] = [
  // tuning half
  bbobProblem(1, 5, 80, 'tuning'),
  bbobProblem(2, 10, 100, 'tuning'),
  bbobProblem(6, 5, 80, 'tuning'),
  bbobProblem(7, 2, 50, 'tuning'),
  bbobProblem(8, 5, 100, 'tuning'),
  bbobProblem(11, 10, 100, 'tuning'),
  bbobProblem(13, 10, 100, 'tuning'),
  bbobProblem(15, 10, 150, 'tuning'),
  bbobProblem(22, 5, 80, 'tuning'),
  bbobProblem(1, 6, 80, 'tuning', 1),
  bbobProblem(22, 4, 80, 'tuning', 1),
  ...MIXED.filter((p) => p.half === 'tuning'),
  ...CONDITIONAL.filter((p) => p.half === 'tuning'),
  // checking half
  bbobProblem(1, 20, 150, 'checking'),
  bbobProblem(3, 5, 80, 'checking'),
  bbobProblem(7, 5, 80, 'checking'),
  bbobProblem(8, 10, 100, 'checking'),
  bbobProblem(10, 5, 80, 'checking'),
  bbobProblem(12, 5, 80, 'checking'),
  bbobProblem(14, 5, 60, 'checking'),
  bbobProblem(16, 2, 50, 'checking'),
  bbobProblem(17, 10, 150, 'checking'),
  hartmann6Noisy(),
  bbobProblem(8, 4, 100, 'checking', 1),
  ...MIXED.filter((p) => p.half === 'checking'),
  ...CONDITIONAL.filter((p) => p.half === 'checking'),
];

export function broadProblem(name: string): BroadProblem {
  const p = BROAD_SUITE.find((q) => q.name === name);
  if (!p) throw new Error(`no problem ${JSON.stringify(name)} in the broad suite`);
  return p;
}
