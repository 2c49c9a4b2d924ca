import { Rng } from '../rng.js';
import { createSampler } from '../samplers/registry.js';
import { median, quantile } from '../stats.js';
import { createStudy } from '../study/study.js';
import { benchFunction } from './functions.js';

export interface QualityOptions {
  algo: string;
  algoOptions?: Record<string, unknown>;
  func: string;
  dim?: number;
  trials: number;
  seeds: number;
  /** Standard deviation of Gaussian noise added to every evaluation; regret is measured noiselessly at the recommendation. */
  noise?: number;
  /** Called after each seed finishes. */
  onSeed?: (done: number) => void;
}

export interface SeedResult {
  seed: number;
  /** Noiseless value at the study's recommendation. */
  best: number;
  regret: number;
  /** Noiseless regret of the best observed (possibly noisy) trial, to compare with `regret` under noise. */
  observedBestRegret: number;
  bestParams: Record<string, unknown>;
  /** Best-so-far regret (of the observed values) after each trial. */
  curve: number[];
}

export interface QualityReport {
  algo: string;
  func: string;
  dim: number;
  trials: number;
  seeds: number;
  noise: number;
  optimum: number;
  finalRegret: { median: number; q25: number; q75: number };
  perSeed: SeedResult[];
}

/** Runs `algo` on `func` for `seeds` seeds (0..seeds-1) of `trials` trials each and reports the final regrets. */
export async function runQuality(o: QualityOptions): Promise<QualityReport> {
  const f = benchFunction(o.func, o.dim);
  const noise = o.noise ?? 0;
  const perSeed: SeedResult[] = [];
  for (let seed = 0; seed < o.seeds; seed++) {
    const study = await createStudy({ space: f.space(), sampler: createSampler(o.algo, o.algoOptions), seed });
    const noiseRng = Rng.derive(seed, 'bench-noise');
    const curve: number[] = [];
    let bestSoFar = Infinity;
    await study.optimize(
      (p: Record<string, unknown>) => {
        const y = f.evaluate(p) + (noise > 0 ? noise * noiseRng.normal() : 0);
        return y;
      },
      {
        nTrials: o.trials,
        onProgress: ({ last }) => {
          if (last.value !== null) bestSoFar = Math.min(bestSoFar, last.value);
          curve.push(bestSoFar - f.optimum);
        },
      },
    );
    const rec = await study.recommend();
    if (!rec) throw new Error(`${o.algo} on ${o.func}, seed ${seed}: no trial completed`);
    const best = f.evaluate(rec.params);
    const observed = study.bestTrial;
    const observedBestRegret = observed ? f.evaluate(observed.params) - f.optimum : NaN;
    perSeed.push({ seed, best, regret: best - f.optimum, observedBestRegret, bestParams: { ...rec.params }, curve });
    o.onSeed?.(seed + 1);
  }
  const regrets = perSeed.map((s) => s.regret);
  return {
    algo: o.algo,
    func: o.func,
    dim: f.dim,
    trials: o.trials,
    seeds: o.seeds,
    noise,
    optimum: f.optimum,
    finalRegret: { median: median(regrets), q25: quantile(regrets, 0.25), q75: quantile(regrets, 0.75) },
    perSeed,
  };
}
