import type { PruningRow } from './pruning.js';

/**
 * Optuna 3.1.0's rows of `parzen bench pruning` (TPESampler(seed), the pruners of bench/pruning_optuna.py; 10 seeds;
 * budget 3000 steps, every run stopped at exactly its budget as parzen's are), as printed by
 * `nice -n 10 /usr/bin/python3 bench/pruning_optuna.py --seeds 10 --budget 3000`, kept here so that the comparison
 * works without Python.
 */
export const OPTUNA_PRUNING: { budget: number; rows: readonly PruningRow[] } | null = {
  budget: 3000,
  rows: [
    {
      library: 'optuna',
      pruner: 'none',
      sampler: 'tpe',
      budget: 3000,
      steps: 3000,
      trials: 60,
      regret: { median: 0.0131571, q25: 0.00334844, q75: 0.0199651 },
    },
    {
      library: 'optuna',
      pruner: 'median',
      sampler: 'tpe',
      budget: 3000,
      steps: 3000,
      trials: 108,
      regret: { median: 0.0270132, q25: 0.0242781, q75: 0.0294762 },
    },
    {
      library: 'optuna',
      pruner: 'asha',
      sampler: 'tpe',
      budget: 3000,
      steps: 3000,
      trials: 256,
      regret: { median: 0.0309773, q25: 0.0288993, q75: 0.0330238 },
    },
    {
      library: 'optuna',
      pruner: 'hyperband',
      sampler: 'tpe',
      budget: 3000,
      steps: 3000,
      trials: 143.5,
      regret: { median: 0.00651105, q25: 0.00261883, q75: 0.0196067 },
    },
  ],
};
