// Plain-TypeScript reference implementation of NumericCore: straightforward loops, no blocking.
// It exists only as the test oracle and the benchmark baseline; production code uses core().

import { NotPositiveDefiniteError } from '../errors.js';
import { logNormMass } from './special.js';
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

const MAX_JITTER_TRIES = 6;
const SQRT5 = Math.sqrt(5);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function cholInPlace(l: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = l[rj + j]!;
    for (let k = 0; k < j; k++) s -= l[rj + k]! * l[rj + k]!;
    if (!(s > 0) || !Number.isFinite(s)) return false;
    const ljj = Math.sqrt(s);
    l[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let t = l[ri + j]!;
      for (let k = 0; k < j; k++) t -= l[ri + k]! * l[rj + k]!;
      l[ri + j] = t / ljj;
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) l[i * n + j] = 0;
  return true;
}

function cholesky(a: Float64Array, n: number): CholeskyResult {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i * n + i]!;
  mean /= n;
  let jitter = 0;
  for (let t = 0; t <= MAX_JITTER_TRIES; t++) {
    if (t > 0) {
      if (!(mean > 0) || !Number.isFinite(mean)) break;
      jitter = t === 1 ? 1e-10 * mean : jitter * 10;
    }
    const l = Float64Array.from(a.subarray(0, n * n));
    if (jitter > 0) for (let i = 0; i < n; i++) l[i * n + i]! += jitter;
    if (cholInPlace(l, n)) return { L: l, jitter };
  }
  throw new NotPositiveDefiniteError(`matrix (n = ${n}) is not positive definite, even with diagonal jitter ${jitter}`, jitter);
}

function solveLower(L: Float64Array, n: number, b: Float64Array, nrhs = 1): Float64Array {
  const x = Float64Array.from(b.subarray(0, n * nrhs));
  for (let c = 0; c < nrhs; c++) {
    for (let k = 0; k < n; k++) {
      let s = x[k * nrhs + c]!;
      for (let j = 0; j < k; j++) s -= L[k * n + j]! * x[j * nrhs + c]!;
      x[k * nrhs + c] = s / L[k * n + k]!;
    }
  }
  return x;
}

function solveUpper(L: Float64Array, n: number, b: Float64Array, nrhs = 1): Float64Array {
  const x = Float64Array.from(b.subarray(0, n * nrhs));
  for (let c = 0; c < nrhs; c++) {
    for (let k = n - 1; k >= 0; k--) {
      let s = x[k * nrhs + c]!;
      for (let j = k + 1; j < n; j++) s -= L[j * n + k]! * x[j * nrhs + c]!;
      x[k * nrhs + c] = s / L[k * n + k]!;
    }
  }
  return x;
}

function choleskyAppend(L: Float64Array, n: number, col: Float64Array): Float64Array {
  const m = n + 1;
  const out = new Float64Array(m * m);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[i * m + j] = L[i * n + j]!;
  const row = solveLower(L, n, col.subarray(0, n));
  let d = col[n]!;
  for (let j = 0; j < n; j++) {
    out[n * m + j] = row[j]!;
    d -= row[j]! * row[j]!;
  }
  if (!(d > 0) || !Number.isFinite(d)) throw new NotPositiveDefiniteError('extended matrix is not positive definite');
  out[n * m + n] = Math.sqrt(d);
  return out;
}

interface KernelParts {
  d: number;
  ls: Float64Array;
  cat: Uint8Array;
  s2: number;
  noise: number;
  rbf: boolean;
}

function parts(h: GpHyper): KernelParts {
  const d = h.lengthscales.length;
  const cat = new Uint8Array(d);
  if (h.categorical) for (let j = 0; j < d; j++) cat[j] = h.categorical[j] ? 1 : 0;
  return { d, ls: Float64Array.from(h.lengthscales), cat, s2: h.signalVariance, noise: h.noiseVariance, rbf: h.kind === 'rbf' };
}

/** c_j per dimension into c; returns r^2. */
function dist(p: KernelParts, x: Float64Array, i: number, z: Float64Array, k: number, c?: Float64Array): number {
  let r2 = 0;
  for (let j = 0; j < p.d; j++) {
    const u = x[i * p.d + j]!,
      v = z[k * p.d + j]!;
    const l = p.ls[j]!;
    const cj = p.cat[j] ? (u !== v ? 1 / (l * l) : 0) : ((u - v) / l) ** 2;
    if (c) c[j] = cj;
    r2 += cj;
  }
  return r2;
}

