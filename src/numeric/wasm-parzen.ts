// TPE's Parzen mixtures in the WASM core: a mixture prepared once and evaluated at batches of points.

import { MAX_MIXTURE_DIMS } from './types.js';
import type { MixtureEvalOptions, MixturePoints, MixtureSpec, ParzenMixture } from './types.js';
import { alignedSize, Arena, checkLen, ex, heapF64, registry, withArena } from './wasm-memory.js';

/** A mixture in the core's memory: its inputs and the tables parzenPrepare fills (addresses). */
interface MixtureLayout {
  readonly K: number;
  readonly d: number;
  readonly dc: number;
  /** The quantisation step per dim (0 at density dims), and whether any dim is an interval dim. */
  readonly q: Float64Array;
  readonly anyInterval: boolean;
  readonly low: number;
  readonly high: number;
  readonly isInterval: number;
  readonly catSizes: number;
  readonly mu: number;
  readonly sig: number;
  readonly inv: number;
  readonly cst: number;
  readonly catLog: number;
}

/** The sizes of a mixture spec, its arrays' lengths checked against them. */
function mixtureShape(spec: MixtureSpec): { K: number; d: number; dc: number; S: number; sizes: number[] } {
  const K = spec.weights.length;
  const d = spec.low.length;
  if (K === 0) throw new RangeError('spec.weights must not be empty');
  checkLen('spec.high', spec.high, d);
  checkLen('spec.mus', spec.mus, K * d);
  checkLen('spec.sigmas', spec.sigmas, K * d);
  if (d > MAX_MIXTURE_DIMS) throw new RangeError(`spec.low: at most ${MAX_MIXTURE_DIMS} numeric dimensions are supported (got ${d})`);
  const sizes = spec.categorical ? Array.from(spec.categorical.sizes) : [];
  let S = 0;
  for (const n of sizes) S += n;
  if (spec.categorical) checkLen('spec.categorical.probs', spec.categorical.probs, K * S);
  if (spec.q) checkLen('spec.q', spec.q, d);
  return { K, d, dc: sizes.length, S, sizes };
}

/** Bytes of an arena that prepareMixture lays a mixture of this shape out in. */
function mixtureBytes(K: number, d: number, dc: number, S: number): number {
  const f64s = (n: number) => alignedSize(n * 8);
  return 2 * f64s(d) + alignedSize(d) + alignedSize(4 * dc) + 3 * f64s(K * d) + 2 * f64s(K) + 2 * f64s(K * S);
}

/** Copies a mixture into `ar` and prepares it (parzenPrepare); throws a RangeError naming the first invalid input. */
function prepareMixture(spec: MixtureSpec, ar: Arena): MixtureLayout {
  const { K, d, dc, S, sizes } = mixtureShape(spec);
  const q = new Float64Array(d);
  let anyInterval = false;
  if (spec.q) {
    for (let j = 0; j < d; j++) {
      q[j] = spec.q[j]! > 0 ? spec.q[j]! : 0;
      anyInterval ||= q[j]! > 0;
    }
  }
  const L: MixtureLayout = {
    K,
    d,
    dc,
    q,
    anyInterval,
    low: ar.put(spec.low, d),
    high: ar.put(spec.high, d),
    isInterval: ar.putU8(q),
    catSizes: ar.putI32(sizes),
    mu: ar.put(spec.mus, K * d),
    sig: ar.put(spec.sigmas, K * d),
    inv: ar.f64(K * d),
    cst: ar.f64(K),
    catLog: ar.f64(K * S),
  };
  // the core checks the values (a JS loop over K x d elements costs more than preparing them)
  const err = ex.parzenPrepare(
    K,
    d,
    dc,
    ar.put(spec.weights, K),
    L.mu,
    L.sig,
    L.low,
    L.high,
    L.isInterval,
    L.catSizes,
    spec.categorical ? ar.put(spec.categorical.probs, K * S) : 0,
    L.inv,
    L.cst,
    L.catLog,
  );
  if (err !== 0) throw mixtureError(spec, err & 7, err >>> 3);
  return L;
}

/** The number of points in `pts` (m x d values, or m x dc categories when d = 0). */
function pointsIn(pts: MixturePoints, d: number, dc: number): number {
  return d > 0 ? Math.floor(pts.x.length / d) : Math.floor((pts.categories?.length ?? 0) / Math.max(dc, 1));
}

/** The number of points in `pts` for a mixture of this layout, their inputs and the options checked. */
function pointCount(L: { d: number; dc: number }, pts: MixturePoints, options: MixtureEvalOptions): number {
  const { out } = options;
  const { dc } = L;
  const m = pointsIn(pts, L.d, dc);
  if (dc > 0) {
    if (!pts.categories) throw new RangeError('points.categories is required for a mixture with categorical dimensions');
    checkLen('points.categories', pts.categories, m * dc);
  }
  if (out) checkLen('options.out', out, m);
  return m;
}

