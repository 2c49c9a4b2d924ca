import { DEFAULT_GENERATOR } from '../rng.js';
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { OptionsError, StorageError, StudyError, TrialStateError } from '../errors.js';
import type { Params } from '../space/space.js';
import type { TrialRecord, TrialResult } from '../trial/trial.js';
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

export interface SqliteOptions {
  /** How long a write waits for another process's transaction before failing (ms). Default 60000. */
  busyTimeoutMs?: number;
  /** false: open an existing parzen database only (no file, no schema and no journal written). Default true. */
  create?: boolean;
}

/**
 * The StorageError for a SQLite failure on `path`, naming the file and what to do; other errors are returned as they are.
 * (Codes: https://www.sqlite.org/rescode.html; extended codes such as SQLITE_IOERR_FSYNC start with their primary.)
 */
export function sqliteError(path: string, e: unknown): unknown {
  const code = String((e as { code?: unknown })?.code ?? '');
  if (!code.startsWith('SQLITE_') || code.startsWith('SQLITE_CONSTRAINT')) return e;
  const at = `sqlite:${path}`;
  const why = (e as Error).message;
  if (code === 'SQLITE_NOTADB')
    return new StorageError(`${at}: ${path} is not a SQLite database (${why}); give --storage a new file name, e.g. sqlite:./parzen.db`);
  if (code.startsWith('SQLITE_FULL'))
    return new StorageError(
      `${at}: ${why}; free space on the disk holding ${path}, or move the study with --storage sqlite:/other/disk/parzen.db`,
    );
  if (code.startsWith('SQLITE_IOERR')) {
    return new StorageError(
      `${at}: ${why} (${code}) on ${path}; use a regular file on a writable local disk (not a device such as /dev/null, nor a network share)`,
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN'))
    return new StorageError(`${at}: cannot open ${path} (${why}); check that its directory exists and is writable`);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new StorageError(`${at}: ${path} is read-only (${why}); make it writable or give --storage another file`);
  }
  if (code.startsWith('SQLITE_CORRUPT'))
    return new StorageError(`${at}: ${path} is damaged (${why}); restore it from a copy or start a new file`);
  if (code.startsWith('SQLITE_BUSY'))
    return new StorageError(`${at}: ${path} stayed locked by another process (${why}); retry, or raise busyTimeoutMs`);
  return new StorageError(`${at}: ${why} (${code})`);
}

/**
 * Studies in one SQLite file (`sqlite:./parzen.db`), shared safely by several processes on one machine.
 *
 * WAL journal (readers never block the writer), `synchronous=NORMAL` (a committed transaction survives the
 * process being killed at any moment; only an OS crash or power loss may lose the last few commits), and a busy
 * timeout so concurrent writers queue instead of failing. Every claim runs in a `BEGIN IMMEDIATE` transaction,
 * which takes the write lock before reading the next number and the budget, so numbers are unique and gap-free
 * and the budget holds across processes. better-sqlite3 is synchronous; the async methods only wrap it.
 */
export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteStorage['prepare']>;

  constructor(
    readonly path: string,
    options: SqliteOptions = {},
  ) {
    try {
      this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 60_000, fileMustExist: options.create === false });
    } catch (e) {
      // better-sqlite3 says only "Cannot open database because the directory does not exist", naming no path
      if (e instanceof TypeError && /directory does not exist/.test(e.message))
        throw new OptionsError(
          `sqlite:${path} (--storage): the directory ${dirname(path)} does not exist; create it, or give a file in an existing directory`,
        );
      throw sqliteError(path, e);
    }
    try {
      if (options.create === false && !this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'schema_version'").get()) {
        // reading (parzen trials, show…) never writes a schema into a file that has none
        throw new StudyError(`sqlite:${path}: ${path} holds no parzen studies (it is empty or another program's database)`);
      }
      if (path !== ':memory:' && path !== '') this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.migrate();
      this.stmt = this.prepare();
    } catch (e) {
      this.db.close();
      throw sqliteError(path, e);
    }
  }

  /** Runs a storage operation; SQLite's own errors become StorageErrors that name the file and the fix. */
  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw sqliteError(this.path, e);
    }
  }

  /** Applies the migrations past the stored version, in one write transaction (safe when processes race to create the file). */
  private migrate(): void {
    this.db
      .transaction(() => {
        this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
        const row = this.db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
        const found = row?.version ?? 0;
        checkVersion(found, `sqlite:${this.path}`);
        for (let v = found; v < MIGRATIONS.length; v++) this.db.exec(MIGRATIONS[v].sqlite);
        if (!row) this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
        else if (found < MIGRATIONS.length) this.db.prepare('UPDATE schema_version SET version = ?').run(MIGRATIONS.length);
      })
      .immediate();
  }

  private prepare() {
    const db = this.db;
    return {
      insertStudy: db.prepare(
        `INSERT INTO studies (name, direction, space, sampler_name, sampler_options, seed, rng, directions, pruner, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
      ),
      studyByName: db.prepare('SELECT * FROM studies WHERE name = ?'),
      studyById: db.prepare('SELECT * FROM studies WHERE id = ?'),
      trialCount: db.prepare('SELECT count(*) FROM trials WHERE study_id = ?').pluck(),
      setSampler: db.prepare('UPDATE studies SET sampler_name = ?, sampler_options = ?, sampler_switches = ? WHERE id = ? RETURNING *'),
      setPruner: db.prepare('UPDATE studies SET pruner = ?, pruner_switches = ? WHERE id = ? RETURNING *'),
      studyExists: db.prepare('SELECT 1 FROM studies WHERE id = ?').pluck(),
      allStudies: db.prepare('SELECT * FROM studies ORDER BY id'),
      stateCounts: db.prepare(STATE_COUNTS_SQL),
      claimState: db.prepare(CLAIM_STATE_SQL('@study')),
      insertTrial: db.prepare(
        `INSERT INTO trials (study_id, number, state, params, attrs, started_at, heartbeat_at, owner, lease_ms, lease_until, claim_key)
         VALUES (?, ?, 'running', ?, '{}', ?, ?, ?, ?, ?, ?) RETURNING *`,
      ),
      claimedWithKey: db.prepare('SELECT * FROM trials WHERE study_id = ? AND claim_key = ? ORDER BY number'),
      trialById: db.prepare(`SELECT t.*, ${INTERMEDIATE_SQL.sqlite} FROM trials t WHERE id = ?`),
      insertReport: db.prepare(
        `INSERT INTO intermediate_values (study_id, trial_id, number, step, value, seq)
         SELECT @study, @trial, @number, @step, @value, coalesce(max(seq), 0) + 1 FROM intermediate_values WHERE study_id = @study
         ON CONFLICT (trial_id, step) DO NOTHING`,
      ),
      queuedFirst: db.prepare('SELECT id, params FROM queued WHERE study_id = ? ORDER BY id LIMIT ?'),
      queuedAll: db.prepare('SELECT params FROM queued WHERE study_id = ? ORDER BY id').pluck(),
      dequeue: db.prepare('DELETE FROM queued WHERE study_id = ? AND id <= ?'),
      enqueue: db.prepare('INSERT INTO queued (study_id, params) VALUES (?, ?)'),
      deleteStudy: db.prepare('DELETE FROM studies WHERE name = ?'),
      renameStudy: db.prepare('UPDATE studies SET name = ? WHERE name = ? RETURNING *'),
      finish: db.prepare(
        `UPDATE trials SET state = ?, value = ?, fail_reason = ?, fail_message = ?, attrs = ?, finished_at = ?,
           objective_values = ?, constraint_values = ?
         WHERE id = ? AND state = 'running'`,
      ),
      trialsSince: db.prepare(`SELECT t.*, ${INTERMEDIATE_SQL.sqlite} FROM trials t WHERE study_id = ? AND number >= ? ORDER BY number`),
      heartbeat: db.prepare(
        `UPDATE trials SET heartbeat_at = @now, lease_until = @now + lease_ms
         WHERE state = 'running' AND id IN (SELECT value FROM json_each(@ids))`,
      ),
      failStale: db.prepare(
        `UPDATE trials SET state = 'fail', fail_reason = 'stale', fail_message = ${STALE_MESSAGE_SQL('@now')}, finished_at = @now
         WHERE study_id = @study AND state = 'running' AND lease_until < @now RETURNING *`,
      ),
    };
  }

  async createStudy(spec: StudySpec): Promise<StudyRecord> {
    return this.guard(async () => {
      try {
        const row = this.stmt.insertStudy.get(
          spec.name,
          spec.direction,
          JSON.stringify(spec.space),
          spec.sampler.name,
          JSON.stringify(spec.sampler.options ?? {}),
          spec.seed,
          spec.rng ?? DEFAULT_GENERATOR,
          jsonOrNull(spec.directions),
          prunerJson(spec.pruner),
          Date.now(),
        ) as StudyRow;
        return studyFromRow(row);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
          throw new StudyError(`study ${JSON.stringify(spec.name)} already exists`);
        throw e;
      }
    });
  }

  async switchSampler(studyId: number, to: SamplerSpec): Promise<StudyRecord> {
    const change = this.db.transaction((): StudyRecord => {
      const row = this.stmt.studyById.get(studyId) as StudyRow | undefined;
      if (!row) throw new StudyError(`study id ${studyId} does not exist`);
      const cur = studyFromRow(row);
      const switches = [
        ...(cur.samplerSwitches ?? []),
        { from: cur.sampler, to, atTrial: Number(this.stmt.trialCount.get(studyId)), at: Date.now() },
      ];
      return studyFromRow(this.stmt.setSampler.get(to.name, JSON.stringify(to.options), JSON.stringify(switches), studyId) as StudyRow);
    });
    return change.immediate();
  }

  async switchPruner(studyId: number, to: PrunerSpec): Promise<StudyRecord> {
    const change = this.db.transaction((): StudyRecord => {
      const row = this.stmt.studyById.get(studyId) as StudyRow | undefined;
      if (!row) throw new StudyError(`study id ${studyId} does not exist`);
      const cur = studyFromRow(row);
      const switches = [
        ...(cur.prunerSwitches ?? []),
        { from: cur.pruner ?? null, to, atTrial: Number(this.stmt.trialCount.get(studyId)), at: Date.now() },
      ];
      return studyFromRow(this.stmt.setPruner.get(prunerJson(to), JSON.stringify(switches), studyId) as StudyRow);
    });
    return change.immediate();
  }

  async getStudy(name: string): Promise<StudyRecord | null> {
    return this.guard(async () => {
      const row = this.stmt.studyByName.get(name) as StudyRow | undefined;
      return row ? studyFromRow(row) : null;
    });
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.guard(async () => {
      const read = this.db.transaction(() => ({
        studies: (this.stmt.allStudies.all() as StudyRow[]).map(studyFromRow),
        counts: this.stmt.stateCounts.all() as StateCountRow[],
      }));
      const { studies, counts } = read.deferred();
      return summarize(studies, counts);
    });
  }

  async claimTrials(studyId: number, params: readonly Params[], options: ClaimOptions): Promise<TrialRecord[]> {
    return this.guard(async () => {
      const claim = this.db.transaction((): TrialRecord[] => {
        if (!this.stmt.studyExists.get(studyId)) throw new StudyError(`study id ${studyId} does not exist`);
        if (options.key !== undefined) {
          const done = this.stmt.claimedWithKey.all(studyId, options.key) as TrialRow[];
          if (done.length > 0) return done.map(trialFromRow);
        }
        const { next, used } = this.stmt.claimState.get({ study: studyId }) as { next: number; used: number };
        let room = params.length;
        if (options.budget !== undefined) room = Math.min(room, Math.max(0, options.budget - used));
        const queued =
          room > 0 && options.queue !== false ? (this.stmt.queuedFirst.all(studyId, room) as { id: number; params: string }[]) : [];
        if (queued.length) this.stmt.dequeue.run(studyId, queued[queued.length - 1].id);
        const points = [...queued.map((q) => q.params), ...params.map((p) => JSON.stringify(p))];
        const now = Date.now();
        const lease = options.leaseMs;
        const out: TrialRecord[] = [];
        for (let i = 0; i < room; i++) {
          const row = this.stmt.insertTrial.get(
            studyId,
            next + i,
            points[i],
            now,
            now,
            options.owner,
            lease ?? null,
            lease === undefined ? null : now + lease,
            options.key ?? null,
          ) as TrialRow;
          out.push(trialFromRow(row));
        }
        return out;
      });
      return claim.immediate();
    });
  }

  async finishTrial(trialId: number, result: TrialResult): Promise<TrialRecord> {
    return this.guard(async () => {
      const finish = this.db.transaction((): TrialRecord => {
        const row = this.stmt.trialById.get(trialId) as TrialRow | undefined;
        if (!row) throw new TrialStateError(`trial id ${trialId} does not exist`);
        const cur = trialFromRow(row);
        if (cur.state !== 'running') throw alreadyFinished(cur);
        const next = finishRecord(cur, result, Date.now());
        this.stmt.finish.run(
          next.state,
          next.value,
          next.failReason,
          next.failMessage,
          JSON.stringify(next.attrs),
          next.finishedAt,
          jsonOrNull(next.values),
          jsonOrNull(next.constraints),
          trialId,
        );
        return next;
      });
      return finish.immediate();
    });
  }

  async report(trialId: number, step: number, value: number): Promise<TrialRecord> {
    const report = this.db.transaction((): TrialRecord => {
      const row = this.stmt.trialById.get(trialId) as TrialRow | undefined;
      if (!row) throw new TrialStateError(`trial id ${trialId} does not exist`);
      const cur = trialFromRow(row);
      if (cur.state !== 'running') throw notRunning(cur);
      const v = Number.isNaN(value) ? null : value;
      const { changes } = this.stmt.insertReport.run({ study: cur.studyId, trial: trialId, number: cur.number, step, value: v });
      return changes ? trialFromRow(this.stmt.trialById.get(trialId) as TrialRow) : cur;
    });
    return this.guard(async () => report.immediate());
  }

  async trials(studyId: number, sinceNumber = 0): Promise<TrialRecord[]> {
    return this.guard(async () => {
      const rows = this.stmt.trialsSince.all(studyId, sinceNumber) as TrialRow[];
      if (rows.length === 0 && !this.stmt.studyExists.get(studyId)) throw new StudyError(`study id ${studyId} does not exist`);
      return rows.map(trialFromRow);
    });
  }

  async heartbeat(trialIds: readonly number[]): Promise<void> {
    return this.guard(async () => {
      if (trialIds.length > 0) this.stmt.heartbeat.run({ now: Date.now(), ids: JSON.stringify(trialIds) });
    });
  }

  async failStale(studyId: number): Promise<TrialRecord[]> {
    return this.guard(async () => {
      const rows = this.stmt.failStale.all({ now: Date.now(), study: studyId }) as TrialRow[];
      return rows.map(trialFromRow).sort((a, b) => a.number - b.number);
    });
  }

  async enqueue(studyId: number, params: readonly Params[]): Promise<void> {
    this.db
      .transaction(() => {
        if (!this.stmt.studyExists.get(studyId)) throw new StudyError(`study id ${studyId} does not exist`);
        for (const p of params) this.stmt.enqueue.run(studyId, JSON.stringify(p));
      })
      .immediate();
  }

  async queued(studyId: number): Promise<Params[]> {
    return (this.stmt.queuedAll.all(studyId) as string[]).map((p) => JSON.parse(p) as Params);
  }

  async deleteStudy(name: string): Promise<boolean> {
    return this.stmt.deleteStudy.run(name).changes > 0;
  }

  async renameStudy(from: string, to: string): Promise<StudyRecord> {
    let row: StudyRow | undefined;
    try {
      row = this.stmt.renameStudy.get(to, from) as StudyRow | undefined;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StudyError(`study ${JSON.stringify(to)} already exists`);
      throw e;
    }
    if (!row) throw new StudyError(`no study ${JSON.stringify(from)}`);
    return studyFromRow(row);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
