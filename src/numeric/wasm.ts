// Loader of build/core.wasm and the WASM implementation of NumericCore.
//
// This module is the sole owner of the WASM memory: it allocates, copies in, calls, copies
// out and frees. No pointer leaves it (resident objects such as GpModel keep theirs in
// private fields). The module is compiled and instantiated synchronously on first use (loadWasmCore,
// behind core()), not at import, and every kernel is then called once on small inputs (warm-up, so
// that V8 tiers the functions up before the first real call).

import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotPositiveDefiniteError } from '../errors.js';
import { MAX_MIXTURE_DIMS } from './types.js';
import type {
  CholeskyResult,
  EigenResult,
  GpHyper,
  GpModel,
  LmlResult,
  MixtureEvalOptions,
  MixturePoints,
  MixtureSpec,
  NumericCore,
  ParzenMixture,
  Posterior,
} from './types.js';

// Minimal typings: the project compiles with lib ES2022 and @types/node, neither declares WebAssembly.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
}

const MAX_JITTER_TRIES = 6;

interface Exports {
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
  cholesky(a: number, n: number, l: number, maxTries: number): number;
  choleskyJitter(): number;
  choleskyAppend(l: number, n: number, a: number, out: number): number;
  solveLower(l: number, n: number, b: number, m: number): void;
  solveUpperT(l: number, n: number, b: number, m: number): void;
  gpKernelMatrix(
    x: number,
    n: number,
    d: number,
    params: number,
    cat: number,
    kind: number,
    addNoise: number,
    xs: number,
    xsT: number,
    w: number,
    out: number,
  ): void;
  gpLml(
    x: number,
    y: number,
    n: number,
    d: number,
    params: number,
    cat: number,
    kind: number,
    maxTries: number,
    kbuf: number,
    lbuf: number,
    zt: number,
    gbuf: number,
    alpha: number,
    crow: number,
    xs: number,
    xsT: number,
    w: number,
    grad: number,
  ): number;
  gpScale(x: number, n: number, d: number, params: number, cat: number, xs: number, xsT: number, w: number): void;
  gpFactor(
    xs: number,
    xsT: number,
    n: number,
    d: number,
    w: number,
    kind: number,
    params: number,
    y: number,
    kbuf: number,
    lbuf: number,
    alpha: number,
    linv: number,
    maxTries: number,
  ): number;
  gpPredict(
    xsT: number,
    n: number,
    d: number,
    w: number,
    kind: number,
    params: number,
    alpha: number,
    linv: number,
    zt: number,
    z: number,
    m: number,
    mean: number,
    variance: number,
    gmean: number,
    gvar: number,
    chunk: number,
    zs: number,
    kt: number,
    g: number,
    vt: number,
    cvec: number,
  ): void;
  transpose(a: number, n: number, out: number): void;
  parzenPrepare(
    K: number,
    d: number,
    dc: number,
    w: number,
    mu: number,
    sig: number,
    low: number,
    high: number,
    isInterval: number,
    catSizes: number,
    catProbs: number,
    inv: number,
    cst: number,
    catLog: number,
  ): number;
  parzenEval(
    K: number,
    d: number,
    dc: number,
    mu: number,
    sig: number,
    inv: number,
    cst: number,
    low: number,
    high: number,
    isInterval: number,
    catSizes: number,
    catLog: number,
    m: number,
    xlo: number,
    xhi: number,
    cats: number,
    out: number,
    scratch: number,
  ): void;
  parzenScratchBytes(K: number, d: number, m: number): number;
  expBatch(x: number, n: number, out: number): void;
  symEigen(v: number, n: number, d: number, e: number): number;
  erf(x: number): number;
  erfc(x: number): number;
  logNormMass(a: number, b: number): number;
}

function findWasm(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'build', 'core.wasm');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('parzen: build/core.wasm not found above ' + fileURLToPath(import.meta.url) + ' (run npm run build:wasm)');
    dir = parent;
  }
}

let ex: Exports;
let loaded = false;

function instantiate(): Exports {
  const module = new WebAssembly.Module(readFileSync(findWasm()));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(msg: number, file: number, line: number, col: number): never {
        throw new Error(`parzen core: wasm abort at ${line}:${col} (${readString(msg)} in ${readString(file)})`);
      },
    },
  });
  return instance.exports as unknown as Exports;
}

function readString(ptr: number): string {
  if (!ptr || !ex) return '?';
  try {
    const len = new Uint32Array(ex.memory.buffer, ptr - 4, 1)[0]! >>> 1;
    return String.fromCharCode(...new Uint16Array(ex.memory.buffer, ptr, len));
  } catch {
    return '?';
  }
}

