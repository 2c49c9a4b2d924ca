import { OptionsError } from '../errors.js';
import { checkKeys } from '../options.js';
import { Rng } from '../rng.js';
import type { Dim } from '../space/dim.js';
import { show, type Value } from '../space/hp.js';
import { type Params, type SearchSpace, space as compileSpace } from '../space/space.js';
import { countsAgainstBudget } from '../storage/storage.js';
import type { History, Sampler, SamplerSession } from './sampler.js';
import { own, setOwn } from '../space/own.js';

export interface GridOptions {
  /** Points per continuous dimension: one number for all, or per label. Evenly spaced, endpoints included (in log space for log dims). */
  points?: number | Readonly<Record<string, number>>;
  /** Explicit values per label; they replace the dimension's own grid. */
  values?: Readonly<Record<string, readonly Value[]>>;
  /** 'shuffle' (seeded by the study seed, the default) or 'lexicographic' (space order, last label fastest). */
  order?: 'shuffle' | 'lexicographic';
}

/** A grid larger than this is refused: enumerate a smaller one or use a model-based sampler. */
const MAX_GRID = 5_000_000;
/** A quantised range or integer range with more values than this needs explicit `points`. */
const MAX_AXIS = 10_000;

/**
 * Grid search over every combination of discrete values (choices, integers, quantised ranges) and of the
 * given points of continuous ones; conditional branches are enumerated per branch. Ends when the grid is exhausted.
 */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  readonly multiObjective = true;
  /** Every trial of the study counts as a point done, whatever a pruner's group (no point twice). */
  readonly wholeHistory = true;
  readonly options: Readonly<Record<string, unknown>>;

  constructor(private readonly opts: GridOptions = {}) {
    validateGridOptions(opts);
    this.options = { ...opts };
  }

  /** Number of distinct points of the grid over `space`. */
  size(space: unknown): number {
    return countGrid(compileSpace(space), this.opts);
  }

  /**
   * Limits: at most 5,000,000 grid points, and a continuous parameter needs options.points or values; met here
   * (at study creation) rather than at the first ask.
   */
  checkSpace(space: SearchSpace): void {
    const size = countGrid(space, this.opts);
    if (size > MAX_GRID) throw new OptionsError(`grid: ${size} points is more than ${MAX_GRID}; give fewer options.points or values`);
  }

  /** A session per study: that study's grid, in its order, enumerated once. */
  session(): SamplerSession {
    let kept: GridPoints | null = null;
    return {
      suggest: (h, n) => {
        if (kept?.space !== h.space || kept.seed !== h.seed) kept = this.points(h);
        return nextPoints(kept.points, h, n);
      },
    };
  }

  suggest(history: History, n: number, _rng: Rng): Params[] {
    return nextPoints(this.points(history).points, history, n);
  }

  /** The grid over the history's space in the order of its seed. */
  private points(history: History): GridPoints {
    const points = enumerateGrid(history.space, this.opts);
    if ((this.opts.order ?? 'shuffle') === 'shuffle') Rng.derive(history, 'grid').shuffle(points);
    return { space: history.space, seed: history.seed, points };
  }
}

interface GridPoints {
  readonly space: SearchSpace;
  readonly seed: number;
  readonly points: readonly Params[];
}

/** The first `n` points of the grid not yet asked in the history (failed ones excepted; see countsAgainstBudget). */
function nextPoints(grid: readonly Params[], history: History, n: number): Params[] {
  const { space } = history;
  const used = new Set(history.trials.filter(countsAgainstBudget).map((t) => space.key(t.params)));
  const out: Params[] = [];
  for (const p of grid) {
    if (out.length === n) break;
    const k = space.key(p);
    if (!used.has(k)) {
      used.add(k);
      out.push(p);
    }
  }
  return out;
}

const GRID_KEYS = { points: true, values: true, order: true } as const satisfies { readonly [K in keyof Required<GridOptions>]: true };

function validateGridOptions(o: GridOptions): void {
  checkKeys(o, GRID_KEYS, 'grid');
  const checkPoints = (name: string, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 1)
      throw new OptionsError(`grid: options.${name} must be a positive integer (got ${show(v)})`);
  };
  if (typeof o.points === 'number') checkPoints('points', o.points);
  else if (o.points !== undefined) for (const [k, v] of Object.entries(o.points)) checkPoints(`points.${k}`, v);
  for (const [k, v] of Object.entries(o.values ?? {})) {
    if (!Array.isArray(v) || v.length === 0) throw new OptionsError(`grid: options.values.${k} must be a non-empty array`);
  }
  if (o.order !== undefined && o.order !== 'shuffle' && o.order !== 'lexicographic') {
    throw new OptionsError(`grid: options.order must be "shuffle" or "lexicographic" (got ${JSON.stringify(o.order)})`);
  }
}

