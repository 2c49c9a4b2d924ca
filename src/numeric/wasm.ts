// The WASM implementation of NumericCore: linear algebra and the GP here, the Parzen mixtures in wasm-parzen.ts, the
// module's instance and memory in wasm-memory.ts. The numeric/wasm*.ts modules own the WASM memory: they allocate,
// copy in, call, copy out and free, and no pointer leaves them (resident objects such as GpModel keep theirs in
// private fields). The module is compiled and instantiated synchronously on first use (loadWasmCore, behind core()),
// not at import, and every kernel is then called once on small inputs (warm-up, so that V8 tiers the functions up
// before the first real call).

import { NotPositiveDefiniteError } from '../errors.js';
import type { CholeskyResult, EigenResult, GpHyper, GpModel, LmlResult, MixtureSpec, NumericCore, Posterior } from './types.js';
import { categoricalLogPmf, parzenLogPdfOnce, WasmMixture } from './wasm-parzen.js';
import { Arena, checkFinite, checkLen, checkN, ex, getF64, heapF64, registry, startWasm, wasmStarted, withArena } from './wasm-memory.js';

const MAX_JITTER_TRIES = 6;

function cholesky(a: Float64Array, n: number): CholeskyResult {
  checkN('n', n);
  checkLen('a', a, n * n);
  if (n === 0) return { L: new Float64Array(0), jitter: 0 };
  return withArena((ar) => {
    const pa = ar.put(a, n * n);
    const pl = ar.f64(n * n);
    const t = ex.cholesky(pa, n, pl, MAX_JITTER_TRIES);
    const jitter = ex.choleskyJitter();
    if (t < 0)
      throw new NotPositiveDefiniteError(`matrix (n = ${n}) is not positive definite, even with diagonal jitter ${jitter}`, jitter);
    return { L: getF64(pl, n * n), jitter };
  });
}

function solve(upper: boolean, L: Float64Array, n: number, b: Float64Array, nrhs = 1): Float64Array {
  checkN('n', n);
  checkLen('L', L, n * n);
  checkLen('b', b, n * nrhs);
  if (n === 0 || nrhs === 0) return new Float64Array(n * nrhs);
  return withArena((ar) => {
    const pl = ar.put(L, n * n);
    const pb = ar.put(b, n * nrhs);
    if (upper) ex.solveUpperT(pl, n, pb, nrhs);
    else ex.solveLower(pl, n, pb, nrhs);
    return getF64(pb, n * nrhs);
  });
}

function choleskyAppend(L: Float64Array, n: number, col: Float64Array): Float64Array {
  checkN('n', n);
  checkLen('L', L, n * n);
  checkLen('col', col, n + 1);
  return withArena((ar) => {
    const pl = ar.put(L, Math.max(n * n, 1));
    const pa = ar.put(col, n + 1);
    const po = ar.f64((n + 1) * (n + 1));
    if (ex.choleskyAppend(pl, n, pa, po) < 0) throw new NotPositiveDefiniteError('extended matrix is not positive definite');
    return getF64(po, (n + 1) * (n + 1));
  });
}

interface HyperArgs {
  d: number;
  params: number;
  cat: number;
  kind: number;
}

function putHyper(ar: Arena, h: GpHyper): HyperArgs {
  const d = h.lengthscales.length;
  const params = new Float64Array(d + 2);
  for (let j = 0; j < d; j++) {
    const l = h.lengthscales[j]!;
    if (!(l > 0)) throw new RangeError(`hyper.lengthscales[${j}] must be > 0 (got ${l})`);
    params[j] = l;
  }
  if (!(h.signalVariance > 0)) throw new RangeError(`hyper.signalVariance must be > 0 (got ${h.signalVariance})`);
  if (!(h.noiseVariance >= 0)) throw new RangeError(`hyper.noiseVariance must be >= 0 (got ${h.noiseVariance})`);
  params[d] = h.signalVariance;
  params[d + 1] = h.noiseVariance;
  const flags = new Uint8Array(d);
  if (h.categorical) {
    if (h.categorical.length !== d) throw new RangeError(`hyper.categorical must have length ${d}`);
    for (let j = 0; j < d; j++) flags[j] = h.categorical[j] ? 1 : 0;
  }
  return { d, params: ar.put(params), cat: ar.putU8(flags), kind: h.kind === 'rbf' ? 1 : 0 };
}

