import { OptionsError } from '../errors.js';
import type { Direction, TrialRecord } from '../trial/trial.js';
import { firstAtOrAfter, intOption, lastReport, optionsOf, type PruneContext, type Pruner } from './pruner.js';

export interface SuccessiveHalvingOptions {
  /** Steps before the first rung: a number ≥ 1, or 'auto' (Optuna's: the longest complete trial's last step / 100, once a trial is complete). Default 'auto'. */
  minResource?: number | 'auto';
  /** η: rung k is at step minResource·η^(minEarlyStoppingRate + k); the top 1/η of a rung go on. Default 4. */
  reductionFactor?: number;
  /** s: skips the first s rungs. Default 0. */
  minEarlyStoppingRate?: number;
  /** A trial is pruned at a rung that this many trials or fewer (itself included) have reached. Default 0. */
  bootstrapCount?: number;
}

/**
 * Asynchronous successive halving (ASHA; Li et al. 2020, as Optuna's SuccessiveHalvingPruner): when a trial first
 * reports a step at or past a rung, it goes on only if its value there is in the top 1/η of the values that trials
 * reached the rung with before it (at least the best of them), else it is pruned. No trial waits for a rung to fill,
 * which keeps a pool of workers busy.
 *
 * "Before it" is by the storage's report order (`seq`), not by what a process happens to have read: a trial's
 * decision at a rung is the same in every process and at every later read, so many processes on one study promote
 * exactly what one would in that order, and a rung's decisions can be replayed from storage (`rungDecisions`).
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly name: string = 'asha';
  readonly options: Readonly<Record<string, unknown>>;
  readonly minResource: number | 'auto';
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;

  constructor(options: SuccessiveHalvingOptions = {}) {
    const o = optionsOf('successive halving', options, ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount']);
    this.options = { ...options };
    const mr = o.minResource;
    if (mr !== undefined && mr !== 'auto' && (typeof mr !== 'number' || !Number.isInteger(mr) || mr < 1)) {
      throw new OptionsError(`options.minResource must be an integer >= 1 or "auto" (got ${JSON.stringify(mr)})`);
    }
    this.minResource = mr ?? 'auto';
    this.reductionFactor = intOption(o, 'reductionFactor', 2, 4);
    this.minEarlyStoppingRate = intOption(o, 'minEarlyStoppingRate', 0, 0);
    this.bootstrapCount = intOption(o, 'bootstrapCount', 0, 0);
  }

  /** Rung k's step, or null while minResource is 'auto' and no trial is complete. */
  rungStep(k: number, trials: readonly TrialRecord[]): number | null {
    const min = this.minResource === 'auto' ? estimateMinResource(trials) : this.minResource;
    return min === null ? null : min * this.reductionFactor ** (this.minEarlyStoppingRate + k);
  }

  prune({ trial, trials, direction }: PruneContext): boolean {
    const last = lastReport(trial);
    if (last === null) return false;
    const iv = trial.intermediate ?? [];
    const before = iv.length > 1 ? iv[iv.length - 2].step : -1;
    // the rungs this report reached first (usually none, or one)
    for (let k = 0; ; k++) {
      const step = this.rungStep(k, trials);
      if (step === null || step > last.step) return false;
      if (step <= before) continue;
      if (!this.promotes(trial, k, step, trials, direction)) return true;
    }
  }

  /** Whether `trial`, having reached rung k (at `step`), goes on: its value against those that reached the rung before it. */
  promotes(trial: TrialRecord, k: number, step: number, trials: readonly TrialRecord[], direction: Direction): boolean {
    void k;
    const mine = firstAtOrAfter(trial, step);
    if (mine === null) return true;
    if (Number.isNaN(mine.value)) return false;
    const seq = mine.seq ?? Infinity;
    const competing: number[] = [mine.value];
    for (const t of trials) {
      if (t.number === trial.number) continue;
      const e = firstAtOrAfter(t, step);
      if (e !== null && (e.seq ?? Infinity) < seq) competing.push(e.value);
    }
    if (competing.length <= this.bootstrapCount) return false;
    return promotable(mine.value, competing, this.reductionFactor, direction);
  }
}

/**
 * Optuna's rule: the value is promotable if it is within the best ⌊n/η⌋ of the n competing values (its own
 * included), or the best of them while n < η. NaN values are never better.
 */
export function promotable(value: number, competing: number[], eta: number, direction: Direction): boolean {
  let idx = Math.floor(competing.length / eta) - 1;
  if (idx === -1) idx = 0;
  const worst = direction === 'minimize' ? Infinity : -Infinity;
  const sorted = competing.map((v) => (Number.isNaN(v) ? worst : v)).sort((a, b) => (direction === 'minimize' ? a - b : b - a));
  return direction === 'minimize' ? value <= sorted[idx] : value >= sorted[idx];
}

/** Optuna's 'auto' minimum resource: the largest last step of the complete trials / 100 (at least 1), or null. */
export function estimateMinResource(trials: readonly TrialRecord[]): number | null {
  let max = -1;
  for (const t of trials) if (t.state === 'complete') max = Math.max(max, lastReport(t)?.step ?? -1);
  return max < 0 ? null : Math.max(Math.floor(max / 100), 1);
}

/**
 * A rung's decisions as stored: every trial that reached rung `k` (its first report at or past the rung's step),
 * in report order, with whether it went on. For tests and audits of distributed studies.
 */
export function rungDecisions(
  pruner: SuccessiveHalvingPruner,
  k: number,
  trials: readonly TrialRecord[],
  direction: Direction,
): { number: number; seq: number; promoted: boolean }[] {
  const step = pruner.rungStep(k, trials);
  if (step === null) return [];
  const reached = trials
    .map((t) => ({ t, e: firstAtOrAfter(t, step) }))
    .filter((x) => x.e !== null)
    .sort((a, b) => (a.e!.seq ?? 0) - (b.e!.seq ?? 0));
  return reached.map(({ t, e }) => ({ number: t.number, seq: e!.seq ?? 0, promoted: pruner.promotes(t, k, step, trials, direction) }));
}

export function successiveHalving(options?: SuccessiveHalvingOptions): SuccessiveHalvingPruner {
  return new SuccessiveHalvingPruner(options);
}
