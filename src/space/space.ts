import { SpaceError } from '../errors.js';
import type { Rng } from '../rng.js';
import { Dim, type Parent } from './dim.js';
import { type Filled, HpNode, type Value, show } from './hp.js';
import { own, setOwn } from './own.js';

/** Active leaves only, keyed by label. A choice records its option when all options are constants, else the option's index. */
export type Params = Readonly<Record<string, Value>>;

/**
 * A search space compiled from a tree of `hp.*` leaves, plain objects, arrays and constants.
 * Known whole before the first trial, so samplers can model it jointly. `C` is the config it stands for (`Filled`).
 */
/** Marks every SearchSpace, whichever copy of the package compiled it (see HpNode). */
const SEARCH_SPACE: unique symbol = Symbol.for('parzen-hpo.SearchSpace');

export class SearchSpace<out C = unknown> {
  /** Never set: carries `C` for the type checker. */
  declare readonly __config?: C;

  get [SEARCH_SPACE](): true {
    return true;
  }
  readonly dims: readonly Dim[];
  private readonly byLabel: ReadonlyMap<string, Dim>;
  /** Dims at the top of the tree, active in every point. */
  private readonly roots: readonly Dim[];
  /**
   * True when a parameter active in every point is continuous: two drawn points then never coincide (short of a
   * 2^-52 accident), so a sampler need not look for duplicates.
   */
  readonly neverRepeats: boolean;

  constructor(readonly tree: unknown) {
    const dims: Dim[] = [];
    const byLabel = new Map<string, Dim>();
    const walk = (node: unknown, parent: Parent | null, path: string, seen: Set<unknown>): void => {
      if (node instanceof HpNode) {
        const first = byLabel.get(node.label);
        if (first) {
          throw new SpaceError(`${path}: label ${show(node.label)} is already used at ${first.path}; labels must be unique`);
        }
        const dim = new Dim(node, dims.length, parent, path);
        dims.push(dim);
        byLabel.set(node.label, dim);
        if (node.dist.kind === 'choice') {
          node.dist.options.forEach((opt, i) => walk(opt, { dim, option: i }, `${path}[${i}]`, seen));
        }
        return;
      }
      if (node === null || typeof node !== 'object') {
        if (typeof node === 'function' || typeof node === 'symbol' || typeof node === 'bigint') {
          throw new SpaceError(`${path}: a space may hold hp.* expressions, objects, arrays and constants, not a ${typeof node}`);
        }
        if (typeof node === 'number' && !Number.isFinite(node)) throw new SpaceError(`${path}: constant ${node} is not finite`);
        return;
      }
      if (seen.has(node)) throw new SpaceError(`${path}: the space contains a cycle`);
      seen.add(node);
      if (Array.isArray(node)) node.forEach((child, i) => walk(child, parent, `${path}[${i}]`, seen));
      else {
        const proto = Object.getPrototypeOf(node);
        if (proto !== Object.prototype && proto !== null) {
          throw new SpaceError(`${path}: a space may hold plain objects only (got a ${proto?.constructor?.name ?? 'object'})`);
        }
        for (const [k, child] of Object.entries(node)) walk(child, parent, `${path}.${k}`, seen);
      }
      seen.delete(node);
    };
    walk(tree, null, '$', new Set());
    this.dims = dims;
    this.byLabel = byLabel;
    this.roots = dims.filter((d) => d.parent === null);
    this.neverRepeats = this.roots.some((d) => {
      const t = d.dist;
      return (t.kind === 'float' && t.q === null && t.low < t.high) || (t.kind === 'normal' && t.q === null && t.sigma > 0);
    });
  }

  /** The dimension labelled `label` (throws if there is none). */
  dim(label: string): Dim {
    const d = this.byLabel.get(label);
    if (!d) throw new SpaceError(`no parameter labelled ${show(label)} in the space`);
    return d;
  }

  has(label: string): boolean {
    return this.byLabel.has(label);
  }