function kernelMatrix(h: GpHyper, x: Float64Array, n: number, withNoise = false): Float64Array {
  checkN('n', n);
  return withArena((ar) => {
    const hp = putHyper(ar, h);
    checkLen('x', x, n * hp.d);
    const px = ar.put(x, n * hp.d);
    const out = ar.f64(n * n);
    ex.gpKernelMatrix(px, n, hp.d, hp.params, hp.cat, hp.kind, withNoise ? 1 : 0, ar.f64(n * hp.d), ar.f64(n * hp.d), ar.f64(hp.d), out);
    return getF64(out, n * n);
  });
}

/** GP training data: x n×d and y n, all finite. */
function checkTraining(x: Float64Array, y: Float64Array, n: number, d: number): void {
  checkLen('x', x, n * d);
  checkLen('y', y, n);
  checkFinite('x', x, n * d);
  checkFinite('y', y, n);
}

function gpLogMarginalLikelihood(h: GpHyper, x: Float64Array, y: Float64Array, n: number): LmlResult {
  checkN('n', n);
  if (n === 0) throw new RangeError('n must be > 0');
  return withArena((ar) => {
    const hp = putHyper(ar, h);
    const d = hp.d;
    checkTraining(x, y, n, d);
    const px = ar.put(x, n * d);
    const py = ar.put(y, n);
    const grad = ar.f64(d + 2);
    const lml = ex.gpLml(
      px,
      py,
      n,
      d,
      hp.params,
      hp.cat,
      hp.kind,
      MAX_JITTER_TRIES,
      ar.f64(n * n),
      ar.f64(n * n),
      ar.f64(n * n),
      ar.f64(n * n),
      ar.f64(n),
      ar.f64(n),
      ar.f64(n * d),
      ar.f64(n * d),
      ar.f64(d),
      grad,
    );
    const jitter = ex.choleskyJitter();
    if (Number.isNaN(lml))
      throw new NotPositiveDefiniteError(`GP kernel matrix (n = ${n}) is not positive definite, even with jitter ${jitter}`, jitter);
    return { lml, grad: getF64(grad, d + 2), jitter };
  });
}

class WasmGpModel implements GpModel {
  readonly n: number;
  readonly d: number;
  readonly jitter: number;
  #ptrs: number[] | null;
  readonly #xsT: number;
  readonly #w: number;
  readonly #params: number;
  readonly #alpha: number;
  readonly #linv: number;
  #zt = 0;
  readonly #kind: number;

