/**
 * Most numeric dimensions of one mixture: it holds three K x d tables of doubles in the core's memory (at K = 1000,
 * d = 4096, about 100 MB), and the core's memory cannot exceed 4 GB.
 */
export const MAX_MIXTURE_DIMS = 4096;

// Types of the numeric core. Matrices are row-major Float64Arrays; shapes are stated per field.

/** Covariance function family. See {@link GpHyper} for the exact formulas. */
export type KernelKind = 'matern52' | 'rbf';

/**
 * GP hyperparameters (ARD). With d dimensions, lengthscales l_j, signal variance s2 and noise s2n:
 * ```
 * c_j(x, x') = ((x_j - x'_j) / l_j)^2            continuous dimension
 * c_j(x, x') = (x_j != x'_j ? 1 : 0) / l_j^2     categorical dimension (scaled Hamming distance)
 * r^2 = sum_j c_j
 * RBF:        k(x, x') = s2 exp(-r^2 / 2)
 * Matern-5/2: k(x, x') = s2 (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)
 * K = k(X, X) + s2n I
 * ```
 * Categorical values are compared for exact equality (encode categories as small integers).
 */
export interface GpHyper {
  kind: KernelKind;
  /** l_j > 0, length d. */
  lengthscales: ArrayLike<number>;
  /** s2 > 0. */
  signalVariance: number;
  /** s2n >= 0 (jitter is added automatically if K is numerically singular). */
  noiseVariance: number;
  /** Per-dimension flag (length d): true/1 = categorical (Hamming) dimension. Default: none. */
  categorical?: ArrayLike<boolean | number>;
}

/** Result of a Cholesky factorisation. */
export interface CholeskyResult {
  /** Lower-triangular factor, n x n row-major, upper triangle zero: A + jitter I = L L^T. */
  L: Float64Array;
  /** Absolute jitter added to the diagonal (0 if A was factored as is). */
  jitter: number;
}

/** Log marginal likelihood with its gradient. */
export interface LmlResult {
  /** log p(y | X, theta) = -1/2 y^T K^-1 y - 1/2 log|K| - n/2 log(2 pi). */
  lml: number;
  /**
   * Gradient, length d + 2: d lml / d log l_j (j < d), then d / d log s2, then d / d log s2n.
   */
  grad: Float64Array;
  /** Jitter that was added to K's diagonal (0 normally). */
  jitter: number;
}

/** Posterior of the latent function at m query points. */
export interface Posterior {
  /** m: k(x, X) alpha. */
  mean: Float64Array;
  /** m: s2 - k(x, X) K^-1 k(X, x), clamped at 0 (latent f, noise not included). */
  variance: Float64Array;
  /** m x d: d mean / d x (0 in categorical dims). Present iff requested. */
  meanGrad?: Float64Array;
  /** m x d: d variance / d x (0 in categorical dims). Present iff requested. */
  varianceGrad?: Float64Array;
}

/**
 * A fitted GP (factor L and alpha = K^-1 y resident in the core). Predict as often as needed;
 * call dispose() when done (a FinalizationRegistry frees it eventually otherwise).
 */
export interface GpModel {
  readonly n: number;
  readonly d: number;
  /** Jitter added to K's diagonal while factoring. */
  readonly jitter: number;
  /** n: K^-1 y (copy). */
  readonly alpha: Float64Array;
  /** Posterior at x (m x d). With grad: also gradients w.r.t. x. */
  predict(x: Float64Array, m: number, options?: { grad?: boolean }): Posterior;
  dispose(): void;
}

/**
 * A mixture of K product-form truncated normals over d numeric dimensions, optionally times
 * categorical distributions over dc categorical dimensions (the Parzen estimator of TPE).
 *
 * Component k: weight w_k (weights should sum to 1; log w_k is used as given), per numeric
 * dimension j mean mu_kj and sigma s_kj truncated to [low_j, high_j] with normaliser
 * Z_kj = Phi((high_j - mu_kj)/s_kj) - Phi((low_j - mu_kj)/s_kj), per categorical dimension c a
 * probability vector p_kc. Then
 * ```
 * density dim j:   N(x_j; mu_kj, s_kj) / Z_kj        (0 outside [low_j, high_j])
 * interval dim j:  (Phi(b) - Phi(a)) / Z_kj,   a = (max(lo_j, low_j) - mu_kj)/s_kj, b = (min(hi_j, high_j) - mu_kj)/s_kj
 * log p(x) = logsumexp_k( log w_k + sum_j log term_kj + sum_c log p_kc[x_c] )
 * ```
 * Interval dims implement quantised parameters (hyperopt's q-distributions): the likelihood of x
 * with step q is the mass of [x - q/2, x + q/2] clipped to the bounds. Log-scaled parameters are
 * modelled in log space: pass log-transformed means, bounds and points (and, for q-log parameters,
 * explicit interval edges [log(x - q/2), log(x + q/2)] via `lower`/`upper`).
 */
