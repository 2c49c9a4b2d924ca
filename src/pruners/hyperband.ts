import { OptionsError } from '../errors.js';
import { Rng } from '../rng.js';
import type { TrialRecord } from '../trial/trial.js';
import { intOption, lastReport, optionsOf, type PruneContext, type Pruner, type TrialGroups } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';

export interface HyperbandOptions {
  /** Steps before the first rung of the most aggressive bracket. Default 1. */
  minResource?: number;
  /** The largest step a trial reaches: a number, or 'auto' (the longest complete trial's last step, once one is complete). Default 'auto'. */
  maxResource?: number | 'auto';
  /** η of every bracket. Default 3. */
  reductionFactor?: number;
  /** As successive halving's, in every bracket. Default 0. */
  bootstrapCount?: number;
}

/**
 * Hyperband (Li et al. 2018, as Optuna's HyperbandPruner): ⌊log_η(max/min)⌋ + 1 brackets of asynchronous successive
 * halving, bracket i skipping its first i rungs. A trial is assigned to a bracket by a hash of the study seed and
 * its number, weighted by the brackets' budgets (Optuna's ⌈B·η^s/(s+1)⌉), so no coordinator is needed; it competes
 * only with the trials of its bracket.
 */
export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  readonly options: Readonly<Record<string, unknown>>;
  readonly minResource: number;
  readonly maxResource: number | 'auto';
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  private brackets: { max: number; pruners: SuccessiveHalvingPruner[]; budgets: number[]; total: number } | null = null;
  /** Trials' hashes by seed and number (a derived stream costs microseconds, and every report looks at every trial). */
  private readonly hashes = new Map<string, number>();

  constructor(options: HyperbandOptions = {}) {
    const o = optionsOf('hyperband', options, ['minResource', 'maxResource', 'reductionFactor', 'bootstrapCount']);
    this.options = { ...options };
    this.minResource = intOption(o, 'minResource', 1, 1);
    const mr = o.maxResource;
    if (mr !== undefined && mr !== 'auto' && (typeof mr !== 'number' || !Number.isInteger(mr) || mr < this.minResource)) {
      throw new OptionsError(
        `options.maxResource must be an integer >= options.minResource (${this.minResource}) or "auto" (got ${JSON.stringify(mr)})`,
      );
    }
    this.maxResource = mr ?? 'auto';
    this.reductionFactor = intOption(o, 'reductionFactor', 2, 3);
    this.bootstrapCount = intOption(o, 'bootstrapCount', 0, 0);
  }

  /** The bracket of trial `number` (0: the most aggressive), or null while maxResource is 'auto' and unknown. */
  bracketOf(seed: number, number: number, trials: readonly TrialRecord[]): number | null {
    const b = this.setup(trials);
    if (b === null) return null;
    const key = `${seed}/${number}`;
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      if (this.hashes.size > 1e5) this.hashes.clear();
      this.hashes.set(key, (hash = Rng.derive(seed, 'hyperband', number).int32()));
    }
    let h = hash % b.total;
    for (let i = 0; i < b.budgets.length; i++) {
      if (h < b.budgets[i]) return i;
      h -= b.budgets[i];
    }
    return b.budgets.length - 1;
  }

  /** The number of brackets (null while maxResource is unknown). */
  nBrackets(trials: readonly TrialRecord[]): number | null {
    return this.setup(trials)?.pruners.length ?? null;
  }

  /** The brackets: trials of one bracket compete only among themselves (null while maxResource is unknown). */
  groups(trials: readonly TrialRecord[], seed: number): TrialGroups | null {
    const b = this.setup(trials);
    if (b === null) return null;
    return { key: `hyperband/${seed}/${b.max}`, groupOf: (number) => this.bracketOf(seed, number, trials) as number };
  }

  prune(context: PruneContext): boolean {
    const { trial, trials, seed } = context;
    const b = this.setup(trials);
    if (b === null) return false;
    const mine = this.bracketOf(seed, trial.number, trials) as number;
    const peers = trials.filter((t) => t.number === trial.number || this.bracketOf(seed, t.number, trials) === mine);
    return b.pruners[mine].prune({ ...context, trials: peers });
  }

  private setup(trials: readonly TrialRecord[]): HyperbandPruner['brackets'] {
    let max = this.maxResource;
    if (max === 'auto') {
      let m = -1;
      for (const t of trials) if (t.state === 'complete') m = Math.max(m, lastReport(t)?.step ?? -1);
      if (m < this.minResource) return null;
      max = m;
    }
    if (this.brackets?.max === max) return this.brackets;
    const eta = this.reductionFactor;
    // (the small epsilon keeps log(81)/log(3) from landing just under 4)
    const n = Math.floor(Math.log(max / this.minResource) / Math.log(eta) + 1e-9) + 1;
    const pruners: SuccessiveHalvingPruner[] = [];
    const budgets: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = n - 1 - i;
      budgets.push(Math.ceil((n * eta ** s) / (s + 1)));
      pruners.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: eta,
          minEarlyStoppingRate: i,
          bootstrapCount: this.bootstrapCount,
        }),
      );
    }
    this.brackets = { max, pruners, budgets, total: budgets.reduce((a, c) => a + c, 0) };
    return this.brackets;
  }
}

export function hyperband(options?: HyperbandOptions): HyperbandPruner {
  return new HyperbandPruner(options);
}
