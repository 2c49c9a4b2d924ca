import { DEFAULT_GENERATOR } from '../rng.js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { StorageError, StudyError, TrialStateError } from '../errors.js';
import type { Params } from '../space/space.js';
import type { TrialRecord, TrialResult } from '../trial/trial.js';
import { redact } from './open.js';
import { DEFAULT_DB_RETRY_MS, isTransient, Retrier } from './retry.js';
import {
  alreadyFinished,
  checkVersion,
  CLAIM_STATE_SQL,
  INTERMEDIATE_SQL,
  MIGRATIONS,
  notRunning,
  type StateCountRow,
  STATE_COUNTS_SQL,
  type StudyRow,
  studyFromRow,
  summarize,
  jsonOrNull,
  prunerJson,
  type TrialRow,
  trialFromRow,
  finishRecord,
  STALE_MESSAGE_SQL,
} from './schema.js';
import type { ClaimOptions, PrunerSpec, SamplerSpec, Storage, StudyRecord, StudySpec, StudySummary } from './storage.js';

/** The database's clock in epoch ms: every timestamp and lease of a distributed study comes from one clock, so leases ignore host clock skew. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** With a study id, the advisory lock that serializes a study's reports (their `seq`) across processes. */
const REPORT_LOCK = 0x72707274; // 'rprt'

/** Most finishes written in one statement. */
const FINISH_BATCH = 256;

/** A finish waiting for its batch. */
interface PendingFinish {
  readonly trialId: number;
  readonly result: TrialResult;
  readonly resolve: (t: TrialRecord) => void;
  readonly reject: (e: unknown) => void;
}

/** Serializes schema migrations of processes that open a fresh database at the same moment. */
const MIGRATION_LOCK = 0x7061727a; // 'parz'

export interface PostgresOptions {
  /** Connections in this process's pool. Default 4. */
  maxConnections?: number;
  /**
   * How long a lost connection (backend terminated, server restarting, network down) is retried, with backoff, before
   * the operation fails with a StorageError (ms). Default 60000.
   */
  retryMs?: number;
}

/**
 * Studies in PostgreSQL (`postgres://user@host:port/db`, optionally `?schema=NAME` to keep parzen's tables
 * in their own schema): the coordinator of a distributed study, several processes on several machines.
 *
 * A claim locks the study row (`SELECT … FOR UPDATE`), then reads the next number and the budget and inserts,
 * all in one transaction, so numbers are unique and gap-free and the budget is never exceeded however many
 * processes claim at once. Finishing is compare-and-set (`UPDATE … WHERE state = 'running'`).
 * Timestamps come from the database's clock.
 *
 * A lost connection is retried within `retryMs` (see `Retrier`). A claim or a finish whose outcome the loss left
 * unknown is resolved, not repeated blindly: a claim carries an idempotency key (a retry returns the trials the
 * first attempt committed), and a finish that finds its trial already finished with the same result takes it as done.
 */
export class PostgresStorage implements Storage {
  private constructor(
    private readonly pool: pg.Pool,
    /** The URL without password, for messages. */
    readonly where: string,
    private readonly retry: Retrier,
  ) {}

  /** Connects, creates the schema if asked, and migrates it to the current version. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStorage> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new StorageError(`storage ${JSON.stringify(redact(url))}: not a valid URL`);
    }
    const schema = parsed.searchParams.get('schema');
    parsed.searchParams.delete('schema');
    if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
      throw new StorageError(`storage ${redact(url)}: schema must be a plain identifier (letters, digits, _)`);
    }
    const where = redact(url);
    const retryMs = options.retryMs ?? DEFAULT_DB_RETRY_MS;
    if (!(retryMs >= 0)) throw new StorageError(`options.retryMs must be >= 0 (got ${retryMs})`);
    const pool = new pg.Pool({
      connectionString: parsed.toString(),
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: 15_000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // A connection whose backend dies emits 'error' (idle in the pool, or checked out between two statements of a
    // transaction): unheard, it would crash the process. Each statement sees the loss as its own error and retries.
    pool.on('error', () => {});
    // A server never reached (wrong host or port) fails at once; one that answered and then went away (terminated
    // backend, restart) is retried like any later statement.
    let reached = false;
    pool.on('connect', (client) => {
      reached = true;
      client.on('error', () => {});
    });
    const storage = new PostgresStorage(pool, where, new Retrier(where, retryMs));
    try {
      await storage.retry.run(
        () => storage.migrate(schema),
        (e) => reached && isTransient(e),
      );
    } catch (e) {
      await pool.end().catch(() => {});
      if (e instanceof StorageError) throw e;
      throw new StorageError(`${where}: cannot open (${(e as Error).message || (e as { code?: string }).code})`);
    }
    return storage;
  }

  private async migrate(schema: string | null): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      if (schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const { rows } = await c.query<{ version: number }>('SELECT version FROM schema_version');
      const found = rows[0]?.version ?? 0;
      checkVersion(found, this.where);
      for (let v = found; v < MIGRATIONS.length; v++) await c.query(MIGRATIONS[v].postgres);
      if (rows.length === 0) await c.query('INSERT INTO schema_version (version) VALUES ($1)', [MIGRATIONS.length]);
      else if (found < MIGRATIONS.length) await c.query('UPDATE schema_version SET version = $1', [MIGRATIONS.length]);
    });
  }

  /** Runs `body` in a transaction on one pooled connection; rolls back on any error. */
  private async tx<T>(body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const out = await body(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch((r: Error) => (broken = r));
      throw e;
    } finally {
      // a client whose ROLLBACK failed is closed, not handed to the next caller
      c.release(broken);
    }
  }

