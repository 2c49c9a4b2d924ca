import type { Rng } from '../../rng.js';
import type { Params } from '../../space/space.js';
import type { Acq } from './acquisition.js';
import type { InputEncoding } from './encoding.js';
import { latinHypercube } from './lhs.js';
import type { Field } from './field.js';
import { minimizeBox } from './optimize.js';
import type { Box } from './trust.js';

/** An acquisition as a function of the posterior at one point (a score to maximise). */
export type Score = (mean: number, variance: number) => Acq;

export interface SearchOptions {
  /** Quasi-random (Latin hypercube) candidates over the whole raw cube. */
  global: number;
  /** Candidates perturbed around the incumbents. */
  local: number;
  /** Raw points of the best observed trials, best first, around which the local candidates are drawn. */
  incumbents: readonly Float64Array[];
  /** Best candidates polished by projected L-BFGS on their continuous inputs. */
  starts: number;
  /** L-BFGS iterations per start. */
  maxIter: number;
  /** Trust region: candidates and polishing confined to this box of the raw cube (default: the whole cube). */
  box?: Box;
}

export interface Scored {
  params: Params;
  key: string;
  inputs: Float64Array;
  value: number;
}

/** Perturbation scales (raw unit-cube units) of local candidates, used in turn. */
const LOCAL_SCALES = [0.01, 0.05, 0.2];

/**
 * Maximises the acquisition `field` over the whole mixed space and returns the best point whose key is not taken
 * (null if every point found is taken):
 * 1. global Latin-hypercube candidates plus Gaussian perturbations of the incumbents, decoded to points the
 *    space can hold, scored in one batched posterior call;
 * 2. the best `starts` distinct ones polished by `minimizeBox` over their active continuous inputs (ints and
 *    quantised values relaxed to the continuum, rounded afterwards by decoding);
 * 3. one round of categorical moves at each polished point (every other option of every active choice,
 *    which may switch branches), scored in one call.
 */
export function maximizeAcquisition(
  field: Field,
  enc: InputEncoding,
  rng: Rng,
  o: SearchOptions,
  taken: (key: string) => boolean,
): Scored | null {
  const D = enc.d;
  const pool: { u: Float64Array; params: Params; inputs: Float64Array }[] = [];
  const add = (u: Float64Array) => {
    const c = enc.canonical(u);
    pool.push({ u, ...c });
  };
  const lo = o.box?.lower ?? new Float64Array(D);
  const hi = o.box?.upper ?? new Float64Array(D).fill(1);
  const clamp = (v: number, j: number) => Math.min(hi[j], Math.max(lo[j], v));
  const lhs = latinHypercube(o.global, D, rng);
  for (let i = 0; i < o.global; i++) {
    const u = lhs.slice(i * D, (i + 1) * D);
    if (o.box) for (let j = 0; j < D; j++) u[j] = lo[j] + (hi[j] - lo[j]) * u[j];
    add(u);
  }
  if (o.incumbents.length > 0) {
    for (let i = 0; i < o.local; i++) {
      const base = o.incumbents[i % Math.min(o.incumbents.length, 1 + (i % 3))];
      const u = Float64Array.from(base);
      const mode = i % 4;
      if (mode === 3) {
        // Resample one coordinate: lets a single badly placed dim (e.g. stuck at a bound) move far.
        const j = rng.int(D);
        u[j] = lo[j] + (hi[j] - lo[j]) * rng.uniform();
      } else {
        const s = LOCAL_SCALES[mode];
        const p = mode === 2 ? Math.min(1, 2 / D) : 1; // the widest moves change few coordinates at once
        for (let j = 0; j < D; j++) {
          if (enc.categorical[j]) {
            if (rng.uniform() < 1 / D) u[j] = rng.uniform();
          } else if (p === 1 || rng.uniform() < p) u[j] = clamp(u[j] + s * rng.normal(), j);
        }
      }
      add(u);
    }
  }

  const scored = scoreAll(field, enc, pool);
  const results: (Scored & { u: Float64Array })[] = scored.map((s, i) => ({ ...s, u: pool[i].u }));
  const order = results.map((_, i) => i).sort((a, b) => results[b].value - results[a].value);

  // Polish the best distinct candidates.
  const polished: (Scored & { u: Float64Array })[] = [];
  const seen = new Set<string>();
  for (const i of order) {
    if (polished.length >= o.starts) break;
    const c = results[i];
    if (seen.has(c.key)) continue;
    seen.add(c.key);
    polished.push(polish(field, enc, c, o.maxIter, lo, hi));
  }
  const moves: { u: Float64Array; params: Params; inputs: Float64Array }[] = [];
  for (const p of polished) {
    for (const { index, options } of enc.activeChoices(p.params)) {
      const current = p.inputs[index];
      for (let k = 0; k < options; k++) {
        if (k === current) continue;
        const u = Float64Array.from(p.u);
        u[index] = (k + 0.5) / options;
        moves.push({ u, ...enc.canonical(u) });
      }
    }
  }
  const moved = scoreAll(field, enc, moves).map((s, i) => ({ ...s, u: moves[i].u }));

  const all = [...polished, ...moved, ...results].sort((a, b) => b.value - a.value);
  for (const c of all) if (!taken(c.key) && Number.isFinite(c.value)) return c;
  return null;
}

function scoreAll(field: Field, enc: InputEncoding, pts: { params: Params; inputs: Float64Array }[]): Scored[] {
  const m = pts.length;
  if (m === 0) return [];
  const D = enc.d;
  const x = new Float64Array(m * D);
  pts.forEach((p, i) => x.set(p.inputs, i * D));
  const values = field.values(x, m);
  return pts.map((p, i) => ({
    params: p.params,
    key: enc.space.key(p.params),
    inputs: p.inputs,
    value: values[i],
  }));
}

/** Gradient ascent of the score over the active continuous inputs of c, then decoding (rounding) and rescoring. */
function polish(
  field: Field,
  enc: InputEncoding,
  c: Scored & { u: Float64Array },
  maxIter: number,
  lo: Float64Array,
  hi: Float64Array,
): Scored & { u: Float64Array } {
  const free = enc.activeContinuous(c.params);
  if (free.length === 0 || maxIter <= 0) return c;
  const D = enc.d;
  const inp = Float64Array.from(c.inputs);
  const full = new Float64Array(D);
  const f = (v: Float64Array, g: Float64Array): number => {
    for (let k = 0; k < free.length; k++) inp[free[k]] = v[k];
    const value = field.gradient(inp, full);
    for (let k = 0; k < free.length; k++) g[k] = -full[free[k]];
    return -value;
  };
  // Start from the raw coordinates (the canonical inputs of ints sit at cell centres; raw ones are equivalent).
  const v0 = Float64Array.from(free, (j) => c.inputs[j]);
  const lower = Float64Array.from(free, (j) => lo[j]);
  const upper = Float64Array.from(free, (j) => hi[j]);
  const r = minimizeBox(f, v0, lower, upper, { maxIter, pgtol: 1e-7, ftol: 1e-12, maxStep: 0.1 });
  const u = Float64Array.from(c.u);
  for (let k = 0; k < free.length; k++) u[free[k]] = r.x[k];
  const canon = enc.canonical(u);
  const [s] = scoreAll(field, enc, [canon]);
  return s.value >= c.value ? { ...s, u } : c;
}
