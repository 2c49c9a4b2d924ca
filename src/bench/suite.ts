import { runQuality } from './quality.js';

/** The standard problems of ../shared/BENCHMARKS.md with Optuna 3.1.0's median final regret (10 seeds). */
export const REFERENCE_SUITE = [
  { func: 'branin', dim: 2, trials: 100, optuna: { tpe: 0.0163, tpeMultivariate: 0.0892, random: 0.17, cmaes: 0.0052 } },
  { func: 'hartmann6', dim: 6, trials: 100, optuna: { tpe: 0.249, tpeMultivariate: 0.209, random: 1.29, cmaes: 0.254 } },
  { func: 'mixed', dim: 2, trials: 100, optuna: { tpe: 0.262, tpeMultivariate: 0.0323, random: 0.568, cmaes: 0.332 } },
  { func: 'rosenbrock', dim: 10, trials: 200, optuna: { tpe: 768, tpeMultivariate: 1930, random: 52000, cmaes: 521 } },
  { func: 'ackley', dim: 10, trials: 200, optuna: { tpe: 12.9, tpeMultivariate: 13.0, random: 19.2, cmaes: 6.4 } },
  { func: 'styblinski_tang', dim: 20, trials: 200, optuna: { tpe: 258, tpeMultivariate: 319, random: 401, cmaes: 326 } },
] as const;

export interface SuiteRow {
  func: string;
  dim: number;
  trials: number;
  finalRegret: { median: number; q25: number; q75: number };
  /** Optuna 3.1.0's median final regret on the same problem and budget. */
  optuna: { tpe: number; tpeMultivariate: number; random: number; cmaes: number };
}

/** Runs one algorithm over the whole reference suite. */
export async function runSuite(o: {
  algo: string;
  algoOptions?: Record<string, unknown>;
  seeds: number;
  only?: string[];
  onProblem?: (done: number) => void;
}): Promise<{ algo: string; algoOptions: Record<string, unknown>; seeds: number; rows: SuiteRow[] }> {
  const rows: SuiteRow[] = [];
  const problems = REFERENCE_SUITE.filter((p) => !o.only || o.only.includes(p.func));
  for (const p of problems) {
    const r = await runQuality({ algo: o.algo, algoOptions: o.algoOptions, func: p.func, dim: p.dim, trials: p.trials, seeds: o.seeds });
    rows.push({ func: p.func, dim: p.dim, trials: p.trials, finalRegret: r.finalRegret, optuna: { ...p.optuna } });
    o.onProblem?.(rows.length);
  }
  return { algo: o.algo, algoOptions: o.algoOptions ?? {}, seeds: o.seeds, rows };
}
