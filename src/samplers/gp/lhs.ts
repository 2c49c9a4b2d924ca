import type { Rng } from '../../rng.js';

/**
 * Latin hypercube design (McKay, Beckman & Conover 1979): n points in [0, 1)^d, row-major n×d, with
 * exactly one point in each of the n equal strata of every coordinate; strata paired by independent
 * random permutations, position inside a stratum uniform. All randomness from `rng`.
 */
export function latinHypercube(n: number, d: number, rng: Rng): Float64Array {
  const out = new Float64Array(n * d);
  const perm = new Array<number>(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) perm[i] = i;
    rng.shuffle(perm);
    for (let i = 0; i < n; i++) out[i * d + j] = (perm[i] + rng.uniform()) / n;
  }
  return out;
}
