import { hp } from '../space/hp.js';

/**
 * A seeded family of synthetic learning curves with known final values, for the pruning bench (and, ported line for
 * line, bench/pruning_optuna.py). A configuration of a conditional space (learning rate, width, dropout, and an
 * optimizer with its own parameter) is "trained" for STEPS steps of one unit each; the loss at step t is
 *
 *   y(t) = floor(c) + decay(t) + noise,   floor(c) = 0.10 + 0.04 (log10 lr + 2.5)² + 0.03 ((log2 width − 7)/2)²
 *                                                    + 0.2 (dropout − 0.2)² + branch term
 *   sgd:  decay = (1 + r t)^−0.7 (power law),    branch term 0.05 (momentum − 0.9)²
 *   adam: decay = exp(−2 r t) (exponential),     branch term 0.02 + 0.1 (beta1 − 0.9)²
 *   r = 10^(log10 lr + 2) / 4,  noise ~ N(0, 0.02²) from a hash of (seed, trial number, step).
 *
 * Curves cross: a large learning rate converges within a few steps to a worse floor, a small one slowly to a better
 * one (the best configuration, adam at lr ≈ 3e-3, looks worse than lr = 0.1 for its first ~15 steps); sgd's power
 * law is slower than adam's exponential. The known final value is the noiseless y(STEPS − 1); its minimum over the
 * space (FINAL_OPTIMUM) is found on a fine grid of lr (the other terms vanish at their optima).
 *
 * The 'parallel' family is the control: the same floors and noise, but every configuration decays alike
 * (exp(−0.15 t), about the best configuration's rate), so every step ranks configurations as the last one does.
 */
export const STEPS = 50;
export const NOISE = 0.02;

/** 'crossing': the bench's family above; 'parallel': its control, whose curves never cross. */
export type CurveFamily = 'crossing' | 'parallel';
export const CURVE_FAMILIES: readonly CurveFamily[] = ['crossing', 'parallel'];

export interface CurveConfig {
  readonly lr: number;
  readonly width: number;
  readonly dropout: number;
  readonly opt: { readonly kind: 'sgd'; readonly momentum: number } | { readonly kind: 'adam'; readonly beta1: number };
}

export function curveSpace() {
  return {
    lr: hp.loguniform('lr', Math.log(1e-4), Math.log(1)),
    width: hp.qloguniform('width', Math.log(16), Math.log(512), 1),
    dropout: hp.uniform('dropout', 0, 0.5),
    opt: hp.choice('opt', [
      { kind: 'sgd', momentum: hp.uniform('momentum', 0, 0.99) },
      { kind: 'adam', beta1: hp.uniform('beta1', 0.8, 0.999) },
    ]),
  };
}

function floorOf(c: CurveConfig): number {
  const u = Math.log10(c.lr);
  let f = 0.1 + 0.04 * (u + 2.5) ** 2 + 0.03 * ((Math.log2(c.width) - 7) / 2) ** 2 + 0.2 * (c.dropout - 0.2) ** 2;
  f += c.opt.kind === 'sgd' ? 0.05 * (c.opt.momentum - 0.9) ** 2 : 0.02 + 0.1 * (c.opt.beta1 - 0.9) ** 2;
  return f;
}

function decay(kind: 'sgd' | 'adam', u: number, t: number): number {
  const r = 10 ** (u + 2) / 4;
  return kind === 'sgd' ? (1 + r * t) ** -0.7 : Math.exp(-2 * r * t);
}

const PARALLEL_RATE = 0.15;

/** The noiseless loss of `c` at step t. */
export function curveAt(c: CurveConfig, t: number, family: CurveFamily = 'crossing'): number {
  return floorOf(c) + (family === 'parallel' ? Math.exp(-PARALLEL_RATE * t) : decay(c.opt.kind, Math.log10(c.lr), t));
}

/** The known final value: the noiseless loss at the last step. */
export function finalValue(c: CurveConfig, family: CurveFamily = 'crossing'): number {
  return curveAt(c, STEPS - 1, family);
}

/** The loss observed at step t of trial `number` of a study seeded `seed`. */
export function observed(c: CurveConfig, seed: number, number: number, t: number, family: CurveFamily = 'crossing'): number {
  return curveAt(c, t, family) + NOISE * gaussian(seed, number, t);
}

/** The smallest final value over the space (lr on a grid of 10^5 + 1 points in log10 lr ∈ [−4, 0]). */
export const FINAL_OPTIMUM = (() => {
  let best = Infinity;
  for (let i = 0; i <= 100_000; i++) {
    const u = -4 + (4 * i) / 100_000;
    const base = 0.1 + 0.04 * (u + 2.5) ** 2;
    best = Math.min(best, base + decay('sgd', u, STEPS - 1), base + 0.02 + decay('adam', u, STEPS - 1));
  }
  return best;
})();

/** The smallest final value of a family: FINAL_OPTIMUM, or for 'parallel' the smallest floor (0.1, sgd) plus the decay. */
export function finalOptimum(family: CurveFamily): number {
  return family === 'parallel' ? 0.1 + Math.exp(-PARALLEL_RATE * (STEPS - 1)) : FINAL_OPTIMUM;
}

/** 32-bit integer hash (Wellons' lowbias32), written so that Python reproduces it with & 0xffffffff. */
function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** A standard normal from (seed, number, step), by Box–Muller over two hashed uniforms in (0, 1). */
export function gaussian(seed: number, number: number, step: number): number {
  const h = hash32((hash32(hash32(seed >>> 0) ^ number) ^ step) >>> 0);
  const u1 = (hash32(((h * 2) % 4294967296) >>> 0) + 0.5) / 4294967296;
  const u2 = (hash32(((h * 2 + 1) % 4294967296) >>> 0) + 0.5) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
