// The typed facade of the numeric core. Everything numeric that the samplers need goes
// through core(); the WebAssembly module behind it (build/core.wasm, built by
// `npm run build:wasm` from assembly/) is compiled, instantiated and warmed up synchronously
// on the first call of core(), so core() is usable without await, and what never calls it (listing studies,
// random search) never pays the one-time cost.
//
// Conventions: matrices are row-major Float64Arrays, shapes are stated in the TSDoc of
// NumericCore (src/numeric/types.ts). Inputs are never modified; results are fresh arrays.
// Resident objects (GpModel, ParzenMixture) keep their data in WASM memory until dispose()
// (a FinalizationRegistry frees them eventually otherwise). WASM memory grows as needed and is
// reused, never returned to the OS.
//
//   cholesky(a, n) -> { L, jitter }                 blocked left-looking, f64x2 SIMD; jitter retries
//   solveLower(L, n, b, nrhs?) / solveUpper(...)    L X = B / L^T X = B
//   choleskyAppend(L, n, col) -> L'                 rank-one (bordered) extension in O(n^2)
//   kernelMatrix(hyp, x, n, withNoise?)             ARD Matern-5/2 / RBF, optional categorical dims
//   gpLogMarginalLikelihood(hyp, x, y, n)           LML + gradient w.r.t. log hyperparameters
//   gpFit(hyp, x, y, n) -> GpModel                  .predict(x, m, { grad? }) -> mean, variance (+ gradients)
//   parzenMixture(spec) -> ParzenMixture            .logPdf(points): truncated-normal x categorical mixture
//   parzenLogPdf(spec, points)                      one-shot prepare + evaluate
//   categoricalLogPmf(weights, probs, nCat, x)
//   symmetricEigen(a, n) -> { values, vectors }     tridiagonal QL, ascending values
//
// Errors: NotPositiveDefiniteError (code 'NOT_SPD'); RangeError naming the offending field.

import { loadWasmCore } from './wasm.js';
import type { NumericCore } from './types.js';

export type {
  CholeskyResult,
  EigenResult,
  GpHyper,
  GpModel,
  KernelKind,
  LmlResult,
  MixtureEvalOptions,
  MixturePoints,
  MixtureSpec,
  NumericCore,
  ParzenMixture,
  Posterior,
} from './types.js';
export { NotPositiveDefiniteError } from '../errors.js';

/** The numeric core singleton (WebAssembly implementation), loaded on the first call. */
export function core(): NumericCore {
  return loadWasmCore();
}