function kval(p: KernelParts, r2: number): number {
  if (p.rbf) return p.s2 * Math.exp(-0.5 * r2);
  const r = Math.sqrt(r2);
  return p.s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
}

/** dk / d(r^2) */
function kgrad(p: KernelParts, r2: number): number {
  if (p.rbf) return -0.5 * p.s2 * Math.exp(-0.5 * r2);
  const r = Math.sqrt(r2);
  return -(5 / 6) * p.s2 * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
}

function kernelMatrix(h: GpHyper, x: Float64Array, n: number, withNoise = false): Float64Array {
  const p = parts(h);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = i === j ? p.s2 + (withNoise ? p.noise : 0) : kval(p, dist(p, x, i, x, j));
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}

function gpLogMarginalLikelihood(h: GpHyper, x: Float64Array, y: Float64Array, n: number): LmlResult {
  const p = parts(h);
  const d = p.d;
  const K = kernelMatrix(h, x, n, true);
  const { L, jitter } = cholesky(K, n);
  const v = solveLower(L, n, y);
  const alpha = solveUpper(L, n, v);
  let quad = 0,
    logdet = 0;
  for (let i = 0; i < n; i++) {
    quad += v[i]! * v[i]!;
    logdet += Math.log(L[i * n + i]!);
  }
  const lml = -0.5 * quad - logdet - 0.5 * n * Math.log(2 * Math.PI);
  // K^-1 = L^-T L^-1 via solves against the identity
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  const kinv = solveUpper(L, n, solveLower(L, n, eye, n), n);
  const grad = new Float64Array(d + 2);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = alpha[i]! * alpha[j]! - kinv[i * n + j]!;
      if (i === j) {
        grad[d] += 0.5 * w * p.s2;
        grad[d + 1] += 0.5 * w * p.noise;
        continue;
      }
      const r2 = dist(p, x, i, x, j, c);
      grad[d] += 0.5 * w * kval(p, r2);
      const g = kgrad(p, r2);
      for (let q = 0; q < d; q++) grad[q] += 0.5 * w * g * -2 * c[q]!;
    }
  }
  return { lml, grad, jitter };
}

function gpFit(h: GpHyper, xIn: Float64Array, y: Float64Array, n: number): GpModel {
  const p = parts(h);
  const d = p.d;
  const x = Float64Array.from(xIn.subarray(0, n * d));
  const { L, jitter } = cholesky(kernelMatrix(h, x, n, true), n);
  const alpha = solveUpper(L, n, solveLower(L, n, y));
  return {
    n,
    d,
    jitter,
    get alpha() {
      return alpha.slice();
    },
    predict(z: Float64Array, m: number, options?: { grad?: boolean }): Posterior {
      const mean = new Float64Array(m),
        variance = new Float64Array(m);
      const withGrad = options?.grad === true;
      const meanGrad = withGrad ? new Float64Array(m * d) : undefined;
      const varianceGrad = withGrad ? new Float64Array(m * d) : undefined;
      const ks = new Float64Array(n);
      const gs = new Float64Array(n);
      for (let q = 0; q < m; q++) {
        for (let k = 0; k < n; k++) {
          const r2 = dist(p, x, k, z, q);
          ks[k] = kval(p, r2);
          gs[k] = kgrad(p, r2);
        }
        let mu = 0;
        for (let k = 0; k < n; k++) mu += ks[k]! * alpha[k]!;
        const v = solveLower(L, n, ks);
        let vv = 0;
        for (let k = 0; k < n; k++) vv += v[k]! * v[k]!;
        const s = p.s2 - vv;
        mean[q] = mu;
        variance[q] = s > 0 ? s : 0;
        if (withGrad) {
          const u = solveUpper(L, n, v);
          for (let j = 0; j < d; j++) {
            if (p.cat[j]) continue;
            const l2 = p.ls[j]! * p.ls[j]!;
            let gm = 0,
              gv = 0;
            for (let k = 0; k < n; k++) {
              const dk = (gs[k]! * 2 * (z[q * d + j]! - x[k * d + j]!)) / l2;
              gm += alpha[k]! * dk;
              gv += -2 * u[k]! * dk;
            }
            meanGrad![q * d + j] = gm;
            varianceGrad![q * d + j] = gv;
          }
        }
      }
      return withGrad ? { mean, variance, meanGrad, varianceGrad } : { mean, variance };
    },
    dispose() {
      /* nothing resident */
    },
  };
}

