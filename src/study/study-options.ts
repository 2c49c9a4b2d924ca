import { OptionsError, SpaceError } from '../errors.js';
import type { Pruner } from '../pruners/pruner.js';
import type { Generator } from '../rng.js';
import type { Sampler } from '../samplers/sampler.js';
import { type Filled, show } from '../space/hp.js';
import type { SearchSpace } from '../space/space.js';
import { MemoryStorage } from '../storage/memory.js';
import { openStorage } from '../storage/open.js';
import type { Storage } from '../storage/storage.js';
import type { Direction } from '../trial/trial.js';

// What createStudy takes, and the checks of it made before a study opens.

export interface StudyOptions<S = unknown> {
  /**
   * A tree of hp.* expressions (or a compiled SearchSpace). Required unless resuming. Its type gives the config's:
   * `ask`, `optimize`'s objective and `bestTrial` see the space filled in (`Filled<S>`).
   */
  space?: S;
  direction?: Direction;
  /**
   * Several objectives: one direction each (at least 2). The objective then returns an array of values (or
   * `{ values: [...] }`), and `bestTrials` is the Pareto front. Exclusive with `direction`.
   */
  directions?: readonly Direction[];
  /**
   * Constraints of each complete trial: values ≤ 0 are satisfied. Only feasible trials (all satisfied) count as best
   * or on the Pareto front. Not stored: give it again when resuming. `result` is the value (or the array of values).
   * An objective may instead return its constraints beside its value (`{ value | values, constraints: number[] }`,
   * also from a worker module); this function, when given, takes precedence.
   */
  constraints?(config: Filled<S>, result: number | readonly number[]): readonly number[];
  /** Every random choice derives from it; default 0. */
  seed?: number;
  /**
   * The random generator of a new study (seedrandom's 'tychei', the default, or 'alea'). A resumed study keeps its
   * own; naming another here is an error, except for a study whose generator this version no longer has.
   */
  rng?: Generator;
  /** Default: random search (resuming: the study's own). A sampler factory such as `tpe` means its `.suggest`. */
  sampler?: Sampler | SamplerFactoryLike;
  /**
   * Where the study lives: a Storage, or its URL, opened for the study (and closed by `study.close()`): `memory`,
   * `sqlite:PATH` (e.g. `sqlite:./parzen.db`, which `parzen studies` reads) or `postgres://user@host:port/db`.
   * Default: a new in-memory storage.
   */
  storage?: Storage | string;
  /** Default: a generated unique name. */
  name?: string;
  /**
   * When a study of this name exists: continue it (its space must match) instead of failing, with its own sampler
   * (stored name and options) unless `sampler` is given. Default false.
   */
  resume?: boolean;
  /**
   * Whether the objective is noisy, for `recommend`: true (declared: recommend the trial with the best GP posterior
   * mean), false (the best observation) or 'auto' (default: noisy only when the trials show it, i.e. two trials at
   * the same params gave different values and a GP fitted to the trials finds significant noise). Not stored.
   */
  noisy?: boolean | 'auto';
  /** Resuming with a `sampler` other than the study's: switch to it (recorded in the study) rather than fail. Default false. */
  switchSampler?: boolean;
  /**
   * Decides from the trials' reports whether to stop one early (`report`, `optimize`). Stored with the study: a new
   * study's default is none; a resumed one continues with its own (rebuilt from its stored name and options) unless
   * this is given, and a different one here is an error naming both, unless `switchPruner`.
   */
  pruner?: Pruner | null;
  /** Resuming with a `pruner` other than the study's: switch to it (recorded in the study) rather than fail. Default false. */
  switchPruner?: boolean;
}

/** A sampler factory with a default instance, as `tpe` (whose `.suggest` is the sampler hyperopt users pass). */
export type SamplerFactoryLike = ((...args: never[]) => Sampler) & { readonly suggest: Sampler };

