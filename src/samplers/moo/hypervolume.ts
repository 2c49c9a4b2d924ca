import { OptionsError } from '../../errors.js';

/**
 * The exact hypervolume (minimization) dominated by `points` and bounded by the reference point `ref`: the measure
 * of { x : some point p ≤ x ≤ ref }. Points not strictly better than `ref` in every objective add nothing.
 * Two objectives: a sweep, O(n log n). More: slicing along the last objective (HSO), each slice a problem one
 * dimension smaller, exact and quick enough for fronts of a few hundred points in three objectives.
 */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const d = ref.length;
  if (d < 1) throw new OptionsError('hypervolume: ref must have at least one objective');
  for (const p of points) {
    if (p.length !== d) throw new OptionsError(`hypervolume: a point has ${p.length} objectives, ref has ${d}`);
  }
  const inside = points.filter((p) => p.every((v, i) => v < ref[i]));
  return volume(inside, ref, d);
}

function volume(points: readonly (readonly number[])[], ref: readonly number[], d: number): number {
  if (points.length === 0) return 0;
  if (d === 1) return ref[0] - Math.min(...points.map((p) => p[0]));
  if (d === 2) return sweep2(points, ref);
  // Slices between consecutive values of the last objective: in each, the points at or below its bottom, projected.
  const sorted = [...points].sort((a, b) => a[d - 1] - b[d - 1]);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1][d - 1] : ref[d - 1];
    const height = top - sorted[i][d - 1];
    if (height <= 0) continue;
    total += height * volume(sorted.slice(0, i + 1), ref, d - 1);
  }
  return total;
}

function sweep2(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let total = 0;
  let bestY = ref[1];
  for (const p of sorted) {
    if (p[1] >= bestY) continue; // dominated by one to its left
    total += (ref[0] - p[0]) * (bestY - p[1]);
    bestY = p[1];
  }
  return total;
}
