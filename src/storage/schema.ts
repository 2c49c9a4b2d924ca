import { StorageError, TrialStateError } from '../errors.js';
import type { Params } from '../space/space.js';
import { boundResult } from '../trial/bounds.js';
import { type FailReason, type IntermediateValue, lastStep, type TrialRecord, type TrialResult, type TrialState } from '../trial/trial.js';
import type { PrunerSpec, PrunerSwitch, SamplerSwitch, StudyRecord, StudySummary } from './storage.js';

/**
 * The relational schema shared by the SQLite and PostgreSQL backends, as ordered forward migrations.
 * Migration i (0-based) takes the database from version i to version i + 1; `schema_version` holds the
 * current version in its single row. Never edit a released migration: append a new one.
 *
 * Tables:
 * - studies(id, name unique, direction, space JSON text, sampler_name, sampler_options JSON, seed, created_at ms, rng,
 *   sampler_switches, directions, pruner JSON { name, options } (NULL: made before version 10), pruner_switches)
 * - trials(id, study_id, number (unique per study, gap-free), state, params JSON, value, fail_reason, fail_message,
 *   attrs JSON, started_at ms, finished_at ms, heartbeat_at ms, owner, lease_ms, lease_until ms (both null: no lease))
 * - intermediate_values(study_id, trial_id, number, step, value (NULL: NaN), seq): what objectives report, one row per
 *   (trial, step), `seq` numbering a study's reports in the order they were written (unique per study)
 *
 * The space is stored as text because its key order is part of its identity (a resumed study compares it
 * verbatim). Params and attrs use PostgreSQL `json` (not `jsonb`), which keeps the key order of the space's
 * labels; both are still queryable with `->>`.
 */
