import { OptionsError } from '../errors.js';
import type { TrialRecord } from '../trial/trial.js';
import {
  bestIntermediate,
  intOption,
  isFirstInInterval,
  lastReport,
  numberOption,
  optionsOf,
  type PruneContext,
  type Pruner,
  valueAt,
  warmupOptions,
} from './pruner.js';

export interface PercentileOptions {
  /** Prunes a trial whose best value so far is worse than this percentile of the complete trials at its step. Required (median: 50). */
  percentile?: number;
  /** No pruning until this many trials are complete. Default 5. */
  nStartupTrials?: number;
  /** No pruning before this step. Default 0. */
  nWarmupSteps?: number;
  /** Pruning is considered every this many steps past the warm-up. Default 1. */
  intervalSteps?: number;
  /** No pruning at a step that fewer complete trials reported. Default 1. */
  nMinTrials?: number;
}

const FIELDS = ['percentile', 'nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials'];

/**
 * Optuna's PercentilePruner: after warm-up, prunes a trial whose best intermediate value so far is worse than the
 * given percentile (linear interpolation, as numpy) of the complete trials' values at the same step.
 */
export class PercentilePruner implements Pruner {
  readonly name: string = 'percentile';
  readonly options: Readonly<Record<string, unknown>>;
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(options: PercentileOptions = {}, name = 'percentile', fields = FIELDS) {
    const o = optionsOf(name, options, fields);
    this.name = name;
    this.options = { ...options };
    this.percentile = numberOption(o, 'percentile', 0, 100, name === 'median' ? 50 : undefined) ?? required();
    this.nStartupTrials = intOption(o, 'nStartupTrials', 0, 5);
    ({ nWarmupSteps: this.nWarmupSteps, intervalSteps: this.intervalSteps } = warmupOptions(o));
    this.nMinTrials = intOption(o, 'nMinTrials', 1, 1);
  }

  prune({ trial, trials, direction }: PruneContext): boolean {
    const last = lastReport(trial);
    if (last === null || last.step < this.nWarmupSteps) return false;
    const complete = trials.filter((t) => t.state === 'complete');
    if (complete.length === 0 || complete.length < this.nStartupTrials) return false;
    if (!isFirstInInterval(trial, this.nWarmupSteps, this.intervalSteps)) return false;
    const best = bestIntermediate(trial, direction);
    if (Number.isNaN(best)) return true;
    const p = percentileAt(complete, last.step, direction === 'maximize' ? 100 - this.percentile : this.percentile, this.nMinTrials);
    if (Number.isNaN(p)) return false;
    return direction === 'maximize' ? best < p : best > p;
  }
}

function required(): never {
  throw new OptionsError('options.percentile is required (a number in [0, 100])');
}

/** numpy's nanpercentile of the trials' values at `step`; NaN when fewer than `nMin` trials reported it. */
export function percentileAt(trials: readonly TrialRecord[], step: number, percentile: number, nMin: number): number {
  const values: number[] = [];
  let reported = 0;
  for (const t of trials) {
    const v = valueAt(t, step);
    if (v === undefined) continue;
    reported++;
    if (!Number.isNaN(v)) values.push(v);
  }
  if (reported < nMin || values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  const pos = ((values.length - 1) * percentile) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return values[lo] + (values[hi] - values[lo]) * (pos - lo);
}

/** Optuna's MedianPruner: the 50th percentile. */
export class MedianPruner extends PercentilePruner {
  constructor(options: Omit<PercentileOptions, 'percentile'> = {}) {
    super(
      options,
      'median',
      FIELDS.filter((f) => f !== 'percentile'),
    );
  }
}

export function median(options?: Omit<PercentileOptions, 'percentile'>): MedianPruner {
  return new MedianPruner(options);
}

export function percentile(options: PercentileOptions): PercentilePruner {
  return new PercentilePruner(options);
}