/** The grid values of one dimension, or a clear error when it has none. */
export function axisValues(d: Dim, o: GridOptions): Value[] {
  const given = own(o.values, d.label);
  if (given) {
    given.forEach((v, i) => {
      const why = d.check(v);
      if (why) throw new OptionsError(`grid: options.values.${d.label}[${i}]: ${why}`);
    });
    return [...new Set(given)];
  }
  const points = typeof o.points === 'number' ? o.points : own(o.points, d.label);
  const dist = d.dist;
  const where = `grid: hp.${d.fn}(${JSON.stringify(d.label)})`;
  switch (dist.kind) {
    case 'choice':
      return dist.options.map((_, i) => d.optionValue(i));
    case 'int': {
      const count = dist.high - dist.low + 1;
      if (points === undefined || points >= count) {
        if (count > MAX_AXIS) throw new OptionsError(`${where} has ${count} integers; give options.points.${d.label}`);
        return Array.from({ length: count }, (_, i) => dist.low + i);
      }
      if (dist.log) return [...new Set(spaced(Math.log(dist.low), Math.log(dist.high), points).map((x) => Math.round(Math.exp(x))))];
      return [...new Set(spaced(dist.low, dist.high, points).map(Math.round))];
    }
    case 'normal':
      throw new OptionsError(`${where} is a normal distribution and cannot be gridded; give options.values.${d.label}`);
    case 'float': {
      if (points !== undefined) {
        // exp(log(100)) is 100.00000000000004: keep 12 significant digits so grids show the values users wrote
        const clean = (v: number) => Number.parseFloat(v.toPrecision(12));
        return [...new Set(spaced(dist.low, dist.high, points).map((x) => d.finish(dist.log ? clean(Math.exp(x)) : x)))];
      }
      if (dist.q === null) {
        throw new OptionsError(`${where} is continuous; give options.points (per dimension or for all) or options.values.${d.label}`);
      }
      const lo = dist.log ? Math.exp(dist.low) : dist.low;
      const hi = dist.log ? Math.exp(dist.high) : dist.high;
      const first = Math.ceil(lo / dist.q - 1e-9);
      const last = Math.floor(hi / dist.q + 1e-9);
      const count = last - first + 1;
      if (count > MAX_AXIS) throw new OptionsError(`${where} has ${count} quantised values; give options.points.${d.label}`);
      return Array.from({ length: Math.max(count, 0) }, (_, i) => d.finish((first + i) * (dist.q as number))).filter(
        (v) => d.check(v) === null,
      );
    }
  }
}

function spaced(low: number, high: number, points: number): number[] {
  if (points === 1) return [(low + high) / 2];
  return Array.from({ length: points }, (_, i) => low + ((high - low) * i) / (points - 1));
}

/** Counts the grid without enumerating it: per branch, the product of the axes active there. */
function countGrid(space: SearchSpace, o: GridOptions): number {
  const axes = new Map(space.dims.map((d) => [d, axisValues(d, o)]));
  // count(dims under a set of parents): top-down over the tree
  const countUnder = (parent: Dim | null, option: number): number => {
    let total = 1;
    for (const d of space.dims) {
      if ((d.parent?.dim ?? null) !== parent || (parent && d.parent?.option !== option)) continue;
      const values = axes.get(d) as Value[];
      if (d.isChoice) {
        let sum = 0;
        for (const v of values) sum += countUnder(d, d.optionIndex(v));
        total *= sum;
      } else total *= values.length;
    }
    return total;
  };
  return countUnder(null, 0);
}

function enumerateGrid(space: SearchSpace, o: GridOptions): Params[] {
  const size = countGrid(space, o);
  if (size > MAX_GRID) throw new OptionsError(`grid: ${size} points is more than ${MAX_GRID}; give fewer options.points or values`);
  const axes = space.dims.map((d) => axisValues(d, o));
  const out: Params[] = [];
  const walk = (i: number, partial: Record<string, Value>): void => {
    if (i === space.dims.length) {
      out.push({ ...partial });
      return;
    }
    const d = space.dims[i];
    if (!space.isActive(d, partial)) return walk(i + 1, partial);
    for (const v of axes[i]) {
      setOwn(partial, d.label, v);
      walk(i + 1, partial);
    }
    delete partial[d.label];
  };
  walk(0, {});
  return out;
}

/** Grid search: `grid({ points, values, order })`, `grid.suggest` (discrete spaces), `grid.size(space, options)`. */
export const grid = Object.assign((options?: GridOptions) => new GridSampler(options), {
  suggest: new GridSampler(),
  size: (space: unknown, options?: GridOptions) => new GridSampler(options).size(space),
});
