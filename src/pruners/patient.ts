import { OptionsError } from '../errors.js';
import type { TrialRecord } from '../trial/trial.js';
import { intOption, numberOption, optionsOf, type PruneContext, type Pruner, type TrialGroups } from './pruner.js';

export interface PatientOptions {
  /** Steps without improvement tolerated before the wrapped pruner is asked. Required. */
  patience?: number;
  /** An improvement smaller than this does not count. Default 0. */
  minDelta?: number;
}

/**
 * Optuna's PatientPruner: asks the wrapped pruner (or prunes, without one) only once the trial's values have not
 * improved by more than `minDelta` over its last `patience` + 1 steps, compared with its best before them.
 */
export class PatientPruner implements Pruner {
  readonly name = 'patient';
  readonly options: Readonly<Record<string, unknown>>;
  readonly patience: number;
  readonly minDelta: number;

  constructor(
    readonly wrapped: Pruner | null,
    options: PatientOptions,
  ) {
    const o = optionsOf('patient', options, ['patience', 'minDelta']);
    if (o.patience === undefined) throw new OptionsError('options.patience is required by the patient pruner');
    this.patience = intOption(o, 'patience', 0, 0);
    this.minDelta = numberOption(o, 'minDelta', 0, Infinity, 0) as number;
    this.options = { ...options, ...(wrapped ? { wrapped: { name: wrapped.name, options: wrapped.options } } : {}) };
  }

  prune(context: PruneContext): boolean {
    const iv = context.trial.intermediate ?? [];
    if (iv.length <= this.patience + 1) return false;
    const split = iv.length - this.patience - 1;
    const best = (from: number, to: number, better: (a: number, b: number) => boolean) => {
      let b = NaN;
      for (let i = from; i < to; i++) if (!Number.isNaN(iv[i].value) && (Number.isNaN(b) || better(iv[i].value, b))) b = iv[i].value;
      return b;
    };
    const maybe =
      context.direction === 'minimize'
        ? best(0, split, (a, b) => a < b) + this.minDelta < best(split, iv.length, (a, b) => a < b)
        : best(0, split, (a, b) => a > b) - this.minDelta > best(split, iv.length, (a, b) => a > b);
    if (!maybe) return false;
    return this.wrapped ? this.wrapped.prune(context) : true;
  }

  /** The wrapped pruner's groups (its brackets, if it is Hyperband). */
  groups(trials: readonly TrialRecord[], seed: number): TrialGroups | null {
    return this.wrapped?.groups?.(trials, seed) ?? null;
  }
}

export function patient(wrapped: Pruner | null, options: PatientOptions): PatientPruner {
  return new PatientPruner(wrapped, options);
}
