import { OptionsError } from '../errors.js';
import { isFirstInInterval, lastReport, numberOption, optionsOf, type PruneContext, type Pruner, warmupOptions } from './pruner.js';

export interface ThresholdOptions {
  /** Prunes when the value falls below it. At least one of lower and upper. */
  lower?: number;
  /** Prunes when the value rises above it. */
  upper?: number;
  /** No pruning before this step. Default 0. */
  nWarmupSteps?: number;
  /** Pruning is considered every this many steps past the warm-up. Default 1. */
  intervalSteps?: number;
}

/** Optuna's ThresholdPruner: prunes a trial whose latest value is NaN or outside [lower, upper]. */
export class ThresholdPruner implements Pruner {
  readonly name = 'threshold';
  readonly options: Readonly<Record<string, unknown>>;
  readonly lower: number;
  readonly upper: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;

  constructor(options: ThresholdOptions) {
    const o = optionsOf('threshold', options, ['lower', 'upper', 'nWarmupSteps', 'intervalSteps']);
    this.options = { ...options };
    const lower = numberOption(o, 'lower', -Infinity, Infinity, undefined);
    const upper = numberOption(o, 'upper', -Infinity, Infinity, undefined);
    if (lower === undefined && upper === undefined)
      throw new OptionsError('options.lower or options.upper is required by the threshold pruner');
    this.lower = lower ?? -Infinity;
    this.upper = upper ?? Infinity;
    if (this.lower > this.upper) throw new OptionsError(`options.lower must be <= options.upper (got ${this.lower} > ${this.upper})`);
    ({ nWarmupSteps: this.nWarmupSteps, intervalSteps: this.intervalSteps } = warmupOptions(o));
  }

  prune({ trial }: PruneContext): boolean {
    const last = lastReport(trial);
    if (last === null || last.step < this.nWarmupSteps) return false;
    if (!isFirstInInterval(trial, this.nWarmupSteps, this.intervalSteps)) return false;
    return Number.isNaN(last.value) || last.value < this.lower || last.value > this.upper;
  }
}

export function threshold(options: ThresholdOptions): ThresholdPruner {
  return new ThresholdPruner(options);
}
