import type { PruningRow } from './pruning.js';

/**
 * Optuna 3.1.0's rows of `parzen bench pruning` (TPE; 10 seeds; budget 3000 steps), as printed by
 * `nice -n 10 /usr/bin/python3 bench/pruning_optuna.py --seeds 10 --budget 3000`, kept here so that the comparison
 * works without Python. null until measured.
 */
export const OPTUNA_PRUNING: { budget: number; rows: readonly PruningRow[] } | null = null;
