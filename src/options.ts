import { nearestName } from './did-you-mean.js';
import { OptionsError } from './errors.js';

/**
 * Names users bring from hyperopt and Optuna, with what parzen calls them (or what to do instead); a hint is given
 * only where its target is an option of the call (or it is advice, starting with a space).
 */
const FOREIGN: Readonly<Record<string, readonly string[]>> = {
  max_evals: ['maxEvals'],
  n_trials: ['nTrials', 'maxEvals'],
  study_name: ['name', 'studyName'],
  load_if_exists: ['resume'],
  n_jobs: ['concurrency'],
  rstate: ['seed'],
  random_state: ['seed'],
  algo: ['sampler'],
  sampler: ['algo'],
  objective: ['fn'],
  func: ['fn'],
  timeout: [' signal (e.g. AbortSignal.timeout(ms)) to stop the run after a time'],
  trials: [' storage and a study name (parzen keeps trials in a storage; read them with study.trials())'],
};

/**
 * Rejects keys of `given` that are not in `known` (every key of the options type, so adding an option to the type
 * without listing it fails to compile), naming the caller (`where`) and the option the caller most likely meant.
 */
export function checkKeys<T extends object>(given: T | undefined, known: { readonly [K in keyof Required<T>]: true }, where: string): void {
  if (given === undefined || given === null) return;
  if (typeof given !== 'object' || Array.isArray(given))
    throw new OptionsError(`${where}: options must be an object (got ${typeof given})`);
  const names = Object.keys(known);
  for (const k of Object.keys(given)) {
    if (Object.prototype.hasOwnProperty.call(known, k)) continue;
    const foreign = FOREIGN[k]?.find((n) => n.startsWith(' ') || names.includes(n));
    const near = foreign ?? nearestName(k, names);
    const hint =
      names.length === 0
        ? '; it takes no options'
        : near === null
          ? `; known: ${names.join(', ')}`
          : near.startsWith(' ')
            ? `; use${near}`
            : `; did you mean ${near}?`;
    throw new OptionsError(`${where}: unknown option ${JSON.stringify(k)}${hint}`);
  }
}
