import { didYouMean } from '../did-you-mean.js';
import { OptionsError } from '../errors.js';
import type { Direction, IntermediateValue, TrialRecord } from '../trial/trial.js';

/** What a pruner decides from: the study's trials as stored, read after the deciding trial's latest report. */
export interface PruneContext {
  /** The trial asking, with its intermediate values (its latest report included). */
  readonly trial: TrialRecord;
  /** Every trial of the study as read after that report (the asking trial among them). */
  readonly trials: readonly TrialRecord[];
  readonly direction: Direction;
  /** The study seed (Hyperband assigns trials to brackets from it). */
  readonly seed: number;
}

/**
 * Decides whether a running trial should stop early, after each of its reports (Optuna's `BasePruner.prune`). A
 * decision is a function of the stored trials only, so every process of a distributed study decides alike.
 */
export interface Pruner {
  /** The name used by the CLI: median, percentile, asha, hyperband, threshold, patient. */
  readonly name: string;
  /** Options as given, JSON-serialisable. */
  readonly options: Readonly<Record<string, unknown>>;
  prune(context: PruneContext): boolean;
  /**
   * Pruners whose trials compete only within groups (Hyperband's brackets): the grouping of the study's trials, or
   * null while there is none yet. The study then suggests each trial from its own group's trials, as Optuna's TPE
   * does under Hyperband.
   */
  groups?(trials: readonly TrialRecord[], seed: number): TrialGroups | null;
}

/** A split of a study's trials into groups that compete only among themselves. */
export interface TrialGroups {
  /** Names this grouping: another key means trials may have moved between groups. */
  readonly key: string;
  /** The group (0, 1, …) of trial `number`, known before the trial exists. */
  groupOf(number: number): number;
}

/** The trial's last report (largest step), or null. */
export function lastReport(t: TrialRecord): IntermediateValue | null {
  const iv = t.intermediate;
  return iv && iv.length ? iv[iv.length - 1] : null;
}

/** The trial's value at exactly `step`, or undefined (binary search: intermediate values are sorted by step). */
export function valueAt(t: TrialRecord, step: number): number | undefined {
  const e = firstAtOrAfter(t, step);
  return e !== null && e.step === step ? e.value : undefined;
}

/** The trial's first report at a step >= `step`, or null. */
export function firstAtOrAfter(t: TrialRecord, step: number): IntermediateValue | null {
  const iv = t.intermediate;
  if (!iv) return null;
  let lo = 0;
  let hi = iv.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (iv[mid].step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo < iv.length ? iv[lo] : null;
}

/**
 * Whether the trial's last step is the first it reported in its interval (Optuna's `_is_first_in_interval_step`):
 * pruning is considered at steps warmup, warmup + interval, …, or at the first step reported after one of them.
 */
export function isFirstInInterval(t: TrialRecord, warmup: number, interval: number): boolean {
  const iv = t.intermediate as readonly IntermediateValue[];
  const step = iv[iv.length - 1].step;
  const lowerPruningStep = Math.floor((step - warmup) / interval) * interval + warmup;
  const secondLast = iv.length > 1 ? iv[iv.length - 2].step : -1;
  return secondLast < lowerPruningStep;
}

/** The trial's best intermediate value over its steps in the study's direction (NaN when all are NaN). */
export function bestIntermediate(t: TrialRecord, direction: Direction): number {
  let best = NaN;
  for (const { value } of t.intermediate ?? []) {
    if (Number.isNaN(value)) continue;
    if (Number.isNaN(best) || (direction === 'minimize' ? value < best : value > best)) best = value;
  }
  return best;
}

/** Reads a pruner's options, rejecting unknown fields: `read(field)` gives a field's value. */
export function optionsOf(pruner: string, options: object | undefined, fields: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new OptionsError(`${pruner} pruner: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!fields.includes(k))
      throw new OptionsError(
        `options.${k} is not an option of the ${pruner} pruner${didYouMean(k, fields)} (options: ${fields.join(', ')})`,
      );
  }
  return options as Record<string, unknown>;
}

/** An integer option ≥ `min`, or its default. */
export function intOption(o: Record<string, unknown>, field: string, min: number, dflt: number): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new OptionsError(`options.${field} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
  return v;
}

/** A finite number option in [lo, hi], or its default. */
export function numberOption(
  o: Record<string, unknown>,
  field: string,
  lo: number,
  hi: number,
  dflt: number | undefined,
): number | undefined {
  const v = o[field];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    const range = hi === Infinity ? (lo === -Infinity ? 'a finite number' : `a number >= ${lo}`) : `a number in [${lo}, ${hi}]`;
    throw new OptionsError(`options.${field} must be ${range} (got ${JSON.stringify(v)})`);
  }
  return v;
}

/** Steps and pruning periods shared by the median, percentile and threshold pruners. */
export function warmupOptions(o: Record<string, unknown>): { nWarmupSteps: number; intervalSteps: number } {
  return { nWarmupSteps: intOption(o, 'nWarmupSteps', 0, 0), intervalSteps: intOption(o, 'intervalSteps', 1, 1) };
}
