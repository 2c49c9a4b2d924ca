import type { Params } from '../space/space.js';

export type Direction = 'minimize' | 'maximize';
export type TrialState = 'running' | 'complete' | 'pruned' | 'fail';

/**
 * Why a trial failed: the objective threw, reported a failure (hyperopt's `status: 'fail'`), returned NaN/±Infinity/a non-number, ran past its timeout,
 * killed its worker, exhausted its worker's memory cap (oom), was cut off by a stop, or its process stopped
 * beating (stale).
 */
export type FailReason = 'threw' | 'reported' | 'nan' | 'timeout' | 'crashed' | 'oom' | 'interrupted' | 'stale';

/** Failures that say nothing about the params (the run was stopped or its process died): they do not use up the budget. */
export const INFRASTRUCTURE_FAILURES: readonly FailReason[] = ['interrupted', 'stale'];

export type TrialResult =
  | {
      readonly state: 'complete';
      /** The objective value; in a multi-objective study, the first objective's. */
      readonly value: number;
      /** Every objective's value, in the study's `directions` order (multi-objective studies only). */
      readonly values?: readonly number[];
      /** Constraint values (≤ 0: satisfied), when the study has constraints. */
      readonly constraints?: readonly number[];
      readonly attrs?: Readonly<Record<string, unknown>>;
    }
  /** Stopped early by a pruner: the stored trial keeps its last intermediate value as its value. */
  | { readonly state: 'pruned'; readonly attrs?: Readonly<Record<string, unknown>> }
  | { readonly state: 'fail'; readonly reason: FailReason; readonly message: string; readonly attrs?: Readonly<Record<string, unknown>> };

/** One value an objective reported at a step of a trial (e.g. the validation loss after an epoch). */
export interface IntermediateValue {
  readonly step: number;
  readonly value: number;
  /**
   * The order in which the study received the reports (increasing across the study, one writer at a time): pruners
   * that compare a trial with those that reached a step before it (successive halving) decide alike in every process.
   */
  readonly seq?: number;
}

/** A trial as stored. Immutable once returned: a later read gives a new object. */
export interface TrialRecord {
  /** Storage-wide id. */
  readonly id: number;
  readonly studyId: number;
  /** 0-based, gap-free within the study, in claim order. */
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  /** Objective value for complete trials (multi-objective: the first objective's); a pruned trial's last intermediate value (null if it reported none); else null. */
  readonly value: number | null;
  /** Every objective's value for complete trials of a multi-objective study, else null. */
  readonly values?: readonly number[] | null;
  /** Constraint values (≤ 0: satisfied) of a complete trial of a study with constraints, else null. */
  readonly constraints?: readonly number[] | null;
  readonly failReason: FailReason | null;
  readonly failMessage: string | null;
  readonly attrs: Readonly<Record<string, unknown>>;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly finishedAt: number | null;
  /** When its claimant last beat for it (epoch ms; the claim counts as a beat). */
  readonly heartbeatAt: number;
  /**
   * Its lease: the claimant promised a heartbeat at least every `leaseMs`; once `leaseUntil` (epoch ms, on the storage's
   * clock) passes without one, any process may fail it as stale. Both null: no lease, never stale (a trial from
   * `ask()` without `leaseMs`).
   */
  readonly leaseMs: number | null;
  readonly leaseUntil: number | null;
  /** Who claimed it (process id and host), for distributed studies and stale detection. */
  readonly owner: string;
  /** The values the objective reported (`report(step, value)`), sorted by step; absent when it reported none. */
  readonly intermediate?: readonly IntermediateValue[];
}

/** The last step a trial reported (its largest), or null when it reported none. */
export function lastStep(t: TrialRecord): IntermediateValue | null {
  const iv = t.intermediate;
  return iv && iv.length ? iv[iv.length - 1] : null;
}

export function isFinished(t: TrialRecord): boolean {
  return t.state !== 'running';
}

/** Compares objective values in the study's direction: negative when `a` is better. */
export function compareValues(direction: Direction, a: number, b: number): number {
  return direction === 'minimize' ? a - b : b - a;
}

/** A trial whose constraints (if any) are all satisfied (≤ 0). */
export function isFeasible(t: { readonly constraints?: readonly number[] | null }): boolean {
  return t.constraints === null || t.constraints === undefined || t.constraints.every((c) => c <= 0);
}

/** The best complete feasible trial (ties: the earliest), or null. */
export function bestOf(direction: Direction, trials: readonly TrialRecord[]): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (t.state !== 'complete' || t.value === null || !isFeasible(t)) continue;
    if (best === null || compareValues(direction, t.value, best.value as number) < 0) best = t;
  }
  return best;
}
