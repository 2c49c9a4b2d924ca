import { cut } from './bounds.js';
import { isTrialPruned, OptionsError } from '../errors.js';
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
  /**
   * Records `value` (finite or NaN) as the trial's intermediate value at `step` (an integer ≥ 0, e.g. the epoch) and
   * resolves to the pruner's decision: true when the trial should stop (throw `TrialPruned`). A step reported again
   * keeps its first value. Reports are written in order; the trial's result waits for them.
   */
  report(step: number, value: number): Promise<boolean>;
  /** The decision of the last report answered so far (false before any, or without a pruner). */
  shouldPrune(): boolean;
}

/** What an objective's `report(step, value)` asks of the main thread (through the evaluator's onMessage). */
export interface ReportRequest {
  readonly report: { readonly step: number; readonly value: number };
}

export function reportRequest(step: number, value: number): ReportRequest {
  return { report: { step, value } };
}

export function isReportRequest(body: unknown): body is ReportRequest {
  const r = body !== null && typeof body === 'object' ? (body as { report?: unknown }).report : undefined;
  return (
    r !== null &&
    typeof r === 'object' &&
    typeof (r as { step?: unknown }).step === 'number' &&
    typeof (r as { value?: unknown }).value === 'number'
  );
}

/** Throws an OptionsError unless `step` and `value` can be reported. */
export function checkReport(step: unknown, value: unknown): void {
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0)
    throw new OptionsError(`report: step must be an integer >= 0 (got ${String(step)})`);
  if (typeof value !== 'number' || value === Infinity || value === -Infinity) {
    throw new OptionsError(`report: value must be a finite number or NaN (got ${String(value)})`);
  }
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

/** hyperopt's statuses of an objective's result dict: `{ loss, status: STATUS_OK }` or `{ status: STATUS_FAIL, ... }`. */
export const STATUS_OK = 'ok';
export const STATUS_FAIL = 'fail';

/**
 * Turns whatever an objective returned into a trial result: non-finite or non-numeric values fail as 'nan';
 * `constraints: number[]` beside the value (or values) are the trial's constraint values (≤ 0: satisfied);
 * `{ status: 'fail' }` (hyperopt's STATUS_FAIL) fails as 'reported', with its `failure`/`message`/`error` string as message.
 */
export function resultFromReturn(returned: unknown): TrialResult {
  let value: unknown = returned;
  let attrs: Record<string, unknown> | undefined;
  if (Array.isArray(returned)) return fromValues(returned, undefined);
  if (returned !== null && typeof returned === 'object') {
    const r = returned as Record<string, unknown>;
    if ('constraints' in r) {
      // { value | values | loss, constraints: number[] }: the trial's constraint values (≤ 0 satisfied)
      const { constraints, ...rest } = r;
      if (!Array.isArray(constraints) || constraints.some((c) => typeof c !== 'number' || !Number.isFinite(c)))
        return fail('nan', `objective returned constraints ${describe(constraints)}, not an array of finite numbers`);
      const inner = resultFromReturn(rest);
      return inner.state === 'complete' ? { ...inner, constraints: [...(constraints as number[])] } : inner;
    }
    if ('values' in r && !('status' in r)) {
      const rest = Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'values'));
      return fromValues(r.values, Object.keys(rest).length ? rest : undefined);
    }
    if ('status' in r) {
      const { status, ...rest } = r;
      if (status === STATUS_FAIL) {
        const why = [rest.failure, rest.message, rest.error].find((m): m is string => typeof m === 'string');
        return withAttrs({ state: 'fail', reason: 'reported', message: why ?? "objective returned status 'fail'" }, rest);
      }
      if (status !== STATUS_OK) {
        return fail('nan', `objective returned status ${describe(status)}; expected '${STATUS_OK}' or '${STATUS_FAIL}'`);
      }
      return resultFromReturn(rest);
    }
    const key = 'value' in r ? 'value' : 'loss' in r ? 'loss' : null;
    if (key === null) return fail('nan', `objective returned an object without "value", "values" or "loss" (${describe(returned)})`);
    value = r[key];
    const rest = Object.fromEntries(Object.entries(r).filter(([k]) => k !== key));
    if (Object.keys(rest).length) attrs = rest;
  }
  if (typeof value !== 'number') return fail('nan', `objective returned ${describe(value)}, not a number`);
  if (!Number.isFinite(value)) return fail('nan', `objective returned ${value}`);
  return attrs ? { state: 'complete', value, attrs } : { state: 'complete', value };
}

/** Several objective values (a multi-objective study's): every one a finite number; `value` is the first. */
function fromValues(values: unknown, attrs: Record<string, unknown> | undefined): TrialResult {
  if (!Array.isArray(values) || values.length === 0)
    return fail('nan', `objective returned values ${describe(values)}, not an array of numbers`);
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      return fail('nan', `objective returned values ${describe(values)}: ${describe(v)} is not a finite number`);
  }
  const nums = values as number[];
  return { state: 'complete', value: nums[0], values: [...nums], ...(attrs ? { attrs } : {}) };
}

/** The failure recorded for an objective that threw `error`; custom enumerable properties are kept in attrs. */
export function resultFromError(error: unknown, reason: FailReason = 'threw'): TrialResult {
  if (isTrialPruned(error)) return { state: 'pruned' };
  if (error instanceof Error) {
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(error)) {
      try {
        setOwn(extra, k, structuredClone(v));
      } catch {
        setOwn(extra, k, String(v));
      }
    }
    const attrs: Record<string, unknown> = {
      errorName: error.name,
      ...(Object.keys(extra).length ? { error: extra } : {}),
      ...(typeof error.stack === 'string' ? { stack: cut(error.stack, MAX_STACK) } : {}),
    };
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

/** A failed trial keeps at most this many characters of its stack (in attrs.stack); messages are bounded in bounds.ts. */
export const MAX_STACK = 4000;

function withAttrs(result: TrialResult, attrs: Record<string, unknown>): TrialResult {
  return Object.keys(attrs).length ? { ...result, attrs } : result;
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
