import { SpaceError } from '../errors.js';
import type { SearchSpace } from './space.js';

/** A value a parameter can take once sampled. */
export type Value = number | string | boolean | null;

/** The names of hyperopt's stochastic expressions, used identically in the API, JSON spaces and storage. */
export const HP_NAMES = [
  'uniform',
  'quniform',
  'loguniform',
  'qloguniform',
  'normal',
  'qnormal',
  'lognormal',
  'qlognormal',
  'randint',
  'uniformint',
  'loguniformint',
  'choice',
  'pchoice',
] as const;
export type HpName = (typeof HP_NAMES)[number];

/**
 * What a leaf samples from, normalised:
 * - `float`: uniform on [low, high] (in log space when `log`, as hyperopt's bounds are), rounded to a multiple of `q` when set;
 * - `normal`: N(mu, sigma²) (of the log when `log`), rounded to `q` when set;
 * - `int`: the integers low..high, both included: uniform, or when `log` log-uniform with each integer k owning the cell
 *   [log(k − ½), log(k + ½)] (Optuna's suggest_int(log=True));
 * - `choice`: one of `options` (probabilities `weights`).
 */
export type Distribution =
  | { readonly kind: 'float'; readonly low: number; readonly high: number; readonly log: boolean; readonly q: number | null }
  | { readonly kind: 'normal'; readonly mu: number; readonly sigma: number; readonly log: boolean; readonly q: number | null }
  | { readonly kind: 'int'; readonly low: number; readonly high: number; readonly log: boolean }
  | { readonly kind: 'choice'; readonly options: readonly unknown[]; readonly weights: readonly number[] };

/**
 * A labelled stochastic expression: a leaf of a search space. Build with `hp.*`.
 * `T` is the type of the value the leaf stands for in the objective's config (see `Filled`); it exists for the
 * type checker only.
 */
/** Marks every HpNode, whichever copy of the package made it (see HpNode's `instanceof`). */
const HP_NODE: unique symbol = Symbol.for('parzen-hpo.HpNode');

export class HpNode<out T = unknown> {
  /** Never set: carries `T` so that `Filled` can read it back. */
  declare readonly __value?: T;

  /**
   * A node made by another copy of the package counts too: a second install, or the copy tsx loads apart for a
   * TypeScript objective module, has a class of its own, and its nodes are the same plain data.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    return typeof x === 'object' && x !== null && (x as { [HP_NODE]?: unknown })[HP_NODE] === true;
  }

  get [HP_NODE](): true {
    return true;
  }

  constructor(
    readonly fn: HpName,
    readonly label: string,
    /** The arguments as given (hyperopt's order), kept for serialisation. */
    readonly args: readonly unknown[],
    readonly dist: Distribution,
  ) {}
}

/** Where an error is reported: `hp.uniform('lr')` in code, a JSON path for JSON spaces. */
type Where = string;

function fail(where: Where, reason: string): never {
  throw new SpaceError(`${where}: ${reason}`);
}

function finite(where: Where, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `${name} must be a finite number (got ${show(v)})`);
  return v;
}

function positive(where: Where, name: string, v: unknown): number {
  const x = finite(where, name, v);
  if (!(x > 0)) fail(where, `${name} (${x}) must be > 0`);
  return x;
}

function integer(where: Where, name: string, v: unknown): number {
  const x = finite(where, name, v);
  if (!Number.isInteger(x)) fail(where, `${name} (${x}) must be an integer`);
  return x;
}