export interface Migration {
  readonly description: string;
  readonly sqlite: string;
  readonly postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    description: 'studies and trials',
    sqlite: `
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
        space TEXT NOT NULL,
        sampler_name TEXT NOT NULL,
        sampler_options TEXT NOT NULL,
        seed INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE trials (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'fail')),
        params TEXT NOT NULL,
        value REAL,
        fail_reason TEXT,
        fail_message TEXT,
        attrs TEXT NOT NULL DEFAULT '{}',
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        heartbeat_at INTEGER NOT NULL,
        owner TEXT NOT NULL,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_running ON trials (study_id, heartbeat_at) WHERE state = 'running';
    `,
    postgres: `
      CREATE TABLE studies (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
        space TEXT NOT NULL,
        sampler_name TEXT NOT NULL,
        sampler_options JSON NOT NULL,
        seed BIGINT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE trials (
        id BIGSERIAL PRIMARY KEY,
        study_id BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'pruned', 'fail')),
        params JSON NOT NULL,
        value DOUBLE PRECISION,
        fail_reason TEXT,
        fail_message TEXT,
        attrs JSON NOT NULL DEFAULT '{}',
        started_at BIGINT NOT NULL,
        finished_at BIGINT,
        heartbeat_at BIGINT NOT NULL,
        owner TEXT NOT NULL,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_running ON trials (study_id, heartbeat_at) WHERE state = 'running';
    `,
  },
  {
    // A claim's budget check becomes next number − lost trials, read from two indexes instead of a scan of the study.
    description: 'index of the trials that do not count against a budget',
    sqlite: `CREATE INDEX trials_lost ON trials (study_id) WHERE state = 'fail' AND fail_reason IN ('interrupted', 'stale');`,
    postgres: `CREATE INDEX trials_lost ON trials (study_id) WHERE state = 'fail' AND fail_reason IN ('interrupted', 'stale');`,
  },
  {
    // Studies made before this version drew from sfc32, which parzen no longer has: they say so, and resume only when
    // the caller names another generator.
    description: 'the random generator of each study',
    sqlite: `ALTER TABLE studies ADD COLUMN rng TEXT NOT NULL DEFAULT 'sfc32';`,
    postgres: `ALTER TABLE studies ADD COLUMN rng TEXT NOT NULL DEFAULT 'sfc32';`,
  },
  {
    // Leases replace "silent for 3 × my own heartbeat": each trial carries the lease its claimant chose, so a process
    // beating rarely is never judged by another's shorter interval, and trials without a lease (ask()) never go stale.
    // Trials running at the upgrade were claimed by heartbeating runs of the default 10 s: they get its 30 s lease.
    description: 'per-trial leases (lease_ms, lease_until)',
    sqlite: `
      ALTER TABLE trials ADD COLUMN lease_ms INTEGER;
      ALTER TABLE trials ADD COLUMN lease_until INTEGER;
      UPDATE trials SET lease_ms = 30000, lease_until = heartbeat_at + 30000 WHERE state = 'running';
      DROP INDEX trials_running;
      CREATE INDEX trials_leased ON trials (study_id, lease_until) WHERE state = 'running' AND lease_until IS NOT NULL;
    `,
    postgres: `
      ALTER TABLE trials ADD COLUMN lease_ms BIGINT, ADD COLUMN lease_until BIGINT;
      UPDATE trials SET lease_ms = 30000, lease_until = heartbeat_at + 30000 WHERE state = 'running';
      DROP INDEX trials_running;
      CREATE INDEX trials_leased ON trials (study_id, lease_until) WHERE state = 'running' AND lease_until IS NOT NULL;
    `,
  },
  {
    // A sampler switch asked for on resume is kept with the study (JSON list of SamplerSwitch), never silent.
    description: 'the sampler switches of each study',
    sqlite: `ALTER TABLE studies ADD COLUMN sampler_switches TEXT NOT NULL DEFAULT '[]';`,
    postgres: `ALTER TABLE studies ADD COLUMN sampler_switches TEXT NOT NULL DEFAULT '[]';`,
  },
  {
    // Multi-objective studies: every direction, and per trial every objective value and constraint value (JSON arrays;
    // null for single-objective studies and trials without constraints). `value` keeps the first objective's value.
    description: 'objective directions, objective values and constraint values',
    sqlite: `
      ALTER TABLE studies ADD COLUMN directions TEXT;
      ALTER TABLE trials ADD COLUMN objective_values TEXT;
      ALTER TABLE trials ADD COLUMN constraint_values TEXT;
    `,
    postgres: `
      ALTER TABLE studies ADD COLUMN directions JSON;
      ALTER TABLE trials ADD COLUMN objective_values JSON, ADD COLUMN constraint_values JSON;
    `,
  },
  {
    // A table rather than a JSON column: a report is an insert (no read-modify-write of a growing document), and
    // `seq` orders a study's reports for pruners that must decide alike in every process.
    description: 'intermediate values reported by objectives',
    sqlite: `
      CREATE TABLE intermediate_values (
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        step INTEGER NOT NULL,
        value REAL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (trial_id, step)
      );
      CREATE UNIQUE INDEX intermediate_seq ON intermediate_values (study_id, seq);
      CREATE INDEX intermediate_by_number ON intermediate_values (study_id, number);
    `,
    postgres: `
      CREATE TABLE intermediate_values (
        study_id BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        trial_id BIGINT NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        step INTEGER NOT NULL,
        value DOUBLE PRECISION,
        seq BIGINT NOT NULL,
        PRIMARY KEY (trial_id, step)
      );
      CREATE UNIQUE INDEX intermediate_seq ON intermediate_values (study_id, seq);
      CREATE INDEX intermediate_by_number ON intermediate_values (study_id, number);
    `,
  },
  {
    // A claim whose outcome is unknown (connection lost around its COMMIT) is retried with the same key, which finds
    // the trials of the first attempt if it committed instead of claiming new ones.
    description: 'idempotency key of the claim that created a trial',
    sqlite: `ALTER TABLE trials ADD COLUMN claim_key TEXT; CREATE INDEX trials_claim_key ON trials (study_id, claim_key) WHERE claim_key IS NOT NULL;`,
    postgres: `ALTER TABLE trials ADD COLUMN claim_key TEXT; CREATE INDEX trials_claim_key ON trials (study_id, claim_key) WHERE claim_key IS NOT NULL;`,
  },
  {
    // study.enqueue / parzen enqueue: points the next claims take before the sampler's (warm starts, a baseline).
    description: 'queue of points to evaluate next',
    sqlite: `
      CREATE TABLE queued (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        params TEXT NOT NULL
      );
      CREATE INDEX queued_study ON queued (study_id, id);
    `,
    postgres: `
      CREATE TABLE queued (
        id BIGSERIAL PRIMARY KEY,
        study_id BIGINT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
        params JSON NOT NULL
      );
      CREATE INDEX queued_study ON queued (study_id, id);
    `,
  },
  {
    // The pruner (JSON { name, options }) is part of the study, as its sampler is: a resumed run and every process of a
    // distributed study prune alike. Studies made before this version have none recorded (NULL) until a run records
    // the one it uses; a switch asked for on resume is kept (JSON list of PrunerSwitch).
    description: 'the pruner of each study and its switches',
    sqlite: `
      ALTER TABLE studies ADD COLUMN pruner TEXT;
      ALTER TABLE studies ADD COLUMN pruner_switches TEXT NOT NULL DEFAULT '[]';
    `,
    postgres: `ALTER TABLE studies ADD COLUMN pruner JSON, ADD COLUMN pruner_switches TEXT NOT NULL DEFAULT '[]';`,
  },
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Rejects a database written by a newer parzen (its schema may mean things this code does not know). */
export function checkVersion(found: number, where: string): void {
  if (found > SCHEMA_VERSION) {
    throw new StorageError(`${where}: schema version ${found} is newer than this parzen understands (${SCHEMA_VERSION}); upgrade parzen`);
  }
}

