import { Rng } from '../../rng.js';
import { createSampler } from '../../samplers/registry.js';
import type { RepeatOptions } from '../../study/repeats.js';
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
  /** With `repeats`: noiseless regret at the recommendation after the top configurations were evaluated again. */
  repeatedRegret?: number[];
  /** Conditional problems: whether the recommendation lies in the optimal branch, per seed. */
  optimalBranch?: boolean[];
  seconds: number;
}

/**
 * `noisy` is what the study is told about its objective (StudyOptions.noisy); by default the noisy problems declare
 * their noise, the others leave it to recommend ('auto'). With `repeats`, after the budget and its recommendation,
 * the study's top configurations are evaluated again (`enqueueRepeats`, beyond the budget) and recommended from.
 */
export async function runProblem(
  p: BroadProblem,
  algo: string,
  algoOptions: Record<string, unknown>,
  seeds: number,
  noisy: boolean | 'auto' = p.noise > 0 ? true : 'auto',
  repeats?: RepeatOptions,
): Promise<ProblemRuns> {
  const start = Date.now();
  const out: ProblemRuns = { problem: p.name, algo, algoOptions, regret: [], bestEvaluatedRegret: [], seconds: 0 };
  if (p.optimalBranch) out.optimalBranch = [];
  if (repeats) out.repeatedRegret = [];
  for (let seed = 0; seed < seeds; seed++) {
    const study = await createStudy({ space: p.space(), sampler: createSampler(algo, algoOptions), seed, noisy });
    const noise = Rng.derive(seed, 'bench-noise');
    let bestTrue = Infinity;
    // ask/tell, so the objective sees the flat params (optimize would pass the filled-in space)
    const evaluate = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const [t] = await study.ask();
        const f = p.evaluate(t.params);
        bestTrue = Math.min(bestTrue, f);
        await study.tell(t.number, p.noise > 0 ? f + p.noise * noise.normal() : f);
      }
      const rec = await study.recommend();
      if (!rec) throw new Error(`${algo} on ${p.name}, seed ${seed}: no trial completed`);
      return rec.params;
    };
    const rec = await evaluate(p.budget);
    out.regret.push(p.evaluate(rec) - p.optimum);
    out.bestEvaluatedRegret.push(bestTrue - p.optimum);
    out.optimalBranch?.push(p.optimalBranch!(rec));
    // the repeats evaluate points already evaluated: the best point evaluated stays the same
    if (repeats) out.repeatedRegret!.push(p.evaluate(await evaluate((await study.enqueueRepeats(repeats)).length)) - p.optimum);
  }
  out.seconds = (Date.now() - start) / 1000;
  return out;
}