  /** True when every choice on the path to `dim` took the branch that contains it. */
  isActive(dim: Dim, params: Params): boolean {
    for (let p = dim.parent; p; p = p.dim.parent) {
      const v = own(params, p.dim.label);
      if (v === undefined || p.dim.optionIndex(v) !== p.option) return false;
    }
    return true;
  }

  /** The dimensions active under `params`, in space order. */
  active(params: Params): Dim[] {
    return this.dims.filter((d) => this.isActive(d, params));
  }

  /** True when the space has any choice with a branch holding parameters. */
  get isConditional(): boolean {
    return this.dims.some((d) => d.parent !== null);
  }

  /**
   * Samples top-down: each dim active under the choices made so far is drawn by `draw` (the prior by default).
   * Samplers that model some dims pass their own `draw` and fall back to the prior for the rest.
   */
  sample(rng: Rng, draw: (dim: Dim, partial: Params) => Value = (d) => d.sample(rng)): Params {
    const out: Record<string, Value> = {};
    for (const d of this.dims) {
      // dims are in tree order: a parent choice always precedes its branch
      if (this.isActive(d, out)) setOwn(out, d.label, draw(d, out));
    }
    return out;
  }

  /** Checks a params object: every active dim present and valid, nothing else. Throws a SpaceError naming the label. */
  validate(params: Params): void {
    if (params === null || typeof params !== 'object') throw new SpaceError(`params must be an object (got ${show(params)})`);
    for (const label of Object.keys(params)) {
      if (!this.byLabel.has(label)) throw new SpaceError(`params.${label}: no such parameter in the space`);
    }
    for (const d of this.dims) {
      const active = this.isActive(d, params);
      const v = own(params, d.label);
      if (!active) {
        if (v !== undefined) throw new SpaceError(`params.${d.label}: present, but its branch is not active`);
        continue;
      }
      if (v === undefined) throw new SpaceError(`params.${d.label}: missing`);
      const why = d.check(v);
      if (why) throw new SpaceError(`params.${d.label}: ${why}`);
    }
  }

  /** Unit-cube encoding: one coordinate per dim (see `Dim.toUnit`), NaN where inactive. */
  encode(params: Params, out: Float64Array = new Float64Array(this.dims.length)): Float64Array {
    for (const d of this.dims) {
      const v = own(params, d.label);
      out[d.index] = v === undefined || !this.isActive(d, params) ? NaN : d.toUnit(v);
    }
    return out;
  }

  /** Inverse of `encode`: decodes active dims top-down; coordinates of inactive dims are ignored (NaN or not). */
  decode(x: ArrayLike<number>): Params {
    return this.sample(null as unknown as Rng, (d) => {
      const u = x[d.index];
      if (Number.isNaN(u)) throw new SpaceError(`decode: coordinate ${d.index} (${d.label}) is NaN but the dim is active`);
      return d.fromUnit(u);
    });
  }

