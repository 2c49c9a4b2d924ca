import { fileURLToPath } from 'node:url';
import { OptionsError } from '../errors.js';
import { hp } from '../space/hp.js';
import reportLoop from './report-objective.js';
import { HyperbandPruner } from '../pruners/hyperband.js';
import { MedianPruner } from '../pruners/percentile.js';
import type { Pruner } from '../pruners/pruner.js';
import { SuccessiveHalvingPruner } from '../pruners/successive-halving.js';
import { createSampler } from '../samplers/registry.js';
import { median, quantile } from '../stats.js';
import { createStudy } from '../study/study.js';
import { type CurveConfig, type CurveFamily, curveSpace, finalOptimum, finalValue, observed, STEPS } from './learning-curves.js';
import { OPTUNA_PRUNING } from './optuna-pruning.js';

/** The pruners the bench compares, with the settings bench/pruning_optuna.py gives Optuna's. */
export const PRUNERS: Readonly<Record<string, () => Pruner | null>> = {
  none: () => null,
  median: () => new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 5 }),
  asha: () => new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 }),
  hyperband: () => new HyperbandPruner({ minResource: 3, maxResource: STEPS, reductionFactor: 3 }),
};

export interface PruningBenchOptions {
  /** Seeds 0..seeds-1. */
  seeds: number;
  /** Steps (one unit each) a run may spend; it starts no trial once they are spent. */
  budget: number;
  /** Fractions of the budget the pruners also run at (no pruning runs at the full budget only). Default [1, 0.35]. */
  fractions?: readonly number[];
  pruners?: readonly string[];
  sampler?: string;
  /** The learning curves: 'crossing' (default, the bench's) or 'parallel' (its control, whose curves never cross). */
  curves?: CurveFamily;
  /** Optuna's rows to merge (bench/pruning_optuna.py's output); default: the committed ones when their budget matches. */
  optuna?: { budget: number; rows: readonly PruningRow[] } | null;
  onRun?: (done: number, total: number) => void;
}

export interface PruningRow {
  library: 'parzen' | 'optuna';
  pruner: string;
  sampler: string;
  /** The step budget of the runs. */
  budget: number;
  /** Median total steps spent (at most the budget: a trial it cuts off before its last step is lost). */
  steps: number;
  /** Median number of trials. */
  trials: number;
  /** Final regret: the known final value of the best complete trial (by its observed last value) − the optimum. */
  regret: { median: number; q25: number; q75: number };
}

export interface PruningReport {
  /** How long an objective's awaited `report(step, value)` takes (median ms over 200 reports × 3 trials, memory storage). */
  reportMs: { inProcess: Record<string, number>; worker: Record<string, number> };
  steps: number;
  curves: CurveFamily;
  optimum: number;
  seeds: number;
  budget: number;
  rows: PruningRow[];
}

/** One run: TPE (or `sampler`) asks a trial at a time; its objective trains for STEPS steps, reporting each. */
export async function pruningRun(
  pruner: string,
  sampler: string,
  seed: number,
  budget: number,
  curves: CurveFamily = 'crossing',
): Promise<{ regret: number; steps: number; trials: number }> {
  const make = PRUNERS[pruner];
  if (!make) throw new OptionsError(`pruner must be one of ${Object.keys(PRUNERS).join(', ')} (got ${JSON.stringify(pruner)})`);
  const study = await createStudy({ space: curveSpace(), sampler: createSampler(sampler, {}), seed, pruner: make() });
  let spent = 0;
  const configs: CurveConfig[] = [];
  while (spent < budget) {
    const [t] = await study.ask();
    const c = t.config as CurveConfig;
    configs[t.number] = c;
    let v = 0;
    let pruned = false;
    let step = 0;
    for (; step < STEPS && !pruned && spent < budget; step++) {
      v = observed(c, seed, t.number, step, curves);
      spent++;
      pruned = await study.report(t.number, step, v);
    }
    // A trial the budget cuts off before its last step is lost, as in a run stopped at its deadline: no run spends
    // more than its budget, so "35% of the steps" is exactly that.
    if (step < STEPS && !pruned) await study.tell(t.number, { state: 'fail', reason: 'interrupted', message: 'step budget spent' });
    else await study.tell(t.number, pruned ? { state: 'pruned' } : v);
  }
  const best = study.bestTrial;
  if (!best) throw new Error(`no trial completed (pruner ${pruner}, seed ${seed})`);
  return { regret: finalValue(configs[best.number], curves) - finalOptimum(curves), steps: spent, trials: configs.length };
}

export async function runPruningBench(o: PruningBenchOptions): Promise<PruningReport> {
  const pruners = o.pruners ?? Object.keys(PRUNERS);
  const fractions = o.fractions ?? [1, 0.35];
  const sampler = o.sampler ?? 'tpe';
  const curves = o.curves ?? 'crossing';
  const plan = pruners.flatMap((p) => (p === 'none' ? [1] : fractions).map((f) => ({ pruner: p, budget: Math.round(o.budget * f) })));
  const rows: PruningRow[] = [];
  let done = 0;
  for (const { pruner, budget } of plan) {
    const runs = [];
    for (let seed = 0; seed < o.seeds; seed++) {
      runs.push(await pruningRun(pruner, sampler, seed, budget, curves));
      o.onRun?.(++done, plan.length * o.seeds);
    }
    const regrets = runs.map((r) => r.regret);
    rows.push({
      library: 'parzen',
      pruner,
      sampler,
      budget,
      steps: median(runs.map((r) => r.steps)),
      trials: median(runs.map((r) => r.trials)),
      regret: { median: median(regrets), q25: quantile(regrets, 0.25), q75: quantile(regrets, 0.75) },
    });
  }
  const optuna = o.optuna === undefined ? OPTUNA_PRUNING : o.optuna;
  if (optuna && optuna.budget === o.budget && sampler === 'tpe' && curves === 'crossing')
    rows.push(...optuna.rows.filter((r) => pruners.includes(r.pruner)));
  const optimum = finalOptimum(curves);
  return { reportMs: await reportCost(), steps: STEPS, curves, optimum, seeds: o.seeds, budget: o.budget, rows };
}

const REPORT_MODULE = fileURLToPath(new URL('./report-objective.js', import.meta.url));

/**
 * What a report costs the training loop: an objective that awaits 200 reports in a row, in this thread and in a worker
 * thread (a round trip over the trial's channel), without a pruner and with the median pruner deciding from the
 * study's trials (memory storage, a study of 3 trials).
 */
export async function reportCost(): Promise<PruningReport['reportMs']> {
  const out: PruningReport['reportMs'] = { inProcess: {}, worker: {} };
  for (const where of ['inProcess', 'worker'] as const) {
    for (const name of ['none', 'median']) {
      const study = await createStudy({
        space: hp.uniform('x', 0, 1),
        seed: 0,
        pruner: name === 'none' ? null : new MedianPruner({ nStartupTrials: 1 }),
      });
      const objective = where === 'worker' ? { module: REPORT_MODULE } : reportLoop;
      await study.optimize(objective, { nTrials: 3, concurrency: 1 });
      out[where][name] = median((await study.trials()).map((t) => t.attrs.msPerReport as number));
    }
  }
  return out;
}
