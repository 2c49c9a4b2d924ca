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
 * A trial as ask hands it out. The config and the seed are made on first read: building the config walks the space's
 * tree, deriving the seed costs a fresh random stream, and many callers look at neither. (A class, so that an ask
 * allocates one object rather than one with a getter closure per field.)
 */
export class Asked<C = unknown> implements AskedTrial<C> {
  // (# fields: a spread or a for-in of the trial sees only its number and params)
  readonly #space: SearchSpace<C>;
  readonly #studySeed: SeedSource;
  #config: C | undefined;
  #seed: number | undefined;

  constructor(
    readonly number: number,
    readonly params: Params,
    space: SearchSpace<C>,
    studySeed: SeedSource,
  ) {
    this.#space = space;
    this.#studySeed = studySeed;
  }

  get config(): C {
    // (a config that is itself undefined is rebuilt on each read; no space fills to undefined)
    return (this.#config ??= this.#space.toObject(this.params));
  }

  get seed(): number {
    return (this.#seed ??= trialSeed(this.#studySeed, this.number));
  }

  toJSON(): { number: number; params: Params; config: C; seed: number } {
    return { number: this.number, params: this.params, config: this.config, seed: this.seed };
  }
}

/** A trial record with the config its params stand for (what `study.bestTrial` and `optimize` give). */
export type ConfiguredTrial<C = unknown> = TrialRecord & { readonly config: C };

/** `record` with its config, built from `space`. */
export function withConfig<C>(record: TrialRecord, space: SearchSpace<C>): ConfiguredTrial<C> {
  return Object.freeze({ ...record, config: space.toObject(record.params) });
}
