import type { SearchSpace } from '../space/space.js';
import type { Dim } from '../space/dim.js';
import { compareValues, type Direction, type TrialRecord } from '../trial/trial.js';

export interface ImportanceOptions {
  /** Share of the complete trials that form the top set (PED-ANOVA's γ'); default 0.1. */
  readonly topQuantile?: number;
  /** Grid points on which a numeric parameter's densities are compared; default 50. */
  readonly gridSize?: number;
}

export interface ParamImportance {
  readonly label: string;
  /** Share of the summed divergences: the importances of a study add up to 1. */
  readonly importance: number;
}

/** Fewer complete trials than this give no importances (the top set would be one or two trials). */
export const MIN_TRIALS_FOR_IMPORTANCE = 10;

/**
 * Parameter importance by PED-ANOVA (Watanabe, Bansal & Hutter, IJCAI 2023), local form, as Optuna's
 * `PedAnovaImportanceEvaluator`: for each parameter, the Pearson divergence between the Parzen density of its values
 * among the top `topQuantile` of complete trials and among all complete trials, ∫ p_all (p_top/p_all − 1)² dx. A
 * parameter whose good values look like its values anywhere does not matter; one whose good values gather does.
 * Densities live in the space's unit encoding (log-aware; integers and choices by cell) with Scott's bandwidth and a
 * uniform prior component of weight 1, on `gridSize` points (one per option for a choice). A conditional parameter is
 * measured among the trials where it is active. Returns parameters by decreasing importance, normalised to sum 1
 * (all zero when nothing stands out); empty below MIN_TRIALS_FOR_IMPORTANCE complete trials.
 */
export function pedAnova(
  space: SearchSpace,
  direction: Direction,
  trials: readonly TrialRecord[],
  options: ImportanceOptions = {},
): ParamImportance[] {
  const gamma = options.topQuantile ?? 0.1;
  const gridSize = options.gridSize ?? 50;
  const complete = trials
    .filter((t) => t.state === 'complete' && t.value !== null && Number.isFinite(t.value))
    .sort((a, b) => compareValues(direction, a.value as number, b.value as number));
  if (complete.length < MIN_TRIALS_FOR_IMPORTANCE) return [];
  const nTop = Math.max(2, Math.ceil(gamma * complete.length));
  const raw = space.dims.map((dim) => {
    const all: number[] = [];
    const top: number[] = [];
    complete.forEach((t, rank) => {
      const v = t.params[dim.label];
      if (v === undefined || !space.isActive(dim, t.params)) return;
      const u = dim.toUnit(v);
      all.push(u);
      if (rank < nTop) top.push(u);
    });
    return { label: dim.label, divergence: top.length < 2 ? 0 : pearsonDivergence(dim, top, all, gridSize) };
  });
  const total = raw.reduce((s, r) => s + r.divergence, 0);
  return raw.map((r) => ({ label: r.label, importance: total > 0 ? r.divergence / total : 0 })).sort((a, b) => b.importance - a.importance);
}

/** Σ_grid p_all (p_top/p_all − 1)² with both densities normalised over the grid. */
function pearsonDivergence(dim: Dim, top: readonly number[], all: readonly number[], gridSize: number): number {
  // choices and small integer ranges by cell; wide integer ranges are smoothed like floats
  const byCell = dim.isChoice || (dim.dist.kind === 'int' && dim.cardinality <= 32);
  const pTop = byCell ? cellDensity(top, dim.cardinality) : kernelDensity(top, gridSize);
  const pAll = byCell ? cellDensity(all, dim.cardinality) : kernelDensity(all, gridSize);
  let d = 0;
  for (let i = 0; i < pAll.length; i++) {
    const r = pTop[i] / pAll[i] - 1;
    d += pAll[i] * r * r;
  }
  return d;
}

/** Counts per cell of [0, 1] with one prior pseudo-count spread evenly, normalised. */
function cellDensity(us: readonly number[], cells: number): Float64Array {
  const p = new Float64Array(cells).fill(1 / cells);
  for (const u of us) p[Math.min(cells - 1, Math.floor(u * cells))] += 1;
  return normalise(p);
}

/** Gaussian kernels at the observations (Scott's bandwidth) plus a uniform prior component, on a grid of [0, 1]. */
function kernelDensity(us: readonly number[], gridSize: number): Float64Array {
  const n = us.length;
  const mean = us.reduce((s, u) => s + u, 0) / n;
  const sd = Math.sqrt(us.reduce((s, u) => s + (u - mean) ** 2, 0) / n);
  const h = Math.max(1.06 * Math.max(sd, 1e-3) * n ** -0.2, 1 / gridSize);
  const p = new Float64Array(gridSize);
  for (let i = 0; i < gridSize; i++) {
    const x = (i + 0.5) / gridSize;
    let s = 1; // the prior: uniform density 1 with the weight of one observation
    for (const u of us) {
      const z = (x - u) / h;
      s += Math.exp(-0.5 * z * z) / (h * Math.sqrt(2 * Math.PI));
    }
    p[i] = s;
  }
  return normalise(p);
}

function normalise(p: Float64Array): Float64Array {
  let s = 0;
  for (const v of p) s += v;
  for (let i = 0; i < p.length; i++) p[i] /= s;
  return p;
}
