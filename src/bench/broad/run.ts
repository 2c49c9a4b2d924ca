import { Rng } from '../../rng.js';
import { createSampler } from '../../samplers/registry.js';
import { createStudy } from '../../study/study.js';
import type { BroadProblem } from './problems.js';

/** Ten seeds (or as many as asked) of one algorithm on one problem of the broad suite. */
export interface ProblemRuns {
  problem: string;
  algo: string;
  algoOptions: Record<string, unknown>;
  /** Noiseless regret at the study's recommendation, per seed. */
  regret: number[];
  /** Noiseless regret of the best point evaluated, per seed (differs from `regret` under noise). */
  bestEvaluatedRegret: number[];
  /** Conditional problems: whether the recommendation lies in the optimal branch, per seed. */
  optimalBranch?: boolean[];
  seconds: number;
}

/**
 * `noisy` is what the study is told about its objective (StudyOptions.noisy); by default the noisy problems declare
 * their noise, the others leave it to recommend ('auto').
 */
export async function runProblem(
  p: BroadProblem,
  algo: string,
  algoOptions: Record<string, unknown>,
  seeds: number,
  noisy: boolean | 'auto' = p.noise > 0 ? true : 'auto',
): Promise<ProblemRuns> {
  const start = Date.now();
  const out: ProblemRuns = { problem: p.name, algo, algoOptions, regret: [], bestEvaluatedRegret: [], seconds: 0 };
  if (p.optimalBranch) out.optimalBranch = [];
  for (let seed = 0; seed < seeds; seed++) {
    const study = await createStudy({ space: p.space(), sampler: createSampler(algo, algoOptions), seed, noisy });
    const noise = Rng.derive(seed, 'bench-noise');
    let bestTrue = Infinity;
    // ask/tell, so the objective sees the flat params (optimize would pass the filled-in space)
    for (let i = 0; i < p.budget; i++) {
      const [t] = await study.ask();
      const f = p.evaluate(t.params);
      bestTrue = Math.min(bestTrue, f);
      await study.tell(t.number, p.noise > 0 ? f + p.noise * noise.normal() : f);
    }
    const rec = await study.recommend();
    if (!rec) throw new Error(`${algo} on ${p.name}, seed ${seed}: no trial completed`);
    out.regret.push(p.evaluate(rec.params) - p.optimum);
    out.bestEvaluatedRegret.push(bestTrue - p.optimum);
    out.optimalBranch?.push(p.optimalBranch!(rec.params));
  }
  out.seconds = (Date.now() - start) / 1000;
  return out;
}