export interface MixtureSpec {
  /** K */
  weights: ArrayLike<number>;
  /** K x d */
  mus: ArrayLike<number>;
  /** K x d, > 0 */
  sigmas: ArrayLike<number>;
  /** d, may be -Infinity */
  low: ArrayLike<number>;
  /** d, may be +Infinity */
  high: ArrayLike<number>;
  /** d: quantisation step per dimension; > 0 makes the dimension an interval dimension. */
  q?: ArrayLike<number>;
  /** Categorical dimensions: sizes (dc) and probs (K x sum(sizes), per component the concatenated vectors). */
  categorical?: { sizes: ArrayLike<number>; probs: ArrayLike<number> };
}

/** Points at which to evaluate a mixture. */
export interface MixturePoints {
  /** m x d values (for interval dims: the value x, unless lower/upper are given). */
  x: Float64Array;
  /** m x d lower interval edges for interval dims (default x - q/2). */
  lower?: Float64Array;
  /** m x d upper interval edges for interval dims (default x + q/2). */
  upper?: Float64Array;
  /** m x dc category indices. */
  categories?: Int32Array;
}

/** How `logPdf` evaluates. */
export interface MixtureEvalOptions {
  /** The array to write the m log densities into (its first m elements), and return; by default a new one. */
  out?: Float64Array;
}

/** A prepared mixture (normalisers precomputed, resident in the core). */
export interface ParzenMixture {
  readonly k: number;
  readonly d: number;
  readonly dc: number;
  /** log p(x) for m points (m = x.length / d, or categories.length / dc when d = 0). */
  logPdf(points: MixturePoints, options?: MixtureEvalOptions): Float64Array;
  dispose(): void;
}

/** Eigendecomposition of a symmetric matrix. */
export interface EigenResult {
  /** n eigenvalues, ascending. */
  values: Float64Array;
  /** n x n row-major, eigenvectors as columns: vectors[i*n + j] = component i of eigenvector j. A = V diag(values) V^T. */
  vectors: Float64Array;
}

/** The numeric core. The WASM implementation is the product; the TypeScript one is its test oracle. */
export interface NumericCore {
  readonly name: 'wasm' | 'reference';
  /**
   * Cholesky factor of the SPD matrix a (n x n row-major; only the lower triangle is read).
   * If A is numerically not SPD, retries with diagonal jitter 1e-10 * mean(diag A), x10 per try,
   * at most 6 times. @throws NotPositiveDefiniteError (code 'NOT_SPD') if it stays non-SPD.
   */
  cholesky(a: Float64Array, n: number): CholeskyResult;
  /** Solve L X = B; L n x n lower triangular, B n x nrhs row-major. Returns X (new array). */
  solveLower(L: Float64Array, n: number, b: Float64Array, nrhs?: number): Float64Array;
  /** Solve L^T X = B; L n x n lower triangular, B n x nrhs row-major. Returns X (new array). */
  solveUpper(L: Float64Array, n: number, b: Float64Array, nrhs?: number): Float64Array;
  /**
   * Extend the factor L of an n x n matrix A by one row/column in O(n^2): col has length n + 1
   * (A[n][0..n-1], then A[n][n]). Returns the (n+1) x (n+1) factor.
   * @throws NotPositiveDefiniteError if the new pivot is not positive.
   */
  choleskyAppend(L: Float64Array, n: number, col: Float64Array): Float64Array;
  /** k(X, X) for X n x d (d = lengthscales.length), plus noise on the diagonal if withNoise. n x n. */
  kernelMatrix(hyp: GpHyper, x: Float64Array, n: number, withNoise?: boolean): Float64Array;
  /** LML and its gradient w.r.t. log hyperparameters, one factorisation. X n x d, y n. @throws NotPositiveDefiniteError */
  gpLogMarginalLikelihood(hyp: GpHyper, x: Float64Array, y: Float64Array, n: number): LmlResult;
  /** Factor K and compute alpha once; returns a model for repeated batch prediction. @throws NotPositiveDefiniteError */
  gpFit(hyp: GpHyper, x: Float64Array, y: Float64Array, n: number): GpModel;
  /** Prepare a Parzen mixture for repeated evaluation. */
  parzenMixture(spec: MixtureSpec): ParzenMixture;
  /** One-shot: prepare, evaluate, dispose. */
  parzenLogPdf(spec: MixtureSpec, points: MixturePoints, options?: MixtureEvalOptions): Float64Array;
  /**
   * log sum_k w_k p_k[x_i] for a categorical mixture: weights K, probs K x nCat, x m indices.
   */
  categoricalLogPmf(weights: ArrayLike<number>, probs: ArrayLike<number>, nCat: number, x: Int32Array): Float64Array;
  /** Eigendecomposition of the symmetric n x n matrix a (row-major). */
  symmetricEigen(a: Float64Array, n: number): EigenResult;
}
