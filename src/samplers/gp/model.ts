import { core, type GpHyper, type GpModel, type Posterior } from '../../numeric/core.js';

/** Output standardization: z = (y − mean) / std (std = 1 when the outputs are all equal). */
export interface Scale {
  readonly mean: number;
  readonly std: number;
}

export function fitScale(y: ArrayLike<number>): Scale {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= Math.max(n, 1);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[i] - mean) ** 2;
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { mean, std: std > 1e-12 * Math.max(1, Math.abs(mean)) ? std : 1 };
}

export function applyScale(y: ArrayLike<number>, s: Scale): Float64Array {
  const z = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) z[i] = (y[i] - s.mean) / s.std;
  return z;
}

/**
 * A GP surrogate on standardized outputs: inputs x (n×d row-major), outputs z = (y − mean)/std, fixed
 * hyperparameters (in standardized units), factor resident in the numeric core.
 * `predict` works in standardized units (what the acquisition uses); `predictOriginal` in the objective's.
 */
export class Surrogate {
  private readonly model: GpModel;

  constructor(
    readonly hyper: GpHyper,
    readonly x: Float64Array,
    readonly z: Float64Array,
    readonly n: number,
    readonly d: number,
    readonly scale: Scale,
  ) {
    this.model = core().gpFit(hyper, x, z, n);
  }

  /** Builds a surrogate from raw outputs y (standardized here). */
  static fromOutputs(hyper: GpHyper, x: Float64Array, y: ArrayLike<number>, d: number, scale: Scale = fitScale(y)): Surrogate {
    return new Surrogate(hyper, x, applyScale(y, scale), y.length, d, scale);
  }

  /** Posterior of the latent function at m points (standardized units). */
  predict(x: Float64Array, m: number, grad = false): Posterior {
    return this.model.predict(x, m, { grad });
  }

  /** Posterior mean and latent variance at m points, in the objective's units. */
  predictOriginal(x: Float64Array, m: number): { mean: Float64Array; variance: Float64Array } {
    const p = this.model.predict(x, m);
    const { mean: mu, std } = this.scale;
    return { mean: p.mean.map((v) => mu + std * v), variance: p.variance.map((v) => v * std * std) };
  }

  /**
   * Posterior means at the training inputs (standardized): K_f α = (K − (s²ₙ + jitter) I) α = z − (s²ₙ + jitter) α,
   * free once α is known.
   */
  fittedMeans(): Float64Array {
    const a = this.model.alpha;
    const s = this.hyper.noiseVariance + this.model.jitter;
    return this.z.map((v, i) => v - s * a[i]);
  }

  /**
   * The kriging believer (Ginsbourger et al. 2010): the same GP (hyperparameters and scale unchanged)
   * conditioned on k extra points x (k×d) "observed" at their posterior mean. Means are unchanged, variances
   * shrink near x, so a batch spreads out. The factor is rebuilt with the fixed hyperparameters (no refit).
   */
  withFantasies(x: Float64Array, k: number): Surrogate {
    if (k === 0) return this;
    const mean = this.predict(x, k).mean;
    const xs = new Float64Array((this.n + k) * this.d);
    xs.set(this.x);
    xs.set(x.subarray(0, k * this.d), this.n * this.d);
    const zs = new Float64Array(this.n + k);
    zs.set(this.z);
    zs.set(mean, this.n);
    return new Surrogate(this.hyper, xs, zs, this.n + k, this.d, this.scale);
  }

  dispose(): void {
    this.model.dispose();
  }
}