  async createStudy(spec: StudySpec): Promise<StudyRecord> {
    return this.retry.run((uncertain) => this.createStudyOnce(spec, uncertain));
  }

  private async createStudyOnce(spec: StudySpec, uncertain: boolean): Promise<StudyRecord> {
    try {
      const { rows } = await this.pool.query<StudyRow>(
        `INSERT INTO studies (name, direction, space, sampler_name, sampler_options, seed, rng, directions, pruner, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${NOW_MS}) RETURNING *`,
        [
          spec.name,
          spec.direction,
          JSON.stringify(spec.space),
          spec.sampler.name,
          JSON.stringify(spec.sampler.options ?? {}),
          spec.seed,
          spec.rng ?? DEFAULT_GENERATOR,
          jsonOrNull(spec.directions),
          prunerJson(spec.pruner),
        ],
      );
      return studyFromRow(rows[0]);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') {
        // our own earlier attempt may have created it before the connection was lost
        const mine = uncertain ? await this.getStudyOnce(spec.name) : null;
        if (
          mine &&
          mine.direction === spec.direction &&
          JSON.stringify(mine.space) === JSON.stringify(spec.space) &&
          mine.seed === spec.seed
        )
          return mine;
        throw new StudyError(`study ${JSON.stringify(spec.name)} already exists`);
      }
      throw e;
    }
  }

  async switchSampler(studyId: number, to: SamplerSpec): Promise<StudyRecord> {
    return this.tx(async (c) => {
      const { cur, atTrial, at } = await lockForSwitch(c, studyId);
      const switches = [...(cur.samplerSwitches ?? []), { from: cur.sampler, to, atTrial, at }];
      const { rows } = await c.query<StudyRow>(
        'UPDATE studies SET sampler_name = $2, sampler_options = $3, sampler_switches = $4 WHERE id = $1 RETURNING *',
        [studyId, to.name, JSON.stringify(to.options), JSON.stringify(switches)],
      );
      return studyFromRow(rows[0]);
    });
  }

  async switchPruner(studyId: number, to: PrunerSpec): Promise<StudyRecord> {
    return this.tx(async (c) => {
      const { cur, atTrial, at } = await lockForSwitch(c, studyId);
      const switches = [...(cur.prunerSwitches ?? []), { from: cur.pruner ?? null, to, atTrial, at }];
      const { rows } = await c.query<StudyRow>('UPDATE studies SET pruner = $2, pruner_switches = $3 WHERE id = $1 RETURNING *', [
        studyId,
        prunerJson(to),
        JSON.stringify(switches),
      ]);
      return studyFromRow(rows[0]);
    });
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.retry.run(() => this.getStudyOnce(name));
  }

  private async getStudyOnce(name: string): Promise<StudyRecord | null> {
    const { rows } = await this.pool.query<StudyRow>('SELECT * FROM studies WHERE name = $1', [name]);
    return rows[0] ? studyFromRow(rows[0]) : null;
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.retry.run(() =>
      this.tx(async (c) => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const studies = (await c.query<StudyRow>('SELECT * FROM studies ORDER BY id')).rows.map(studyFromRow);
        const counts = (await c.query<StateCountRow>(STATE_COUNTS_SQL)).rows;
        return summarize(studies, counts);
      }),
    );
  }

  async claimTrials(studyId: number, params: readonly Params[], options: ClaimOptions): Promise<TrialRecord[]> {
    const key = options.key ?? randomUUID();
    return this.retry.run(() =>
      this.tx(async (c) => {
        // The row lock serializes claims on this study across every process; the reads below see all committed claims.
        const lock = await c.query('SELECT id FROM studies WHERE id = $1 FOR UPDATE', [studyId]);
        if (lock.rowCount === 0) throw new StudyError(`study id ${studyId} does not exist`);
        // A claim with this key committed already (its COMMIT's answer was lost): those are the trials claimed.
        const done = await c.query<TrialRow>('SELECT * FROM trials WHERE study_id = $1 AND claim_key = $2 ORDER BY number', [studyId, key]);
        if (done.rows.length > 0) return done.rows.map(trialFromRow);
        const {
          rows: [state],
        } = await c.query<{ next: string; used: string }>(CLAIM_STATE_SQL('$1'), [studyId]);
        let room = params.length;
        if (options.budget !== undefined) room = Math.min(room, Math.max(0, options.budget - Number(state.used)));
        if (room === 0) return [];
        // Queued points first (the study's row lock serializes this with other claims).
        const queued =
          options.queue === false
            ? []
            : (
                await c.query<{ id: string; params: object }>('SELECT id, params FROM queued WHERE study_id = $1 ORDER BY id LIMIT $2', [
                  studyId,
                  room,
                ])
              ).rows;
        if (queued.length) await c.query('DELETE FROM queued WHERE study_id = $1 AND id <= $2', [studyId, queued[queued.length - 1].id]);
        const points = [...queued.map((q) => JSON.stringify(q.params)), ...params.map((p) => JSON.stringify(p))];
        const { rows } = await c.query<TrialRow>(
          `INSERT INTO trials (study_id, number, state, params, attrs, started_at, heartbeat_at, owner, lease_ms, lease_until, claim_key)
         SELECT $1, $2::int + (u.i::int - 1), 'running', u.p, '{}', ${NOW_MS}, ${NOW_MS}, $4, $5::bigint, ${NOW_MS} + $5::bigint, $6
         FROM unnest($3::json[]) WITH ORDINALITY AS u(p, i)
         RETURNING *`,
          [studyId, Number(state.next), points.slice(0, room), options.owner, options.leaseMs ?? null, key],
        );
        return rows.map(trialFromRow).sort((a, b) => a.number - b.number);
      }),
    );
  }

  /**
   * Finishes are group-committed: those made while a batch is being written wait for the next, which reads its
   * trials in one statement and finishes them in one (one commit, one WAL flush, for many tells).
   */
  async finishTrial(trialId: number, result: TrialResult): Promise<TrialRecord> {
    return new Promise<TrialRecord>((resolve, reject) => {
      this.finishing.push({ trialId, result, resolve, reject });
      // (the turn of the event loop lets the tells read with this one join its batch)
      this.flushing ??= new Promise((r) => setImmediate(r)).then(() => this.flushFinishes());
    });
  }

  private finishing: PendingFinish[] = [];
  /** The batches being written, until none wait (close waits for them). */
  private flushing: Promise<void> | null = null;

  /** Writes the waiting finishes, batch after batch, until none wait; each caller gets its own record or error. */
  private async flushFinishes(): Promise<void> {
    try {
      while (this.finishing.length > 0) {
        const batch = this.finishing.splice(0, FINISH_BATCH);
        await this.finishBatch(batch)
          .catch(async (e: unknown) => {
            // a statement refused (a value the database cannot store): each finish on its own, so only that one fails
            if (batch.length === 1 || e instanceof StorageError) throw e;
            for (const f of batch) await this.finishBatch([f]).catch((one: unknown) => f.reject(one));
          })
          .catch((e: unknown) => {
            for (const f of batch) f.reject(e);
          });
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Writes a batch of finishes (retrying a lost connection) and answers each caller; throws when the batch fails. */
  private async finishBatch(batch: readonly PendingFinish[]): Promise<void> {
    const outcomes = await this.retry.run((uncertain) => this.finishBatchOnce(batch, uncertain));
    for (const [i, f] of batch.entries()) {
      const o = outcomes[i];
      if (o instanceof Error) f.reject(o);
      else f.resolve(o);
    }
  }

  /** One attempt at a batch of finishes: each one's record, or the error it gets (no such trial, already finished). */
  private async finishBatchOnce(batch: readonly PendingFinish[], uncertain: boolean): Promise<(TrialRecord | Error)[]> {
    const { rows: read } = await this.pool.query<TrialRow>(
      `SELECT t.*, ${INTERMEDIATE_SQL.postgres} FROM trials t WHERE id = ANY($1::bigint[])`,
      [[...new Set(batch.map((f) => f.trialId))]],
    );
    const current = new Map(read.map((r) => [Number(r.id), trialFromRow(r)]));
    const out: (TrialRecord | Error | undefined)[] = [];
    /** Per trial, the batch entry that finishes it: a second tell of the same trial in the batch finds it finished. */
    const finisher = new Map<number, number>();
    const updates: { i: number; cur: TrialRecord; next: TrialRecord }[] = [];
    for (const [i, f] of batch.entries()) {
      const cur = current.get(f.trialId);
      if (!cur) out[i] = new TrialStateError(`trial id ${f.trialId} does not exist`);
      else if (finisher.has(f.trialId)) out[i] = undefined;
      else if (cur.state === 'running') {
        finisher.set(f.trialId, i);
        updates.push({ i, cur, next: finishRecord(cur, f.result, 0) });
      } else if (uncertain && sameOutcome(cur, f.result)) {
        // an earlier attempt whose answer was lost applied this very result: done, not a second tell
        finisher.set(f.trialId, i);
        out[i] = cur;
      } else out[i] = alreadyFinished(cur);
    }
    if (updates.length > 0) {
      const col = <T>(pick: (n: TrialRecord) => T) => updates.map((u) => pick(u.next));
      const { rows } = await this.pool.query<TrialRow>(
        `UPDATE trials SET state = u.state, value = u.value, fail_reason = u.fail_reason, fail_message = u.fail_message,
           attrs = u.attrs::json, finished_at = ${NOW_MS}, objective_values = u.ov::json, constraint_values = u.cv::json
         FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
           AS u(id, state, value, fail_reason, fail_message, attrs, ov, cv)
         WHERE trials.id = u.id AND trials.state = 'running' RETURNING trials.*`,
        [
          updates.map((u) => u.cur.id),
          col((n) => n.state),
          col((n) => n.value),
          col((n) => n.failReason),
          col((n) => n.failMessage),
          col((n) => JSON.stringify(n.attrs)),
          col((n) => jsonOrNull(n.values)),
          col((n) => jsonOrNull(n.constraints)),
        ],
      );
      const written = new Map(rows.map((r) => [Number(r.id), r]));
      for (const u of updates) {
        const row = written.get(u.cur.id);
        out[u.i] = row
          ? trialFromRow({
              ...row,
              intermediate: u.cur.intermediate?.map((e) => [e.step, Number.isNaN(e.value) ? null : e.value, e.seq ?? 0] as const) ?? null,
            })
          : // lost the race (failed as stale in between): report what it became
            alreadyFinished(await this.trialById(u.cur.id));
      }
    }
    // second tells of a trial in the same batch: it is finished now, by the first
    return batch.map((f, i) => {
      const o = out[i];
      if (o !== undefined) return o;
      const first = out[finisher.get(f.trialId)!];
      return first instanceof Error ? first : alreadyFinished(first!);
    });
  }

  async report(trialId: number, step: number, value: number): Promise<TrialRecord> {
    await this.tx(async (c) => {
      // The trial's row lock keeps a finish from slipping in; the study's advisory lock makes seq the commit order.
      const { rows } = await c.query<TrialRow>('SELECT * FROM trials WHERE id = $1 FOR UPDATE', [trialId]);
      if (!rows[0]) throw new TrialStateError(`trial id ${trialId} does not exist`);
      const cur = trialFromRow(rows[0]);
      if (cur.state !== 'running') throw notRunning(cur);
      await c.query('SELECT pg_advisory_xact_lock($1, $2::int)', [REPORT_LOCK, cur.studyId]);
      await c.query(
        `INSERT INTO intermediate_values (study_id, trial_id, number, step, value, seq)
         SELECT $1, $2, $3, $4, $5, coalesce(max(seq), 0) + 1 FROM intermediate_values WHERE study_id = $1
         ON CONFLICT (trial_id, step) DO NOTHING`,
        [cur.studyId, trialId, cur.number, step, Number.isNaN(value) ? null : value],
      );
    });
    return this.trialById(trialId);
  }

  private async trialById(trialId: number): Promise<TrialRecord> {
    const { rows } = await this.pool.query<TrialRow>(`SELECT t.*, ${INTERMEDIATE_SQL.postgres} FROM trials t WHERE id = $1`, [trialId]);
    if (!rows[0]) throw new TrialStateError(`trial id ${trialId} does not exist`);
    return trialFromRow(rows[0]);
  }

  async trials(studyId: number, sinceNumber = 0): Promise<TrialRecord[]> {
    return this.retry.run(() => this.trialsOnce(studyId, sinceNumber));
  }

  private async trialsOnce(studyId: number, sinceNumber: number): Promise<TrialRecord[]> {
    const { rows } = await this.pool.query<TrialRow>(
      `SELECT t.*, ${INTERMEDIATE_SQL.postgres} FROM trials t WHERE study_id = $1 AND number >= $2 ORDER BY number`,
      [studyId, sinceNumber],
    );
    if (rows.length === 0) {
      const s = await this.pool.query('SELECT 1 FROM studies WHERE id = $1', [studyId]);
      if (s.rowCount === 0) throw new StudyError(`study id ${studyId} does not exist`);
    }
    return rows.map(trialFromRow);
  }

  async heartbeat(trialIds: readonly number[]): Promise<void> {
    if (trialIds.length === 0) return;
    await this.retry.run(() =>
      this.pool.query(
        `UPDATE trials SET heartbeat_at = ${NOW_MS}, lease_until = ${NOW_MS} + lease_ms WHERE state = 'running' AND id = ANY($1::bigint[])`,
        [trialIds],
      ),
    );
  }

  async failStale(studyId: number): Promise<TrialRecord[]> {
    const { rows } = await this.retry.run(() =>
      this.pool.query<TrialRow>(
        `UPDATE trials SET state = 'fail', fail_reason = 'stale', fail_message = ${STALE_MESSAGE_SQL(NOW_MS)}, finished_at = ${NOW_MS}
         WHERE study_id = $1 AND state = 'running' AND lease_until < ${NOW_MS} RETURNING *`,
        [studyId],
      ),
    );
    return rows.map(trialFromRow).sort((a, b) => a.number - b.number);
  }

  async enqueue(studyId: number, params: readonly Params[]): Promise<void> {
    if (params.length === 0) return;
    try {
      await this.pool.query(
        'INSERT INTO queued (study_id, params) SELECT $1, p FROM unnest($2::json[]) WITH ORDINALITY AS u(p, i) ORDER BY i',
        [studyId, params.map((p) => JSON.stringify(p))],
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23503') throw new StudyError(`study id ${studyId} does not exist`);
      throw e;
    }
  }

  async queued(studyId: number): Promise<Params[]> {
    const { rows } = await this.pool.query<{ params: Params }>('SELECT params FROM queued WHERE study_id = $1 ORDER BY id', [studyId]);
    return rows.map((r) => r.params);
  }

  async deleteStudy(name: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM studies WHERE name = $1', [name]);
    return (r.rowCount ?? 0) > 0;
  }

  async renameStudy(from: string, to: string): Promise<StudyRecord> {
    try {
      const { rows } = await this.pool.query<StudyRow>('UPDATE studies SET name = $2 WHERE name = $1 RETURNING *', [from, to]);
      if (!rows[0]) throw new StudyError(`no study ${JSON.stringify(from)}`);
      return studyFromRow(rows[0]);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new StudyError(`study ${JSON.stringify(to)} already exists`);
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.pool.end();
  }
}

/** True when `t` (finished) holds exactly the outcome `result` describes. */
function sameOutcome(t: TrialRecord, result: TrialResult): boolean {
  if (t.state !== result.state) return false;
  // (a fail's message may be stored cut to its bound: the reason identifies it)
  if (result.state === 'complete') return t.value === result.value;
  return result.state === 'fail' ? t.failReason === result.reason : true;
}

/** A study's row locked for a switch of sampler or pruner, with where the switch happens: its trial count and the time. */
async function lockForSwitch(c: pg.PoolClient, studyId: number): Promise<{ cur: StudyRecord; atTrial: number; at: number }> {
  const {
    rows: [row],
  } = await c.query<StudyRow>('SELECT * FROM studies WHERE id = $1 FOR UPDATE', [studyId]);
  if (!row) throw new StudyError(`study id ${studyId} does not exist`);
  const {
    rows: [n],
  } = await c.query<{ n: string; now: string }>(`SELECT count(*) AS n, ${NOW_MS} AS now FROM trials WHERE study_id = $1`, [studyId]);
  return { cur: studyFromRow(row), atTrial: Number(n.n), at: Number(n.now) };
}
