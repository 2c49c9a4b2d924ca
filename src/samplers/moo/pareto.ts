import { isFeasible, type Direction, type TrialRecord } from '../../trial/trial.js';

/** Objective vectors turned to minimization: maximized objectives are negated. */
export function minimized(values: readonly number[], directions: readonly Direction[]): number[] {
  return values.map((v, i) => (directions[i] === 'maximize' ? -v : v));
}

/** `a` Pareto-dominates `b` (minimization): no worse in every objective, better in one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

/**
 * Fast non-dominated sorting (Deb et al. 2002): the indices of `points` (minimization) by front, the first front
 * being the non-dominated points. O(M N²).
 */
export function nonDominatedSort(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const dominatedBy: number[][] = Array.from({ length: n }, () => []);
  const count = new Array<number>(n).fill(0);
  for (let p = 0; p < n; p++) {
    for (let q = p + 1; q < n; q++) {
      if (dominates(points[p], points[q])) {
        dominatedBy[p].push(q);
        count[q]++;
      } else if (dominates(points[q], points[p])) {
        dominatedBy[q].push(p);
        count[p]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = [];
  for (let p = 0; p < n; p++) if (count[p] === 0) current.push(p);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const p of current) {
      for (const q of dominatedBy[p]) if (--count[q] === 0) next.push(q);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Crowding distance of each member of one front (Deb et al. 2002): the sum over objectives of the normalized gap
 * between its neighbours; the extremes of every objective get Infinity. Returned in the order of `front`.
 */
export function crowdingDistance(points: readonly (readonly number[])[], front: readonly number[]): number[] {
  const dist = new Array<number>(front.length).fill(0);
  if (front.length === 0) return dist;
  const m = points[front[0]].length;
  for (let k = 0; k < m; k++) {
    const order = front.map((_, i) => i).sort((a, b) => points[front[a]][k] - points[front[b]][k]);
    const lo = points[front[order[0]]][k];
    const hi = points[front[order[order.length - 1]]][k];
    dist[order[0]] = Infinity;
    dist[order[order.length - 1]] = Infinity;
    if (hi === lo) continue;
    for (let j = 1; j < order.length - 1; j++) {
      dist[order[j]] += (points[front[order[j + 1]]][k] - points[front[order[j - 1]]][k]) / (hi - lo);
    }
  }
  return dist;
}

/** Complete, feasible trials carrying one value per direction: the ones a Pareto front is made of. */
export function scoredTrials(directions: readonly Direction[], trials: readonly TrialRecord[]): TrialRecord[] {
  return trials.filter((t) => t.state === 'complete' && !!t.values && t.values.length === directions.length && isFeasible(t));
}

/** The Pareto front: the complete feasible trials no other such trial dominates, in trial-number order. */
export function paretoFront(directions: readonly Direction[], trials: readonly TrialRecord[]): TrialRecord[] {
  const scored = scoredTrials(directions, trials);
  const points = scored.map((t) => minimized(t.values as number[], directions));
  const front = points.length ? nonDominatedSort(points)[0] : [];
  return front.map((i) => scored[i]).sort((a, b) => a.number - b.number);
}
