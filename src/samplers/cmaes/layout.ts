import type { Dim } from '../../space/dim.js';
import { roundToStep } from '../../space/dim.js';
import type { Value } from '../../space/hp.js';
import { own } from '../../space/own.js';
import type { Params, SearchSpace } from '../../space/space.js';
import { type DiscreteCoord, searchSorted, type State } from './strategy.js';

// Which parameters CMA-ES models, and how a point of its vector maps to values and back.

/** Discrete dims with more values than this are treated as continuous (rounded on decoding). */
const MAX_DISCRETE_VALUES = 4096;

/** How one always-active numeric dim is represented in the CMA-ES vector. */
export interface Coord {
  readonly dim: Dim;
  /** For discrete (margin) coords: the values in order and the unit-space centres of their cells. */
  readonly values: readonly Value[] | null;
  readonly centres: Float64Array | null;
}

/** The part of a space CMA-ES models: top-level (always active) float, normal and int dims. */
export interface Layout {
  readonly coords: readonly Coord[];
  readonly modelled: ReadonlyMap<string, number>;
  readonly mirrored: Uint8Array;
  readonly discrete: readonly DiscreteCoord[];
}

/** The value a coordinate evaluates to: the unit value (continuous) or the margin-scaled cell (discrete). */
export function evaluatedValue(c: Coord, state: State, j: number, x: number): Value {
  if (!c.values) return c.dim.fromUnit(x);
  const lim = state.k.discrete.find((d) => d.index === j)!.lim;
  const m = state.mean[j];
  return c.values[searchSorted(lim, m + state.A[j] * (x - m))];
}

/** The step of a trial that matches no member: its encoded point x, and y clipped to Mahalanobis norm √n + 2n/(n+2). */
export function foreignStep(layout: Layout, state: State, params: Params): { x: Float64Array; y: Float64Array } {
  const n = layout.coords.length;
  const y = new Float64Array(n);
  const point = new Float64Array(n);
  layout.coords.forEach((c, j) => {
    const v = own(params, c.dim.label);
    const m = state.mean[j];
    let x: number;
    if (v === undefined) x = m;
    else if (c.values && c.centres) {
      const i = c.values.indexOf(v);
      const u = i >= 0 ? c.centres[i] : c.dim.toUnit(v);
      x = m + (u - m) / state.A[j];
    } else x = c.dim.toUnit(v);
    point[j] = x;
    y[j] = (x - m) / state.sigma;
  });
  const w = state.whiten(y);
  let norm = 0;
  for (let j = 0; j < n; j++) norm += w[j] * w[j];
  norm = Math.sqrt(norm);
  const cap = Math.sqrt(n) + (2 * n) / (n + 2);
  if (norm > cap) for (let j = 0; j < n; j++) y[j] *= cap / norm;
  return { x: point, y };
}

/** Which dims CMA-ES models and how: top-level numeric dims; discrete ones with margin when they have few values. */
export function buildLayout(space: SearchSpace, margin: boolean): Layout {
  const dims = space.dims.filter((d) => d.parent === null && !d.isChoice);
  const coords: Coord[] = [];
  const discrete: DiscreteCoord[] = [];
  const mirrored = new Uint8Array(dims.length);
  dims.forEach((dim, j) => {
    const values = margin ? discreteValues(dim) : null;
    if (values && values.length >= 2) {
      const centres = Float64Array.from(values, (v) => dim.toUnit(v));
      const lim = new Float64Array(values.length - 1);
      for (let i = 0; i < lim.length; i++) lim[i] = dim.toUnit(((values[i] as number) + (values[i + 1] as number)) / 2);
      discrete.push({ index: j, lim });
      coords.push({ dim, values, centres });
    } else {
      mirrored[j] = 1;
      coords.push({ dim, values: null, centres: null });
    }
  });
  return { coords, modelled: new Map(dims.map((d, j) => [d.label, j])), mirrored, discrete };
}

/** The values of an int dim or a linearly quantised uniform dim, ascending, if there are at most MAX_DISCRETE_VALUES. */
function discreteValues(dim: Dim): Value[] | null {
  const d = dim.dist;
  if (d.kind === 'int') {
    if (d.high - d.low + 1 > MAX_DISCRETE_VALUES) return null;
    return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
  }
  if (d.kind === 'float' && !d.log && d.q !== null) {
    const q = d.q;
    const lo = Math.round(d.low / q);
    const hi = Math.round(d.high / q);
    if (hi - lo + 1 > MAX_DISCRETE_VALUES) return null;
    return Array.from({ length: hi - lo + 1 }, (_, i) => roundToStep((lo + i) * q, q));
  }
  return null;
}