  constructor(h: GpHyper, x: Float64Array, y: Float64Array, n: number) {
    checkN('n', n);
    if (n === 0) throw new RangeError('n must be > 0');
    const ar = new Arena();
    const tmp = new Arena();
    try {
      const hp = putHyper(ar, h);
      const d = hp.d;
      checkTraining(x, y, n, d);
      const px = tmp.put(x, n * d);
      const py = tmp.put(y, n);
      const xs = tmp.f64(n * d);
      this.#xsT = ar.f64(n * d);
      this.#w = ar.f64(d);
      this.#alpha = ar.f64(n);
      this.#linv = ar.f64(n * n);
      ex.gpScale(px, n, d, hp.params, hp.cat, xs, this.#xsT, this.#w);
      const t = ex.gpFactor(
        xs,
        this.#xsT,
        n,
        d,
        this.#w,
        hp.kind,
        hp.params,
        py,
        tmp.f64(n * n),
        tmp.f64(n * n),
        this.#alpha,
        this.#linv,
        MAX_JITTER_TRIES,
      );
      const jitter = ex.choleskyJitter();
      if (t < 0)
        throw new NotPositiveDefiniteError(`GP kernel matrix (n = ${n}) is not positive definite, even with jitter ${jitter}`, jitter);
      this.n = n;
      this.d = d;
      this.jitter = jitter;
      this.#params = hp.params;
      this.#kind = hp.kind;
      this.#ptrs = ar.detach();
      registry.register(this, this.#ptrs, this);
    } finally {
      tmp.release();
      ar.release();
    }
  }

  get alpha(): Float64Array {
    this.#live();
    return getF64(this.#alpha, this.n);
  }

  #live(): void {
    if (!this.#ptrs) throw new Error('GpModel has been disposed');
  }

  predict(x: Float64Array, m: number, options?: { grad?: boolean }): Posterior {
    this.#live();
    checkN('m', m);
    const { n, d } = this;
    checkLen('x', x, m * d);
    const withGrad = options?.grad === true;
    if (m === 0) {
      const e = new Float64Array(0);
      return withGrad ? { mean: e, variance: e, meanGrad: e, varianceGrad: e } : { mean: e, variance: e };
    }
    if (withGrad && this.#zt === 0) {
      // L^{-T}, needed for K^{-1} k*; built once, on the first prediction with gradients
      this.#zt = ex.alloc(n * n * 8);
      this.#ptrs!.push(this.#zt);
      ex.transpose(this.#linv, n, this.#zt);
    }
    // one allocation for all buffers of the call (predict is called in tight optimisation loops)
    const chunk = Math.min(m, Math.max(16, Math.min(256, Math.floor(65536 / n))));
    const sizes = [
      m * d,
      m,
      m,
      withGrad ? m * d : 0,
      withGrad ? m * d : 0,
      chunk * d,
      chunk * n,
      withGrad ? chunk * n : 0,
      withGrad ? chunk * n : 0,
      n,
    ];
    const offs: number[] = [];
    let total = 0;
    for (const len of sizes) {
      offs.push(total);
      total += (len * 8 + 15) & ~15;
    }
    const base = ex.alloc(total);
    try {
      const at = (i: number) => (sizes[i]! > 0 ? base + offs[i]! : 0);
      heapF64().set(x.length === m * d ? x : x.subarray(0, m * d), at(0) >>> 3);
      ex.gpPredict(
        this.#xsT,
        n,
        d,
        this.#w,
        this.#kind,
        this.#params,
        this.#alpha,
        this.#linv,
        this.#zt,
        at(0),
        m,
        at(1),
        at(2),
        at(3),
        at(4),
        chunk,
        at(5),
        at(6),
        at(7),
        at(8),
        at(9),
      );
      const res: Posterior = { mean: getF64(at(1), m), variance: getF64(at(2), m) };
      if (withGrad) {
        res.meanGrad = getF64(at(3), m * d);
        res.varianceGrad = getF64(at(4), m * d);
      }
      return res;
    } finally {
      ex.free(base);
    }
  }

  dispose(): void {
    if (!this.#ptrs) return;
    registry.unregister(this);
    for (const p of this.#ptrs) ex.free(p);
    this.#ptrs = null;
  }
}

function symmetricEigen(a: Float64Array, n: number): EigenResult {
  checkN('n', n);
  checkLen('a', a, n * n);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  return withArena((ar) => {
    const pv = ar.put(a, n * n);
    const pd = ar.f64(n);
    if (ex.symEigen(pv, n, pd, ar.f64(n)) < 0) throw new Error('symmetricEigen: QL iteration did not converge');
    return { values: getF64(pd, n), vectors: getF64(pv, n * n) };
  });
}

/** The WebAssembly implementation of NumericCore. */
const wasmCore: NumericCore = {
  name: 'wasm',
  cholesky,
  solveLower: (L, n, b, nrhs) => solve(false, L, n, b, nrhs),
  solveUpper: (L, n, b, nrhs) => solve(true, L, n, b, nrhs),
  choleskyAppend,
  kernelMatrix,
  gpLogMarginalLikelihood,
  gpFit: (h, x, y, n) => new WasmGpModel(h, x, y, n),
  parzenMixture: (spec) => new WasmMixture(spec),
  parzenLogPdf: parzenLogPdfOnce,
  categoricalLogPmf,
  symmetricEigen,
};

/** Internal scalar helpers exposed for tests (not part of the public facade). */
export const wasmSpecial = {
  /** The core memory's current size in bytes (it grows, never shrinks). */
  memoryBytes: (): number => (loadWasmCore(), ex.memory.buffer.byteLength),
  erf: (x: number): number => (loadWasmCore(), ex.erf(x)),
  erfc: (x: number): number => (loadWasmCore(), ex.erfc(x)),
  logNormMass: (a: number, b: number): number => (loadWasmCore(), ex.logNormMass(a, b)),
  exp(x: Float64Array): Float64Array {
    loadWasmCore();
    return withArena((ar) => {
      const out = ar.f64(x.length);
      ex.expBatch(ar.put(x), x.length, out);
      return getF64(out, x.length);
    });
  },
};

/**
 * Run every kernel on small inputs, enough for V8's dynamic tiering to schedule the optimising
 * (TurboFan) compilation of the hot functions; the optimised code is installed by a background
 * thread shortly after. Costs a few tens of ms of CPU at import.
 */
function warmUp(): void {
  const n = 32,
    d = 2;
  const x = new Float64Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 13) / 13;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.sin(3 * x[i * d]!) + x[i * d + 1]!;
  const hyp: GpHyper = { kind: 'matern52', lengthscales: [0.5, 0.7], signalVariance: 1, noiseVariance: 1e-3 };
  // a mixture large enough to exercise the normaliser (erfc) code of parzenPrepare
  const K = 128,
    md = 3;
  const mus = new Float64Array(K * md),
    sigmas = new Float64Array(K * md),
    probs = new Float64Array(K * 2);
  for (let i = 0; i < K * md; i++) {
    mus[i] = ((i * 37) % 101) / 50 - 1;
    sigmas[i] = 0.05 + ((i * 53) % 97) / 60;
  }
  for (let k = 0; k < K; k++) {
    probs[2 * k] = (k % 7) / 7 + 0.05;
    probs[2 * k + 1] = 1 - probs[2 * k]!;
  }
  const mixSpec: MixtureSpec = {
    weights: new Float64Array(K).fill(1 / K),
    mus,
    sigmas,
    low: [-1, -2, -Infinity],
    high: [2, Infinity, Infinity],
    q: [0, 0.5, 0],
    categorical: { sizes: [2], probs },
  };
  const px = new Float64Array(n * md);
  for (let i = 0; i < px.length; i++) px[i] = ((i * 31) % 17) / 8 - 1;
  const cats = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (let rep = 0; rep < 12; rep++) {
    const Kx = kernelMatrix(hyp, x, n, true);
    const { L } = cholesky(Kx, n);
    solve(false, L, n, y, 1);
    solve(true, L, n, Kx, n);
    solve(false, L, n, Kx, n);
    const m1 = n - 1;
    const L1 = new Float64Array(m1 * m1);
    for (let i = 0; i < m1; i++) L1.set(L.subarray(i * n, i * n + m1), i * m1);
    choleskyAppend(L1, m1, Kx.subarray(m1 * n, m1 * n + n));
    gpLogMarginalLikelihood({ ...hyp, kind: rep % 2 ? 'rbf' : 'matern52' }, x, y, n);
    const model = new WasmGpModel(hyp, x, y, n);
    model.predict(x, n, { grad: true });
    model.predict(x, 1, { grad: true });
    model.dispose();
    const mix = new WasmMixture(mixSpec);
    mix.logPdf({ x: px, categories: cats });
    mix.dispose();
    symmetricEigen(Kx, n);
  }
  // one larger likelihood so that the K^-1 kernels (invLowerT, gramUpper) tier up as well
  const nb = 96;
  const xb = new Float64Array(nb * d),
    yb = new Float64Array(nb);
  for (let i = 0; i < xb.length; i++) xb[i] = ((i * 7919) % 101) / 101;
  for (let i = 0; i < nb; i++) yb[i] = Math.cos(4 * xb[i * d]!);
  for (let rep = 0; rep < 2; rep++) gpLogMarginalLikelihood(hyp, xb, yb, nb);
}

/**
 * The core, its module compiled, instantiated and warmed up on the first call (synchronously, so that callers need
 * no await): importing the package, listing studies or random search never pay for it.
 */
export function loadWasmCore(): NumericCore {
  if (startWasm()) warmUp();
  return wasmCore;
}

/** Whether the module has been instantiated (by a first loadWasmCore). */
export function wasmLoaded(): boolean {
  return wasmStarted();
}
