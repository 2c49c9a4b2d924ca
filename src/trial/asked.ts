import { type SeedSource, trialSeed } from '../rng.js';
import type { Params, SearchSpace } from '../space/space.js';
import type { TrialRecord } from './trial.js';

/** A trial handed out by `ask`: the flat params and the structure the objective receives. */
export interface AskedTrial<C = unknown> {
  readonly number: number;
  readonly params: Params;
  /** The space filled with these params (what `optimize` passes to the objective). */
  readonly config: C;
  /** A per-trial seed derived from the study seed. */
  readonly seed: number;
}

/**
 * A trial as ask hands it out, with every field an own enumerable property, so that a spread, structuredClone,
 * console.log and JSON all see `{ number, params, config, seed }`. Both are made here: the config walk and the seed
 * derivation cost under a microsecond an ask, next to the sampler's own work. (A class: one object shape for
 * study.ask and the run loop alike.)
 */
export class Asked<C = unknown> implements AskedTrial<C> {
  readonly config: C;
  readonly seed: number;

  constructor(
    readonly number: number,
    readonly params: Params,
    space: SearchSpace<C>,
    studySeed: SeedSource,
  ) {
    this.config = space.toObject(params);
    this.seed = trialSeed(studySeed, number);
  }
}

/** A trial record with the config its params stand for (what `study.bestTrial` and `optimize` give). */
export type ConfiguredTrial<C = unknown> = TrialRecord & { readonly config: C };

/** `record` with its config, built from `space`. */
export function withConfig<C>(record: TrialRecord, space: SearchSpace<C>): ConfiguredTrial<C> {
  return Object.freeze({ ...record, config: space.toObject(record.params) });
}
