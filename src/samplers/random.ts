import { checkKeys } from '../options.js';
import type { Rng } from '../rng.js';
import type { Params } from '../space/space.js';
import { type History, runningTrials, type Sampler } from './sampler.js';

/** Draws tried before accepting a duplicate (duplicates only occur in small discrete spaces). */
const DUPLICATE_RETRIES = 32;

/**
 * Random search: each active parameter drawn from its own prior (log, quantised, normal, conditional branches).
 * Within a batch and against running trials, duplicates are redrawn.
 */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  readonly multiObjective = true;
  readonly options = {};

  /** Random search has no options; any given key is a mistake (e.g. meant for another sampler). */
  constructor(options?: Readonly<Record<string, never>>) {
    checkKeys(options, {}, 'random');
  }

  suggest(history: History, n: number, rng: Rng): Params[] {
    const { space } = history;
    if (space.neverRepeats) return Array.from({ length: n }, () => space.sample(rng));
    const taken = new Set(runningTrials(history).map((t) => space.key(t.params)));
    const out: Params[] = [];
    for (let i = 0; i < n; i++) {
      let p = space.sample(rng);
      // with nothing taken the point is accepted, and the last point's key is needed by no later one
      if (taken.size > 0 || i < n - 1) {
        let key = space.key(p);
        for (let r = 0; r < DUPLICATE_RETRIES && taken.has(key); r++) {
          p = space.sample(rng);
          key = space.key(p);
        }
        taken.add(key);
      }
      out.push(p);
    }
    return out;
  }
}

/** Random search: `random()`, or `random.suggest` / `rand.suggest` (hyperopt's spelling). */
export const random = Object.assign((options?: Readonly<Record<string, never>>) => new RandomSampler(options), {
  suggest: new RandomSampler(),
});
export const rand = random;
