import { OptionsError } from '../errors.js';
import type { Sampler } from '../samplers/sampler.js';
import { type Filled, show } from '../space/hp.js';
import type { Params } from '../space/space.js';
import type { Storage } from '../storage/storage.js';
import type { Objective } from '../trial/objective.js';
import { checkKeys } from '../options.js';
import { createStudy, type Progress, type SamplerFactoryLike, samplerFrom } from './study.js';

export interface FminOptions<S = unknown> {
  /** The objective; it receives the space filled with values (typed from `space`) and returns the loss (or `{ loss, ... }`). */
  fn: Objective<Filled<S>>;
  space: S;
  /** A sampler, e.g. `tpe.suggest`, `rand.suggest`, `gp({...})` (a sampler factory such as `tpe` means its `.suggest`). Default: random search. */
  algo?: Sampler | SamplerFactoryLike;
  maxEvals: number;
  seed?: number;
  /** fmin minimizes, as hyperopt; pass 'maximize' to maximize. */
  direction?: 'minimize' | 'maximize';
  concurrency?: number;
  trialTimeoutMs?: number;
  /** A Storage or its URL (`memory`, `sqlite:PATH`, `postgres://…`); a URL is opened for the run and closed after it. */
  storage?: Storage | string;
  /** Name of the study to create or continue (with `storage`). */
  studyName?: string;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /**
   * hyperopt's `points_to_evaluate`: points evaluated first, before the algorithm's, as params (keyed by label) or
   * configs. Only a new study takes them (a continued one has them already).
   */
  pointsToEvaluate?: readonly (Params | Filled<S>)[];
}

const FMIN_KEYS = {
  fn: true,
  space: true,
  algo: true,
  maxEvals: true,
  seed: true,
  direction: true,
  concurrency: true,
  trialTimeoutMs: true,
  storage: true,
  studyName: true,
  signal: true,
  onProgress: true,
  pointsToEvaluate: true,
} as const satisfies { readonly [K in keyof Required<FminOptions>]: true };

/**
 * hyperopt's fmin: minimizes `fn` over `space` and returns the best params keyed by label
 * (choices give the option, or its index when the options are structures; see `spaceEval`).
 */
export async function fmin<const S>(options: FminOptions<S>): Promise<Params> {
  checkKeys(options, FMIN_KEYS, 'fmin');
  if (typeof options?.fn !== 'function') throw new OptionsError('fmin: options.fn must be a function');
  // checked here so that the message names fmin's own option (optimize calls it nTrials)
  if (!Number.isInteger(options.maxEvals) || options.maxEvals < 0)
    throw new OptionsError(`fmin: options.maxEvals must be a non-negative integer (got ${show(options.maxEvals)})`);
  const study = await createStudy({
    space: options.space,
    sampler: samplerFrom(options.algo, 'fmin: options.algo'),
    seed: options.seed,
    direction: options.direction,
    storage: options.storage,
    name: options.studyName,
    resume: options.studyName !== undefined,
  });
  let best;
  try {
    if (options.pointsToEvaluate?.length && study.cached.length === 0 && (await study.storage.queued(study.record.id)).length === 0) {
      for (const p of options.pointsToEvaluate) await study.enqueue(p);
    }
    best = await study.optimize(options.fn, {
      nTrials: options.maxEvals,
      concurrency: options.concurrency,
      trialTimeoutMs: options.trialTimeoutMs,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  } finally {
    await study.close();
  }
  if (!best) throw new OptionsError('fmin: no trial completed (every evaluation failed or maxEvals is 0)');
  return best.params;
}