/**
 * SQL (one parameter: the study id) giving `next`, the study's next trial number, and `used`, its trials that count
 * against a budget (see `countsAgainstBudget`): next − the lost ones, both read from indexes (no scan of the study).
 */
export const CLAIM_STATE_SQL = (param: string) => `
  SELECT coalesce((SELECT max(number) + 1 FROM trials WHERE study_id = ${param}), 0) AS next,
         coalesce((SELECT max(number) + 1 FROM trials WHERE study_id = ${param}), 0)
           - (SELECT count(*) FROM trials WHERE study_id = ${param} AND state = 'fail' AND fail_reason IN ('interrupted', 'stale')) AS used`;

/** A row of `trials` as either driver returns it (SQLite: JSON as text; pg: parsed JSON, BIGINT as string). */
export interface TrialRow {
  id: number | string;
  study_id: number | string;
  number: number;
  state: string;
  params: string | object;
  value: number | null;
  fail_reason: string | null;
  fail_message: string | null;
  attrs: string | object;
  started_at: number | string;
  finished_at: number | string | null;
  heartbeat_at: number | string;
  owner: string;
  lease_ms: number | string | null;
  lease_until: number | string | null;
  objective_values: string | number[] | null;
  constraint_values: string | number[] | null;
  /** `[[step, value|null, seq], …]` sorted by step (INTERMEDIATE_SQL); null or '[]' when none. */
  intermediate?: string | (readonly [number, number | null, number | string])[] | null;
}

/**
 * A column giving a trial row's intermediate values as `[[step, value, seq], …]` sorted by step (`t`: the trials
 * table's alias): one round trip and one snapshot with the trials.
 */
export const INTERMEDIATE_SQL = {
  sqlite: `(SELECT json_group_array(json_array(step, value, seq)) FROM
      (SELECT step, value, seq FROM intermediate_values i WHERE i.trial_id = t.id ORDER BY step)) AS intermediate`,
  postgres: `(SELECT json_agg(json_build_array(step, value, seq) ORDER BY step) FROM intermediate_values i WHERE i.trial_id = t.id) AS intermediate`,
};