/**
 * The sampler meant by `given`: a Sampler, or a factory's `.suggest` (`fmin({ algo: tpe })` means `tpe.suggest`, as a
 * hyperopt user expects); anything else is an OptionsError saying what to pass.
 */
export function samplerFrom(given: unknown, where: string): Sampler | undefined {
  if (given === undefined) return undefined;
  if (isSampler(given)) return given;
  if (typeof given === 'function' && isSampler((given as { suggest?: unknown }).suggest)) return (given as SamplerFactoryLike).suggest;
  const what = typeof given === 'function' ? `a function${given.name ? ` (${given.name})` : ''}` : (JSON.stringify(given) ?? String(given));
  throw new OptionsError(`${where} must be a sampler, such as tpe.suggest, rand.suggest or tpe({ gamma: 0.2 }) (got ${what})`);
}

function isSampler(x: unknown): x is Sampler {
  return x !== null && typeof x === 'object' && typeof (x as Sampler).suggest === 'function' && typeof (x as Sampler).name === 'string';
}

export const STUDY_KEYS = {
  space: true,
  direction: true,
  directions: true,
  constraints: true,
  seed: true,
  rng: true,
  sampler: true,
  storage: true,
  name: true,
  resume: true,
  switchSampler: true,
  noisy: true,
  pruner: true,
  switchPruner: true,
} as const satisfies { readonly [K in keyof Required<StudyOptions>]: true };

/** A Storage as given, or opened from its URL; `where` names the option in errors. */
export async function storageFrom(given: Storage | string | undefined, where: string): Promise<Storage> {
  if (given === undefined) return new MemoryStorage();
  if (typeof given === 'string') return openStorage(given);
  if (given === null || typeof given !== 'object' || typeof (given as Partial<Storage>).claimTrials !== 'function') {
    throw new OptionsError(`${where} must be a storage URL (memory, sqlite:./parzen.db, postgres://user@host:port/db) or a Storage`);
  }
  return given;
}

export function checkDirections(options: StudyOptions<unknown>): readonly Direction[] | null {
  const d = options.directions;
  if (d === undefined) return null;
  if (options.direction !== undefined) throw new OptionsError('options.direction and options.directions are exclusive: give one');
  if (!Array.isArray(d) || d.length < 2)
    throw new OptionsError('options.directions must be an array of at least 2 directions (one objective: options.direction)');
  for (const [i, x] of d.entries()) {
    if (x !== 'minimize' && x !== 'maximize')
      throw new OptionsError(`options.directions[${i}] must be "minimize" or "maximize" (got ${JSON.stringify(x)})`);
  }
  return Object.freeze([...d]);
}

/**
 * Refuses a space with nothing to search (no hp.* parameter, or only parameters with a single possible value), and a
 * space beyond the sampler's stated limits (`Sampler.checkSpace`), before any trial runs.
 */
export function checkSearchable(space: SearchSpace, sampler: Sampler): void {
  if (space.dims.length === 0) {
    throw new SpaceError('space: nothing to search: it has no hp.* parameter (a space of constants or {}); add e.g. hp.uniform("x", 0, 1)');
  }
  if (space.dims.every((d) => d.cardinality === 1)) {
    const labels = space.dims.map((d) => JSON.stringify(d.label)).join(', ');
    throw new SpaceError(`space: nothing to search: every parameter (${labels}) has a single possible value`);
  }
  sampler.checkSpace?.(space);
}

/** A study name is a string, not blank, without NUL characters (storages keep it as text); `field` names it in the error. */
export function checkStudyName(field: string, v: unknown): void {
  if (typeof v !== 'string' || v.trim() === '' || v.includes('\0'))
    throw new OptionsError(`${field} must be a non-empty string without NUL characters (got ${show(v)})`);
}

export function checkNoisy(field: string, v: unknown): void {
  if (v !== undefined && v !== true && v !== false && v !== 'auto')
    throw new OptionsError(`${field} must be true, false or "auto" (got ${JSON.stringify(v)})`);
}