/** Bytes of an arena that evalMixture uses for m points (`interval`: if the mixture has interval dims). */
function evalBytes(K: number, d: number, dc: number, m: number, interval: boolean): number {
  return (
    alignedSize(m * d * 8) * (interval ? 2 : 1) + alignedSize(m * 8) + alignedSize(4 * m * dc) + alignedSize(ex.parzenScratchBytes(K, d, m))
  );
}

/** log p at the m points (parzenEval), into options.out or a new array. */
function evalMixture(L: MixtureLayout, pts: MixturePoints, m: number, options: MixtureEvalOptions, ar: Arena): Float64Array {
  const { K, d, dc, q } = L;
  const res = options.out ?? new Float64Array(m);
  if (m === 0) return res;
  let xlo: ArrayLike<number> = pts.x;
  let xhi: Float64Array | undefined;
  if (L.anyInterval) {
    const lo = Float64Array.from(pts.x.subarray(0, m * d));
    xhi = new Float64Array(m * d);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < d; j++) {
        const qj = q[j]!;
        if (qj > 0) {
          const o = i * d + j;
          lo[o] = pts.lower ? pts.lower[o]! : pts.x[o]! - qj / 2;
          xhi[o] = pts.upper ? pts.upper[o]! : pts.x[o]! + qj / 2;
        }
      }
    }
    xlo = lo;
  }
  const out = ar.f64(m);
  ex.parzenEval(
    K,
    d,
    dc,
    L.mu,
    L.sig,
    L.inv,
    L.cst,
    L.low,
    L.high,
    L.isInterval,
    L.catSizes,
    L.catLog,
    m,
    ar.put(xlo, m * d),
    xhi ? ar.put(xhi, m * d) : 0,
    dc > 0 ? ar.putI32(pts.categories!.subarray(0, m * dc)) : 0,
    out,
    ar.alloc(ex.parzenScratchBytes(K, d, m)),
  );
  const heap = heapF64();
  res.set(heap.subarray(out >>> 3, (out >>> 3) + m));
  return res;
}

export class WasmMixture implements ParzenMixture {
  readonly k: number;
  readonly d: number;
  readonly dc: number;
  #ptrs: number[] | null;
  readonly #L: MixtureLayout;

  constructor(spec: MixtureSpec) {
    const { K, d, dc, S } = mixtureShape(spec);
    const ar = new Arena(mixtureBytes(K, d, dc, S));
    try {
      this.#L = prepareMixture(spec, ar);
      this.k = K;
      this.d = d;
      this.dc = dc;
      this.#ptrs = ar.detach();
      registry.register(this, this.#ptrs, this);
    } finally {
      ar.release();
    }
  }

  logPdf(pts: MixturePoints, options: MixtureEvalOptions = {}): Float64Array {
    if (!this.#ptrs) throw new Error('ParzenMixture has been disposed');
    const m = pointCount(this.#L, pts, options);
    const { K, d, dc, anyInterval } = this.#L;
    return withArena((ar) => evalMixture(this.#L, pts, m, options, ar), evalBytes(K, d, dc, m, anyInterval));
  }

  dispose(): void {
    if (!this.#ptrs) return;
    registry.unregister(this);
    for (const p of this.#ptrs) ex.free(p);
    this.#ptrs = null;
  }
}

/** parzenLogPdf: prepare and evaluate in one arena. */
export function parzenLogPdfOnce(spec: MixtureSpec, pts: MixturePoints, options: MixtureEvalOptions = {}): Float64Array {
  const { K, d, dc, S } = mixtureShape(spec);
  const m = pointCount({ d, dc }, pts, options);
  return withArena(
    (ar) => evalMixture(prepareMixture(spec, ar), pts, m, options, ar),
    mixtureBytes(K, d, dc, S) + evalBytes(K, d, dc, m, spec.q !== undefined),
  );
}

/** The error for parzenPrepare's code: which input (1 weights, 2 sigmas, 3 mus, 4 bounds) and the index. */
function mixtureError(spec: MixtureSpec, kind: number, i: number): RangeError {
  switch (kind) {
    case 1:
      return new RangeError(`spec.weights[${i}] must be >= 0 (got ${spec.weights[i]})`);
    case 2:
      return new RangeError(`spec.sigmas[${i}] must be positive and finite (got ${spec.sigmas[i]})`);
    case 3:
      return new RangeError(`spec.mus[${i}] must be finite (got ${spec.mus[i]})`);
    default:
      return new RangeError(`spec.low[${i}] must be < spec.high[${i}] (got ${spec.low[i]}, ${spec.high[i]})`);
  }
}

export function categoricalLogPmf(weights: ArrayLike<number>, probs: ArrayLike<number>, nCat: number, x: Int32Array): Float64Array {
  return parzenLogPdfOnce(
    { weights, mus: [], sigmas: [], low: [], high: [], categorical: { sizes: [nCat], probs } },
    { x: new Float64Array(0), categories: x },
  );
}