export interface StudyRow {
  id: number | string;
  name: string;
  direction: string;
  space: string;
  sampler_name: string;
  sampler_options: string | object;
  seed: number | string;
  rng: string;
  sampler_switches?: string;
  pruner?: string | object | null;
  pruner_switches?: string;
  directions: string | string[] | null;
  created_at: number | string;
}

/** A fresh, deeply frozen record from a row: records handed out are immutable, and later reads make new ones. */
export function trialFromRow(r: TrialRow): TrialRecord {
  return Object.freeze({
    id: Number(r.id),
    studyId: Number(r.study_id),
    number: Number(r.number),
    state: r.state as TrialState,
    params: Object.freeze(json(r.params)) as Params,
    value: r.value === null ? null : Number(r.value),
    values: numbers(r.objective_values),
    constraints: numbers(r.constraint_values),
    failReason: r.fail_reason as FailReason | null,
    failMessage: r.fail_message,
    attrs: Object.freeze(json(r.attrs)) as Record<string, unknown>,
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    heartbeatAt: Number(r.heartbeat_at),
    owner: r.owner,
    leaseMs: r.lease_ms === null ? null : Number(r.lease_ms),
    leaseUntil: r.lease_until === null ? null : Number(r.lease_until),
    ...intermediateOf(r.intermediate),
  });
}

function intermediateOf(v: TrialRow['intermediate']): { intermediate?: readonly IntermediateValue[] } {
  if (v === undefined || v === null) return {};
  const rows = typeof v === 'string' ? (JSON.parse(v) as [number, number | null, number | string][]) : v;
  if (rows.length === 0) return {};
  return {
    intermediate: Object.freeze(
      rows.map(([step, value, seq]) => Object.freeze({ step, value: value === null ? NaN : value, seq: Number(seq) })),
    ),
  };
}

/** The stored form of a pruner (createStudy: none given is `{ name: 'none', options: {} }`). */
export function prunerJson(p: PrunerSpec | null | undefined): string {
  return JSON.stringify(p ?? { name: 'none', options: {} });
}

/** The error for a report on a trial that is no longer running. */
export function notRunning(t: TrialRecord): TrialStateError {
  const why = t.failReason ? ` (${t.failReason})` : '';
  return new TrialStateError(`trial ${t.number} is already ${t.state}${why}; a report is rejected`);
}

export function studyFromRow(r: StudyRow): StudyRecord {
  return Object.freeze({
    id: Number(r.id),
    name: r.name,
    direction: r.direction as StudyRecord['direction'],
    space: JSON.parse(r.space) as unknown,
    sampler: Object.freeze({ name: r.sampler_name, options: Object.freeze(json(r.sampler_options)) as Record<string, unknown> }),
    seed: Number(r.seed),
    rng: r.rng,
    samplerSwitches: Object.freeze(JSON.parse(r.sampler_switches ?? '[]') as SamplerSwitch[]),
    pruner: r.pruner === null || r.pruner === undefined ? null : (Object.freeze(json(r.pruner)) as PrunerSpec),
    prunerSwitches: Object.freeze(JSON.parse(r.pruner_switches ?? '[]') as PrunerSwitch[]),
    directions:
      r.directions === null || r.directions === undefined ? null : (Object.freeze(json(r.directions)) as StudyRecord['directions']),
    createdAt: Number(r.created_at),
  });
}

function numbers(v: string | number[] | null | undefined): readonly number[] | null {
  return v === null || v === undefined ? null : Object.freeze(json(v) as number[]);
}

/** A JSON array column's text, or null. */
export function jsonOrNull(v: readonly unknown[] | null | undefined): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}

function json(v: string | object): object {
  // SQLite hands JSON over as text; pg parses json columns itself, into a new object per row
  return typeof v === 'string' ? (JSON.parse(v) as object) : v;
}