function ordered(where: Where, low: number, high: number): void {
  if (!(low < high)) fail(where, `low (${low}) must be < high (${high})`);
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'undefined';
  // JSON would write Infinity and NaN as null (a JSON space may hold 1e999, which parses as Infinity)
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function checkLabel(fn: HpName, label: unknown, where?: Where): string {
  if (typeof label !== 'string' || label.length === 0) {
    fail(where ?? `hp.${fn}`, `label must be a non-empty string (got ${show(label)})`);
  }
  return label;
}

function arity(where: Where, args: readonly unknown[], counts: readonly number[], usage: string): void {
  if (!counts.includes(args.length)) fail(where, `expects ${usage} (got ${args.length} argument${args.length === 1 ? '' : 's'})`);
}

/**
 * Builds a leaf from a hyperopt name and its arguments (everything after the label), validating them.
 * `where` overrides the error prefix (JSON spaces pass their path).
 */
export function makeNode(fn: HpName, label: unknown, args: readonly unknown[], where?: Where): HpNode<unknown> {
  const lab = checkLabel(fn, label, where);
  const at = where ?? `hp.${fn}(${show(lab)})`;
  switch (fn) {
    case 'uniform':
    case 'loguniform': {
      arity(at, args, [2], 'low, high');
      const low = finite(at, 'low', args[0]);
      const high = finite(at, 'high', args[1]);
      ordered(at, low, high);
      return new HpNode(fn, lab, args, { kind: 'float', low, high, log: fn === 'loguniform', q: null });
    }
    case 'quniform':
    case 'qloguniform': {
      arity(at, args, [3], 'low, high, q');
      const low = finite(at, 'low', args[0]);
      const high = finite(at, 'high', args[1]);
      ordered(at, low, high);
      const q = positive(at, 'q', args[2]);
      return new HpNode(fn, lab, args, { kind: 'float', low, high, log: fn === 'qloguniform', q });
    }
    case 'normal':
    case 'lognormal': {
      arity(at, args, [2], 'mu, sigma');
      const mu = finite(at, 'mu', args[0]);
      const sigma = positive(at, 'sigma', args[1]);
      return new HpNode(fn, lab, args, { kind: 'normal', mu, sigma, log: fn === 'lognormal', q: null });
    }
    case 'qnormal':
    case 'qlognormal': {
      arity(at, args, [3], 'mu, sigma, q');
      const mu = finite(at, 'mu', args[0]);
      const sigma = positive(at, 'sigma', args[1]);
      const q = positive(at, 'q', args[2]);
      return new HpNode(fn, lab, args, { kind: 'normal', mu, sigma, log: fn === 'qlognormal', q });
    }
    case 'randint': {
      // hyperopt: randint(label, upper) → [0, upper); randint(label, low, high) → [low, high).
      arity(at, args, [1, 2], 'upper, or low, high');
      const low = args.length === 1 ? 0 : integer(at, 'low', args[0]);
      const high = integer(at, args.length === 1 ? 'upper' : 'high', args[args.length - 1]);
      if (!(low < high)) fail(at, args.length === 1 ? `upper (${high}) must be >= 1` : `low (${low}) must be < high (${high})`);
      return new HpNode(fn, lab, args, { kind: 'int', low, high: high - 1, log: false });
    }
    case 'uniformint': {
      // Integers low..high, both included.
      arity(at, args, [2], 'low, high');
      const low = integer(at, 'low', args[0]);
      const high = integer(at, 'high', args[1]);
      ordered(at, low, high);
      return new HpNode(fn, lab, args, { kind: 'int', low, high, log: false });
    }
    case 'loguniformint': {
      // Integers low..high, both included, log-uniform: bounds are the integers themselves (not their logs).
      arity(at, args, [2], 'low, high');
      const low = integer(at, 'low', args[0]);
      const high = integer(at, 'high', args[1]);
      if (!(low >= 1)) fail(at, `low (${low}) must be >= 1 (log scale)`);
      ordered(at, low, high);
      return new HpNode(fn, lab, args, { kind: 'int', low, high, log: true });
    }
    case 'choice': {
      arity(at, args, [1], 'an array of options');
      const options = args[0];
      if (!Array.isArray(options) || options.length === 0) fail(at, 'options must be a non-empty array');
      return new HpNode(fn, lab, args, { kind: 'choice', options, weights: options.map(() => 1 / options.length) });
    }
    case 'pchoice': {
      arity(at, args, [1], 'an array of [probability, option] pairs');
      const pairs = args[0];
      if (!Array.isArray(pairs) || pairs.length === 0) fail(at, 'options must be a non-empty array of [probability, option] pairs');
      const weights: number[] = [];
      const options: unknown[] = [];
      pairs.forEach((pair, i) => {
        if (!Array.isArray(pair) || pair.length !== 2) fail(at, `option ${i} must be a [probability, option] pair`);
        const p = finite(at, `probability of option ${i}`, pair[0]);
        if (p < 0) fail(at, `probability of option ${i} (${p}) must be >= 0`);
        weights.push(p);
        options.push(pair[1]);
      });
      const total = weights.reduce((a, b) => a + b, 0);
      if (Math.abs(total - 1) > 1e-6) fail(at, `probabilities must sum to 1 (got ${total})`);
      return new HpNode(fn, lab, args, { kind: 'choice', options, weights: weights.map((w) => w / total) });
    }
  }
}

/**
 * hyperopt's stochastic expressions. Bounds of the log distributions are given in log space,
 * as in hyperopt: `hp.loguniform('lr', Math.log(1e-5), Math.log(1))`.
 * Unlike hyperopt, integer distributions return integers and choices return the option, not its index.
 */
export const hp = {
  /** Uniform on [low, high]. */
  uniform: (label: string, low: number, high: number) => makeNode('uniform', label, [low, high]) as HpNode<number>,
  /** round(uniform(low, high) / q) · q. */
  quniform: (label: string, low: number, high: number, q: number) => makeNode('quniform', label, [low, high, q]) as HpNode<number>,
  /** exp(uniform(low, high)): log-uniform on [e^low, e^high]. */
  loguniform: (label: string, low: number, high: number) => makeNode('loguniform', label, [low, high]) as HpNode<number>,
  /** round(exp(uniform(low, high)) / q) · q. */
  qloguniform: (label: string, low: number, high: number, q: number) => makeNode('qloguniform', label, [low, high, q]) as HpNode<number>,
  /** Normal with mean mu and standard deviation sigma (unbounded). */
  normal: (label: string, mu: number, sigma: number) => makeNode('normal', label, [mu, sigma]) as HpNode<number>,
  /** round(normal(mu, sigma) / q) · q. */
  qnormal: (label: string, mu: number, sigma: number, q: number) => makeNode('qnormal', label, [mu, sigma, q]) as HpNode<number>,
  /** exp(normal(mu, sigma)). */
  lognormal: (label: string, mu: number, sigma: number) => makeNode('lognormal', label, [mu, sigma]) as HpNode<number>,
  /** round(exp(normal(mu, sigma)) / q) · q. */
  qlognormal: (label: string, mu: number, sigma: number, q: number) => makeNode('qlognormal', label, [mu, sigma, q]) as HpNode<number>,
  /** Integer in [0, upper) or, with two bounds, in [low, high) (hyperopt's convention). */
  randint: (label: string, lowOrUpper: number, high?: number) =>
    makeNode('randint', label, high === undefined ? [lowOrUpper] : [lowOrUpper, high]) as HpNode<number>,
  /** Integer in [low, high], both included, uniformly. */
  uniformint: (label: string, low: number, high: number) => makeNode('uniformint', label, [low, high]) as HpNode<number>,
  /**
   * Integer in [low, high], both included, on a log scale (low >= 1; bounds are the integers, not their logs):
   * Optuna's suggest_int(low, high, log=True). Each integer k owns [log(k − ½), log(k + ½)], so the end values get
   * whole cells, unlike qloguniform with q = 1 (see docs/log-integers.md).
   */
  loguniformint: (label: string, low: number, high: number) => makeNode('loguniformint', label, [low, high]) as HpNode<number>,
  /**
   * One of `options`; an option may be a constant, an object, an array or a nested space (a conditional branch).
   * Typed as the union of the options filled in: `hp.choice('opt', ['adam', 'sgd'])` is `'adam' | 'sgd'`.
   */
  choice: <const O extends readonly unknown[]>(label: string, options: O) =>
    makeNode('choice', label, [options]) as HpNode<Filled<O[number]>>,
  /** Like choice, with probabilities: `hp.pchoice('act', [[0.7, 'relu'], [0.3, 'tanh']])`. */
  pchoice: <const P extends readonly (readonly [number, unknown])[]>(label: string, pairs: P) =>
    makeNode('pchoice', label, [pairs]) as HpNode<Filled<P[number][1]>>,
};

/**
 * The config a space stands for: the tree with every `hp.*` leaf replaced by its value type, a choice by the union
 * of its options filled in, objects and arrays (tuples too) keeping their shape. What the objective receives.
 */
export type Filled<T> =
  T extends HpNode<infer V>
    ? V
    : T extends SearchSpace<infer C>
      ? C
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Filled<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Filled<T[K]> }
          : T;
