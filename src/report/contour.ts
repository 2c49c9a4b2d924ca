import type { TrialRecord } from '../trial/trial.js';
import type { ParamColumn } from './data.js';

/** One axis of the contour: numeric (cell edges in the parameter's own values) or a choice (one cell per option). */
export type ContourAxis =
  | { readonly label: string; readonly kind: 'numeric'; readonly log: boolean; readonly edges: number[] }
  | { readonly label: string; readonly kind: 'choice'; readonly options: string[] };

export interface ContourData {
  readonly x: ContourAxis;
  readonly y: ContourAxis;
  /** [column, row, smoothed value]; cells far from every trial are left out. */
  readonly cells: [number, number, number][];
  /** The trials that have both parameters: [x, y, trial number] (x/y: value, or option index for a choice). */
  readonly points: [number, number, number][];
}

const BINS = 30;
/** Kernel width in the [0, 1]-scaled axis; a cell whose summed kernel weight is below MIN_WEIGHT has no data near it. */
const BANDWIDTH = 0.08;
const MIN_WEIGHT = 0.2;
/** The smoother is O(cells × trials): beyond this many trials it uses an even sample of them. */
const MAX_POINTS = 3000;

/**
 * A contour surface of the objective over two parameters, by Nadaraya–Watson smoothing of the complete trials'
 * values (Gaussian kernel on numeric axes, log-scaled where the parameter is; exact match on a choice axis).
 * Null when fewer than 3 complete trials have both parameters active.
 */
export function contourGrid(x: ParamColumn, y: ParamColumn, trials: readonly TrialRecord[], rows: readonly number[]): ContourData | null {
  const pts: { a: number; b: number; v: number; n: number }[] = [];
  for (const i of rows) {
    const t = trials[i];
    const a = x.values[i];
    const b = y.values[i];
    if (t.state !== 'complete' || t.value === null || a === null || b === null) continue;
    pts.push({ a, b, v: t.value, n: t.number });
  }
  if (pts.length < 3) return null;
  const ax = axisOf(
    x,
    pts.map((p) => p.a),
  );
  const ay = axisOf(
    y,
    pts.map((p) => p.b),
  );
  const sample = pts.length > MAX_POINTS ? pts.filter((_, i) => i % Math.ceil(pts.length / MAX_POINTS) === 0) : pts;
  const sx = sample.map((p) => ax.scale(p.a));
  const sy = sample.map((p) => ay.scale(p.b));
  const cells: [number, number, number][] = [];
  for (let i = 0; i < ax.centres.length; i++) {
    for (let j = 0; j < ay.centres.length; j++) {
      let w = 0;
      let wv = 0;
      for (let k = 0; k < sample.length; k++) {
        const kx = ax.kernel(ax.centres[i], sx[k]);
        if (kx === 0) continue;
        const kw = kx * ay.kernel(ay.centres[j], sy[k]);
        w += kw;
        wv += kw * sample[k].v;
      }
      if (w >= MIN_WEIGHT) cells.push([i, j, wv / w]);
    }
  }
  return { x: ax.spec, y: ay.spec, cells, points: pts.map((p) => [p.a, p.b, p.n]) };
}

interface Axis {
  spec: ContourAxis;
  /** Cell centres in the axis's scaled coordinate. */
  centres: number[];
  scale: (v: number) => number;
  kernel: (centre: number, s: number) => number;
}

function axisOf(col: ParamColumn, values: number[]): Axis {
  if (col.kind === 'choice') {
    const options = col.options ?? [];
    return {
      spec: { label: col.label, kind: 'choice', options },
      centres: options.map((_, i) => i),
      scale: (v) => v,
      kernel: (c, s) => (c === s ? 1 : 0),
    };
  }
  const f = col.log ? (v: number) => Math.log(Math.max(v, Number.MIN_VALUE)) : (v: number) => v;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, f(v));
    hi = Math.max(hi, f(v));
  }
  if (!(hi > lo)) hi = lo + 1;
  const edges = Array.from({ length: BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / BINS);
  return {
    spec: { label: col.label, kind: 'numeric', log: col.log, edges: col.log ? edges.map(Math.exp) : edges },
    centres: Array.from({ length: BINS }, (_, i) => (i + 0.5) / BINS),
    scale: (v) => (f(v) - lo) / (hi - lo),
    kernel: (c, s) => {
      const z = (c - s) / BANDWIDTH;
      return z * z > 36 ? 0 : Math.exp(-0.5 * z * z);
    },
  };
}
