import { OptionsError } from '../errors.js';
import { checkKeys } from '../options.js';
import { distinctTrials } from '../samplers/sampler.js';
import { show } from '../space/hp.js';
import type { Params, SearchSpace } from '../space/space.js';
import { compareValues, type Direction, isFeasible, type TrialRecord } from '../trial/trial.js';

/** What `study.enqueueRepeats` queues: the `top` most promising configurations, `repeats` more times each. */
export interface RepeatOptions {
  /** How many distinct configurations (default 5). */
  top?: number;
  /** How many more evaluations of each (default 3). */
  repeats?: number;
}

const REPEAT_KEYS = { top: true, repeats: true } as const satisfies { readonly [K in keyof Required<RepeatOptions>]: true };

export function checkRepeats(options: RepeatOptions): Required<RepeatOptions> {
  checkKeys(options, REPEAT_KEYS, 'enqueueRepeats');
  const { top = 5, repeats = 3 } = options;
  for (const [k, v] of [
    ['top', top],
    ['repeats', repeats],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new OptionsError(`enqueueRepeats: options.${k} must be a positive integer (got ${show(v)})`);
  return { top, repeats };
}

/** Up to k complete feasible trials of distinct params, best observed value first (ties: the earlier trial). */
export function byObservedValue(direction: Direction, space: SearchSpace, trials: readonly TrialRecord[], k: number): TrialRecord[] {
  const done = trials.filter((t) => t.state === 'complete' && t.value !== null && isFeasible(t));
  done.sort((a, b) => compareValues(direction, a.value as number, b.value as number) || a.number - b.number);
  return distinctTrials(done, space, k);
}

/** Each candidate once, then again, `repeats` rounds: workers taking the queue in parallel spread over the candidates. */
export function repeatQueue(candidates: readonly TrialRecord[], repeats: number): Params[] {
  const out: Params[] = [];
  for (let r = 0; r < repeats; r++) for (const t of candidates) out.push({ ...t.params });
  return out;
}