/**
 * Allocations of one call, freed together. Given the total it will need (`reserve`, 16-byte aligned blocks),
 * it carves its blocks from one allocation: a round trip into the core per block adds up in hot paths.
 */
class Arena {
  private readonly ptrs: number[] = [];
  private chunk = 0;
  private used = 0;
  private cap = 0;
  constructor(reserve = 0) {
    if (reserve > 0) {
      this.chunk = ex.alloc(reserve);
      this.ptrs.push(this.chunk);
      this.cap = reserve;
    }
  }
  alloc(bytes: number): number {
    const size = alignedSize(bytes);
    if (this.used + size <= this.cap) {
      this.used += size;
      return this.chunk + this.used - size;
    }
    const p = ex.alloc(size);
    this.ptrs.push(p);
    return p;
  }
  f64(len: number): number {
    return this.alloc(len * 8);
  }
  /** Allocate and copy a f64 array in. */
  put(src: ArrayLike<number>, len = src.length): number {
    const p = this.alloc(len * 8);
    const heap = heapF64();
    const at = p >>> 3;
    if (src instanceof Float64Array) heap.set(src.length === len ? src : src.subarray(0, len), at);
    else for (let i = 0; i < len; i++) heap[at + i] = src[i]!;
    return p;
  }
  putI32(src: ArrayLike<number>): number {
    const p = this.alloc(src.length * 4);
    const heap = heapI32();
    const at = p >>> 2;
    for (let i = 0; i < src.length; i++) heap[at + i] = src[i]!;
    return p;
  }
  putU8(src: ArrayLike<number | boolean>): number {
    const p = this.alloc(src.length);
    const heap = heapU8();
    for (let i = 0; i < src.length; i++) heap[p + i] = src[i] ? 1 : 0;
    return p;
  }
  /** Take ownership of the pointers (for resident objects). */
  detach(): number[] {
    return this.ptrs.splice(0);
  }
  release(): void {
    for (const p of this.ptrs) ex.free(p);
    this.ptrs.length = 0;
  }
}

/** The bytes an Arena block of `bytes` takes (16-byte aligned, at least 16). */
function alignedSize(bytes: number): number {
  return (Math.max(16, bytes) + 15) & ~15;
}

function getF64(ptr: number, len: number): Float64Array {
  return heapF64().slice(ptr >>> 3, (ptr >>> 3) + len);
}

/**
 * Views of the whole of the core's memory, made again only when it has grown: growing detaches the old buffer, whose
 * views then have length 0. (A view per copy in or out cost more than the copy for the small arrays of a TPE ask,
 * and so did reading memory.buffer, a slow accessor, at every copy.)
 */
let heap: { f64: Float64Array; i32: Int32Array; u8: Uint8Array } | null = null;

function heapViews(): NonNullable<typeof heap> {
  if (heap === null || heap.u8.length === 0) {
    const buffer = ex.memory.buffer;
    heap = { f64: new Float64Array(buffer), i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
  }
  return heap;
}
const heapF64 = () => heapViews().f64;
const heapI32 = () => heapViews().i32;
const heapU8 = () => heapViews().u8;

function withArena<T>(fn: (a: Arena) => T, reserve = 0): T {
  const a = new Arena(reserve);
  try {
    return fn(a);
  } finally {
    a.release();
  }
}

function checkLen(name: string, arr: ArrayLike<number>, len: number): void {
  if (arr.length < len) throw new RangeError(`${name} must have at least ${len} elements (got ${arr.length})`);
}

function checkFinite(name: string, arr: ArrayLike<number>, len: number): void {
  for (let i = 0; i < len; i++) {
    if (!Number.isFinite(arr[i]!)) throw new RangeError(`${name}[${i}] must be finite (got ${arr[i]})`);
  }
}

function checkN(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer (got ${n})`);
}

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

const registry = new FinalizationRegistry<number[]>((ptrs) => {
  for (const p of ptrs) ex.free(p);
});

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

class WasmMixture implements ParzenMixture {
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
function parzenLogPdfOnce(spec: MixtureSpec, pts: MixturePoints, options: MixtureEvalOptions = {}): Float64Array {
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

function categoricalLogPmf(weights: ArrayLike<number>, probs: ArrayLike<number>, nCat: number, x: Int32Array): Float64Array {
  return parzenLogPdfOnce(
    { weights, mus: [], sigmas: [], low: [], high: [], categorical: { sizes: [nCat], probs } },
    { x: new Float64Array(0), categories: x },
  );
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
  if (!loaded) {
    ex = instantiate();
    loaded = true;
    warmUp();
  }
  return wasmCore;
}

/** Whether the module has been instantiated (by a first loadWasmCore). */
export function wasmLoaded(): boolean {
  return loaded;
}