/** One row of `SELECT study_id, state, count(*), min(value), max(value) FROM trials GROUP BY study_id, state`. */
export interface StateCountRow {
  study_id: number | string;
  state: string;
  n: number | string;
  min_value: number | null;
  max_value: number | null;
}

/** Study summaries (counts by state, best complete value in the study's direction) from grouped counts. */
export function summarize(studies: readonly StudyRecord[], rows: readonly StateCountRow[]): StudySummary[] {
  const byStudy = new Map<number, StateCountRow[]>();
  for (const r of rows) {
    const id = Number(r.study_id);
    byStudy.set(id, [...(byStudy.get(id) ?? []), r]);
  }
  return studies.map((s) => {
    const counts: Record<TrialState, number> = { running: 0, complete: 0, pruned: 0, fail: 0 };
    let best: number | null = null;
    for (const r of byStudy.get(s.id) ?? []) {
      counts[r.state as TrialState] = Number(r.n);
      if (r.state === 'complete') {
        const v = s.direction === 'minimize' ? r.min_value : r.max_value;
        best = v === null ? null : Number(v);
      }
    }
    return { ...s, counts, best };
  });
}

export const STATE_COUNTS_SQL =
  'SELECT study_id, state, count(*) AS n, min(value) AS min_value, max(value) AS max_value FROM trials GROUP BY study_id, state';

/** The message of a trial failed as stale at `now` (shared by every backend). */
export function staleMessage(now: number, heartbeatAt: number, leaseMs: number | null): string {
  return `lease of ${leaseMs} ms expired: no heartbeat for ${now - heartbeatAt} ms (its process died or stalled)`;
}

/** `staleMessage` in SQL, for a row of `trials`, with `now` an SQL expression of the time. */
export const STALE_MESSAGE_SQL = (now: string) =>
  `'lease of ' || lease_ms || ' ms expired: no heartbeat for ' || CAST(${now} - heartbeat_at AS BIGINT) || ' ms (its process died or stalled)'`;

/** The error for a result that arrives after its trial was finished (told twice, or failed as stale meanwhile). */
export function alreadyFinished(t: TrialRecord): TrialStateError {
  const why = t.failReason ? ` (${t.failReason})` : '';
  return new TrialStateError(`trial ${t.number} is already ${t.state}${why}; a late or repeated result is rejected`);
}

/** The record a running trial becomes when `result` is applied at `now` (shared by every backend). */
export function finishRecord(cur: TrialRecord, given: TrialResult, now: number): TrialRecord {
  const result = boundResult(given);
  return freeze({
    ...cur,
    state: result.state,
    value: result.state === 'complete' ? result.value : result.state === 'pruned' ? prunedValue(cur) : null,
    values: result.state === 'complete' && result.values ? Object.freeze([...result.values]) : null,
    constraints: result.state === 'complete' && result.constraints ? Object.freeze([...result.constraints]) : null,
    failReason: result.state === 'fail' ? result.reason : null,
    failMessage: result.state === 'fail' ? result.message : null,
    attrs: mergeAttrs(cur.attrs, result.attrs),
    finishedAt: now,
  });
}

/** A pruned trial's value: its last intermediate value (null without one, or when it is NaN). */
function prunedValue(t: TrialRecord): number | null {
  const last = lastStep(t);
  return last === null || Number.isNaN(last.value) ? null : last.value;
}

/** The attrs of a trial that has none: one frozen object shared by all such records (records are immutable). */
export const NO_ATTRS: Readonly<Record<string, unknown>> = Object.freeze({});

function mergeAttrs(
  cur: Readonly<Record<string, unknown>>,
  more: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> {
  if (more === undefined || isEmpty(more)) return isEmpty(cur) ? NO_ATTRS : cur;
  return { ...cur, ...more };
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** Freezes a record with its params and attrs (records are shared with callers, never copied on read). */
export function freeze(t: TrialRecord): TrialRecord {
  Object.freeze(t.params);
  Object.freeze(t.attrs);
  return Object.freeze(t);
}