function parzenMixture(spec: MixtureSpec): ParzenMixture {
  const K = spec.weights.length;
  const d = spec.low.length;
  const sizes = spec.categorical ? Array.from(spec.categorical.sizes) : [];
  const dc = sizes.length;
  const S = sizes.reduce((a, b) => a + b, 0);
  const q = spec.q ? Float64Array.from(spec.q) : new Float64Array(d);
  const logZ = new Float64Array(K * d);
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < d; j++) {
      const mu = spec.mus[k * d + j]!,
        s = spec.sigmas[k * d + j]!;
      logZ[k * d + j] = logNormMass((spec.low[j]! - mu) / s, (spec.high[j]! - mu) / s);
    }
  }
  const terms = new Float64Array(K);
  return {
    k: K,
    d,
    dc,
    logPdf(pts: MixturePoints, options: MixtureEvalOptions = {}): Float64Array {
      const m = d > 0 ? pts.x.length / d : (pts.categories?.length ?? 0) / Math.max(dc, 1);
      const out = options.out ?? new Float64Array(m);
      for (let i = 0; i < m; i++) {
        let dead = false;
        for (let k = 0; k < K; k++) {
          let t = Math.log(spec.weights[k]!);
          for (let j = 0; j < d && !dead; j++) {
            const mu = spec.mus[k * d + j]!,
              s = spec.sigmas[k * d + j]!;
            const lo = spec.low[j]!,
              hi = spec.high[j]!;
            const x = pts.x[i * d + j]!;
            if (q[j]! > 0) {
              const a = Math.max(pts.lower ? pts.lower[i * d + j]! : x - q[j]! / 2, lo);
              const b = Math.min(pts.upper ? pts.upper[i * d + j]! : x + q[j]! / 2, hi);
              if (!(b > a)) {
                dead = true;
                break;
              }
              t += logNormMass((a - mu) / s, (b - mu) / s) - logZ[k * d + j]!;
            } else {
              if (!(x >= lo && x <= hi)) {
                dead = true;
                break;
              }
              const z = (x - mu) / s;
              t += -0.5 * z * z - Math.log(s) - HALF_LOG_2PI - logZ[k * d + j]!;
            }
          }
          let off = 0;
          for (let c = 0; c < dc && !dead; c++) {
            const v = pts.categories![i * dc + c]!;
            if (!(v >= 0 && v < sizes[c]!)) {
              dead = true;
              break;
            }
            t += Math.log(spec.categorical!.probs[k * S + off + v]!);
            off += sizes[c]!;
          }
          terms[k] = t;
        }
        if (dead) {
          out[i] = -Infinity;
          continue;
        }
        let mx = -Infinity;
        for (let k = 0; k < K; k++) if (terms[k]! > mx) mx = terms[k]!;
        if (mx === -Infinity) {
          out[i] = -Infinity;
          continue;
        }
        let s = 0;
        for (let k = 0; k < K; k++) s += Math.exp(terms[k]! - mx);
        out[i] = mx + Math.log(s);
      }
      return out;
    },
    dispose() {
      /* nothing resident */
    },
  };
}

function categoricalLogPmf(weights: ArrayLike<number>, probs: ArrayLike<number>, nCat: number, x: Int32Array): Float64Array {
  const K = weights.length;
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!(v >= 0 && v < nCat)) {
      out[i] = -Infinity;
      continue;
    }
    let s = 0;
    for (let k = 0; k < K; k++) s += weights[k]! * probs[k * nCat + v]!;
    out[i] = Math.log(s);
  }
  return out;
}

/** Cyclic Jacobi (an algorithm independent of the core's tridiagonal QL, for cross-checking). */
function symmetricEigen(a: Float64Array, n: number): EigenResult {
  const A = Float64Array.from(a.subarray(0, n * n));
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i * n + j]! ** 2;
    if (off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (apq === 0) continue;
        const app = A[p * n + p]!,
          aqq = A[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!,
            akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!,
            aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!,
            vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i]! - A[j * n + j]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src]!;
  });
  return { values, vectors };
}

/** The plain-TypeScript reference core (test oracle and benchmark baseline only). */
export const referenceCore: NumericCore = {
  name: 'reference',
  cholesky,
  solveLower,
  solveUpper,
  choleskyAppend,
  kernelMatrix,
  gpLogMarginalLikelihood,
  gpFit,
  parzenMixture,
  parzenLogPdf(spec, points, options) {
    return parzenMixture(spec).logPdf(points, options);
  },
  categoricalLogPmf,
  symmetricEigen,
};
