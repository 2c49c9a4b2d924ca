import { OptionsError } from '../errors.js';
import type { FailReason, TrialResult } from './trial.js';
import { setOwn } from '../space/own.js';

/** What an objective receives beside its config. */
export interface ObjectiveContext {
  /** The trial's number in the study. */
  readonly trial: number;
  /** A per-trial seed derived from the study seed: seed your own randomness (weight init, data shuffles) with it. */
  readonly seed: number;
  /** Aborted when the trial times out or the run is stopped. */
  readonly signal: AbortSignal;
}

/**
 * An objective: receives the space filled with values (a bare number when the space is one `hp.*`)
 * and returns a number, a Promise of one, or `{ value, attrs }` / `{ loss, ... }` (hyperopt's dict form).
 */
export type Objective<C = any> = (config: C, context: ObjectiveContext) => unknown;

/**
 * An objective given by module: `optimize` runs it in a pool of worker threads, one trial per worker
 * at a time, so a trial that hangs or kills its worker is failed and the worker replaced. The export is called as
 * an `Objective` (`(config, { trial, seed, signal })`). `.ts` modules load through tsx when it is installed.
 */
export interface ObjectiveModule {
  /** Path of an ES module (.mjs/.js; .ts/.mts with tsx installed); relative paths resolve against the cwd. */
  readonly module: string;
  /** The export to call. Default 'default'. */
  readonly export?: string;
}


export function isObjectiveModule(o: unknown): o is ObjectiveModule {
  return o !== null && typeof o === 'object' && typeof (o as { module?: unknown }).module === 'string';
}

/** Throws an OptionsError naming what is wrong with an objective module given by the user. */
export function checkObjectiveModule(o: ObjectiveModule): void {
  if (o.export !== undefined && typeof o.export !== 'string') throw new OptionsError('objective.export must be a string');
}

/** Turns whatever an objective returned into a trial result: non-finite or non-numeric values fail as 'nan'. */
export function resultFromReturn(returned: unknown): TrialResult {
  let value: unknown = returned;
  let attrs: Record<string, unknown> | undefined;
  if (returned !== null && typeof returned === 'object') {
    const r = returned as Record<string, unknown>;
    const key = 'value' in r ? 'value' : 'loss' in r ? 'loss' : null;
    if (key === null) return fail('nan', `objective returned an object without "value" or "loss" (${describe(returned)})`);
    value = r[key];
    const rest = Object.fromEntries(Object.entries(r).filter(([k]) => k !== key));
    if (Object.keys(rest).length) attrs = rest;
  }
  if (typeof value !== 'number') return fail('nan', `objective returned ${describe(value)}, not a number`);
  if (!Number.isFinite(value)) return fail('nan', `objective returned ${value}`);
  return attrs ? { state: 'complete', value, attrs } : { state: 'complete', value };
}

/** The failure recorded for an objective that threw `error`; custom enumerable properties are kept in attrs. */
export function resultFromError(error: unknown, reason: FailReason = 'threw'): TrialResult {
  if (error instanceof Error) {
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(error)) {
      try {
        setOwn(extra, k, structuredClone(v));
      } catch {
        setOwn(extra, k, String(v));
      }
    }
    const attrs: Record<string, unknown> = { errorName: error.name, ...(Object.keys(extra).length ? { error: extra } : {}) };
    return { state: 'fail', reason, message: error.message || error.name, attrs };
  }
  return { state: 'fail', reason, message: `objective threw ${describe(error)}` };
}

/**
 * A copy of `result` that survives structured cloning (worker → main thread, storage): attrs that cannot be
 * cloned (functions, class instances with native state) are replaced by their string form.
 */
export function cloneableResult(result: TrialResult): TrialResult {
  if (!result.attrs) return result;
  try {
    return { ...result, attrs: structuredClone(result.attrs) };
  } catch {
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(result.attrs)) {
      try {
        setOwn(attrs, k, structuredClone(v));
      } catch {
        setOwn(attrs, k, String(v));
      }
    }
    return { ...result, attrs };
  }
}

export function fail(reason: FailReason, message: string): TrialResult {
  return { state: 'fail', reason, message };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}
