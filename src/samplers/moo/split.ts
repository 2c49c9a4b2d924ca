import { hypervolume } from './hypervolume.js';
import { nonDominatedSort } from './pareto.js';

/** Optuna 3.1's floor for hypervolume contributions and the weight of infeasible trials in the good group. */
const EPS = 1e-12;

/**
 * Total constraint violation of a trial, as Optuna 3.1's constrained TPE sums it: the positive constraint values
 * (0: feasible; a trial of a study without constraints counts as feasible).
 */
export function violation(constraints: readonly number[] | null | undefined): number {
  if (!constraints) return 0;
  let s = 0;
  for (const c of constraints) if (c > 0) s += c;
  return s;
}

/**
 * The reference point Optuna 3.1's multi-objective TPE takes for a set of minimized points: the worst value of each
 * objective pushed 10% outwards (max(1.1·w, 0.9·w), so negative values move up too), 1e-12 where it is 0.
 */
export function nadirReference(points: readonly (readonly number[])[]): number[] {
  const m = points[0].length;
  const ref: number[] = [];
  for (let k = 0; k < m; k++) {
    let worst = -Infinity;
    for (const p of points) worst = Math.max(worst, p[k]);
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? EPS : r);
  }
  return ref;
}

/**
 * Greedy hypervolume subset selection (Guerreiro, Fonseca, Paquete 2016; Optuna 3.1's `_solve_hssp`): `size` of
 * `points` (indices) picked one at a time by the largest hypervolume contribution to those picked before, the
 * contributions updated lazily (HVC(v | S∪{s}) = HVC(v | S) − (HV(S ∪ {max(s, v)}) − HV(S))). Ties: the earliest index.
 */
export function greedyHypervolumeSubset(points: readonly (readonly number[])[], size: number, ref: readonly number[]): number[] {
  const contributions = points.map((p) => hypervolume([p], ref));
  const selected: number[] = [];
  const selectedPoints: (readonly number[])[] = [];
  let hvSelected = 0;
  while (selected.length < Math.min(size, points.length)) {
    let best = -1;
    for (let j = 0; j < points.length; j++) if (contributions[j] !== -1 && (best < 0 || contributions[j] > contributions[best])) best = j;
    contributions[best] = -1;
    const s = points[best];
    for (let j = 0; j < points.length; j++) {
      if (contributions[j] === -1) continue;
      const joint = s.map((v, k) => Math.max(v, points[j][k]));
      contributions[j] -= hypervolume([...selectedPoints, joint], ref) - hvSelected;
    }
    selected.push(best);
    selectedPoints.push(s);
    hvSelected = hypervolume(selectedPoints, ref);
  }
  return selected;
}

/**
 * Optuna 3.1's split of complete trials for multi-objective TPE (Ozaki et al. 2020, 2022): `points` are their
 * minimized objective vectors, `violations` their total violations (null: no constraints). With constraints,
 * feasible trials come first and infeasible ones follow by violation; when the good group reaches past the feasible
 * ones it takes the least violating. Among feasible ones, whole non-domination ranks join the good group while they
 * fit; the rank at the boundary gives the rest by greedy hypervolume subset selection (reference point: its nadir,
 * see nadirReference). Returns indices into `points`: `below` (the good group: in selection order, ascending with
 * constraints, as Optuna orders them) and `above` (ascending).
 */
export function splitByDomination(
  points: readonly (readonly number[])[],
  nBelow: number,
  violations: readonly number[] | null,
): { below: number[]; above: number[] } {
  const all = points.map((_, i) => i);
  if (violations) {
    // stable by violation: feasible trials (0) first, in trial order
    const byViolation = [...all].sort((a, b) => violations[a] - violations[b] || a - b);
    if (nBelow >= byViolation.length || violations[byViolation[nBelow]] > 0) {
      const below = byViolation.slice(0, nBelow).sort((a, b) => a - b);
      return { below, above: complement(all, below) };
    }
    const feasible = all.filter((i) => violations[i] === 0);
    const inner = splitByDomination(
      feasible.map((i) => points[i]),
      nBelow,
      null,
    );
    const below = inner.below.map((j) => feasible[j]).sort((a, b) => a - b);
    return { below, above: complement(all, below) };
  }
  if (nBelow <= 0) return { below: [], above: all };
  const below: number[] = [];
  for (const front of nonDominatedSort(points)) {
    if (below.length + front.length <= nBelow) {
      below.push(...front);
      if (below.length === nBelow) break;
      continue;
    }
    const frontPoints = front.map((i) => points[i]);
    const picked = greedyHypervolumeSubset(frontPoints, nBelow - below.length, nadirReference(frontPoints));
    below.push(...picked.map((j) => front[j]));
    break;
  }
  return { below, above: complement(all, below) };
}

/**
 * Weights of the good group's trials in its Parzen estimator (Optuna 3.1): each feasible one's hypervolume
 * contribution within the good group's feasible trials (reference point: their nadir, see nadirReference), plus 1e-12,
 * divided by the largest; a lone feasible trial 1; infeasible ones 1e-12. In the order of `below`.
 */
export function belowWeights(
  points: readonly (readonly number[])[],
  below: readonly number[],
  violations: readonly number[] | null,
): Float64Array {
  const w = new Float64Array(below.length).fill(EPS);
  const feasibleAt = below.map((_, j) => j).filter((j) => !violations || violations[below[j]] === 0);
  if (feasibleAt.length === 1) w[feasibleAt[0]] = 1;
  if (feasibleAt.length < 2) return w;
  const lvals = feasibleAt.map((j) => points[below[j]]);
  const ref = nadirReference(lvals);
  const total = hypervolume(lvals, ref);
  const contributions = lvals.map(
    (_, i) =>
      total -
      hypervolume(
        lvals.filter((__, k) => k !== i),
        ref,
      ) +
      EPS,
  );
  const top = Math.max(...contributions);
  feasibleAt.forEach((j, i) => (w[j] = Math.min(1, Math.max(0, contributions[i] / top))));
  return w;
}

function complement(all: readonly number[], taken: readonly number[]): number[] {
  const set = new Set(taken);
  return all.filter((i) => !set.has(i));
}