  /** The structure handed to the objective: the tree with every leaf replaced by its value, choices by the chosen option. */
  toObject(params: Params): C {
    const build = (node: unknown): unknown => {
      if (node instanceof HpNode) {
        const v = own(params, node.label);
        if (v === undefined) throw new SpaceError(`params.${node.label}: missing`);
        if (node.dist.kind === 'choice') {
          const i = this.dim(node.label).optionIndex(v);
          if (i < 0) throw new SpaceError(`params.${node.label}: ${show(v)} is not one of the options`);
          return build(node.dist.options[i]);
        }
        return v;
      }
      if (node === null || typeof node !== 'object') return node;
      if (Array.isArray(node)) return node.map(build);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(node)) setOwn(out, k, build((node as Record<string, unknown>)[k]));
      return out;
    };
    return build(this.tree) as C;
  }

  /**
   * The inverse of `toObject`: the params whose config is `config`, or null when no choice of branches and values
   * fills the tree to it. A choice takes the first option whose filled-in shape matches.
   */
  fromObject(config: unknown): Params | null {
    const walk = (node: unknown, v: unknown): Record<string, Value> | null => {
      if (node instanceof HpNode) {
        const dim = this.dim(node.label);
        if (node.dist.kind === 'choice') {
          for (let i = 0; i < node.dist.options.length; i++) {
            const sub = walk(node.dist.options[i], v);
            if (sub) return { [node.label]: dim.optionValue(i), ...sub };
          }
          return null;
        }
        return dim.check(v as Value) === null ? { [node.label]: v as Value } : null;
      }
      if (node === null || typeof node !== 'object') return node === v ? {} : null;
      if (v === null || typeof v !== 'object' || Array.isArray(node) !== Array.isArray(v)) return null;
      const keys = Object.keys(node);
      if (keys.length !== Object.keys(v).length) return null;
      let out: Record<string, Value> = {};
      for (const k of keys) {
        if (!(k in v)) return null;
        const sub = walk((node as Record<string, unknown>)[k], (v as Record<string, unknown>)[k]);
        if (!sub) return null;
        out = { ...out, ...sub };
      }
      return out;
    };
    const found = walk(this.tree, config);
    if (!found) return null;
    // in space order, as samplers write params
    const params: Record<string, Value> = {};
    for (const d of this.dims) if (d.label in found) params[d.label] = found[d.label];
    return params;
  }

  /** Params from params or a config, validated against the space; errors name the caller and the label. */
  paramsOf(point: unknown, caller: string): Params {
    if (point !== null && typeof point === 'object' && Object.keys(point).every((k) => this.has(k))) {
      try {
        this.validate(point as Params);
        return { ...(point as Params) };
      } catch (e) {
        const fromConfig = this.fromObject(point);
        if (fromConfig) return fromConfig;
        throw new SpaceError(`${caller}: ${(e as Error).message}`);
      }
    }
    const fromConfig = this.fromObject(point);
    if (!fromConfig)
      throw new SpaceError(`${caller}: ${show(point)} is neither params of the space (keyed by label) nor a config it can fill to`);
    return fromConfig;
  }

  /** A canonical string of the active params, for duplicate detection. */
  key(params: Params): string {
    // built directly (every sampler calls this per point and per running trial): numbers as JSON writes them
    let s = '';
    for (const d of this.dims) {
      const v = own(params, d.label);
      if (v === undefined) continue;
      s += (s.length > 0 ? ',' : '') + (typeof v === 'number' ? String(v) : JSON.stringify(v));
    }
    return s;
  }

  /** Dims at the top of the tree (active whatever the choices). */
  get topLevel(): readonly Dim[] {
    return this.roots;
  }
}

/** Compiles a tree of `hp.*` expressions, objects, arrays and constants into a validated SearchSpace. */
export function space<const S>(tree: S): SearchSpace<Filled<S>> {
  if (tree instanceof SearchSpace) return tree as SearchSpace<Filled<S>>;
  // compiled by another copy of the package: compiled again here, from its tree
  const foreign = (tree as { [SEARCH_SPACE]?: unknown } | null)?.[SEARCH_SPACE] === true;
  return new SearchSpace(foreign ? (tree as unknown as SearchSpace).tree : tree);
}

/**
 * hyperopt's `space_eval`: fills the tree from `{ label: value }` as `fmin` and `study.bestTrial.params` return it
 * (a choice of constants by its option, a choice of structures by its index), or with every choice by its index, as
 * hyperopt's `fmin` returns it. A choice value that is one of its options is taken as that option.
 */
export function spaceEval<const S>(tree: S, indices: Readonly<Record<string, Value>>): Filled<S> {
  const s = space(tree);
  const params: Record<string, Value> = {};
  for (const d of s.dims) {
    if (!s.isActive(d, params)) continue;
    const v = own(indices, d.label);
    if (v === undefined) throw new SpaceError(`spaceEval: ${show(d.label)} is missing`);
    if (d.isChoice) {
      if (d.optionIndex(v) >= 0)
        setOwn(params, d.label, v); // as recorded: the option itself, or the index of a structure
      else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < d.cardinality) setOwn(params, d.label, d.optionValue(v));
      else {
        throw new SpaceError(
          `spaceEval: ${show(d.label)} must be one of its options or an option index in [0, ${d.cardinality - 1}] (got ${show(v)})`,
        );
      }
    } else setOwn(params, d.label, v);
  }
  return s.toObject(params);
}
