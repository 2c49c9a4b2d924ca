import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStorage } from '../../src/storage/open.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/storage/schema.js';
import type { Storage } from '../../src/storage/storage.js';
import { HyperbandPruner, hyperband } from '../../src/pruners/hyperband.js';
import { median } from '../../src/pruners/percentile.js';
import { createStudy } from '../../src/study/study.js';
import { dropSchemas, freshSchema, PG_SKIP, testPgUrl, withSchema } from './pg-env.js';

/**
 * Databases written by earlier schema versions, with studies and trials in them, migrated to the current one with
 * nothing lost. Each case is the data a version wrote (plain SQL valid in SQLite and PostgreSQL) and what the current
 * code must read from it. A new migration adds a case for the version before it (writing the columns that version
 * had), and every older case keeps running through the whole chain of later migrations.
 */
interface MigrationCase {
  /** The schema version the data was written by. */
  readonly version: number;
  readonly inserts: readonly string[];
  /** What the current code must see in the migrated store, and that it can go on using it. */
  check(s: Storage): Promise<void>;
}

const CASES: MigrationCase[] = [
  {
    // version 2: studies and trials without leases
    version: 2,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at) VALUES
        (1, 'old-tpe', 'minimize', '{"z":{"fn":"uniform","label":"z","low":0,"high":1},"a":{"fn":"choice","label":"a","options":["x","y"]}}',
         'tpe', '{"gamma":0.25,"nStartup":5}', 42, 1700000000000),
        (2, 'old-max', 'maximize', '{"fn":"uniform","label":"x","low":-1,"high":1}', 'random', '{}', 7, 1700000001000)`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner) VALUES
        (1, 1, 0, 'complete', '{"z":0.25,"a":"x"}', 1.5, NULL, NULL, '{"note":"first"}', 1700000002000, 1700000003000, 1700000002500, 'h:1'),
        (2, 1, 1, 'fail', '{"z":0.5,"a":"y"}', NULL, 'threw', 'boom', '{"errorName":"Error"}', 1700000004000, 1700000005000, 1700000004000, 'h:1'),
        (3, 1, 2, 'fail', '{"z":0.75,"a":"x"}', NULL, 'interrupted', 'stopped', '{}', 1700000006000, 1700000007000, 1700000006000, 'h:1'),
        (4, 1, 3, 'running', '{"z":0.125,"a":"y"}', NULL, NULL, NULL, '{}', 1700000008000, NULL, 1700000009000, 'h:2'),
        (5, 2, 0, 'complete', '{"x":-0.5}', -0.25, NULL, NULL, '{}', 1700000010000, 1700000011000, 1700000010000, 'h:3')`,
    ],
    async check(s) {
      const list = await s.listStudies();
      assert.deepEqual(
        list.map((x) => x.name),
        ['old-tpe', 'old-max'],
      );
      const [tpe, max] = list;
      assert.deepEqual(tpe.sampler, { name: 'tpe', options: { gamma: 0.25, nStartup: 5 } });
      assert.equal(tpe.seed, 42);
      assert.equal(tpe.rng, 'sfc32', 'a study of version 2 drew from sfc32');
      assert.equal(tpe.createdAt, 1700000000000);
      assert.equal(
        JSON.stringify(tpe.space),
        '{"z":{"fn":"uniform","label":"z","low":0,"high":1},"a":{"fn":"choice","label":"a","options":["x","y"]}}',
      );
      assert.deepEqual(tpe.counts, { running: 1, complete: 1, pruned: 0, fail: 2 });
      assert.equal(tpe.best, 1.5);
      assert.equal(max.direction, 'maximize');
      assert.equal(max.best, -0.25);
      const trials = await s.trials(tpe.id);
      assert.deepEqual(
        trials.map((t) => [
          t.id,
          t.number,
          t.state,
          t.params,
          t.value,
          t.failReason,
          t.failMessage,
          t.attrs,
          t.startedAt,
          t.finishedAt,
          t.owner,
        ]),
        [
          [1, 0, 'complete', { z: 0.25, a: 'x' }, 1.5, null, null, { note: 'first' }, 1700000002000, 1700000003000, 'h:1'],
          [2, 1, 'fail', { z: 0.5, a: 'y' }, null, 'threw', 'boom', { errorName: 'Error' }, 1700000004000, 1700000005000, 'h:1'],
          [3, 2, 'fail', { z: 0.75, a: 'x' }, null, 'interrupted', 'stopped', {}, 1700000006000, 1700000007000, 'h:1'],
          [4, 3, 'running', { z: 0.125, a: 'y' }, null, null, null, {}, 1700000008000, null, 'h:2'],
        ],
      );
      assert.deepEqual(Object.keys(trials[0].params), ['z', 'a'], 'params keep their key order');
      // leases: finished trials have none; a trial running at the upgrade gets the old default's (30 s from its last beat)
      assert.deepEqual(
        trials.map((t) => [t.leaseMs, t.leaseUntil]),
        [
          [null, null],
          [null, null],
          [null, null],
          [30_000, 1700000039000],
        ],
      );
      // and the store goes on: that long-dead trial is stale, the budget ignores it, numbers continue gap-free
      assert.deepEqual(
        (await s.failStale(tpe.id)).map((t) => t.number),
        [3],
      );
      const more = await s.claimTrials(
        tpe.id,
        [
          { z: 0.5, a: 'x' },
          { z: 0.6, a: 'x' },
          { z: 0.7, a: 'x' },
        ],
        { owner: 'new', budget: 4, leaseMs: 1000 },
      );
      assert.deepEqual(
        more.map((t) => t.number),
        [4, 5],
      );
      assert.ok(more.every((t) => t.leaseMs === 1000));
      assert.equal((await s.finishTrial(more[0].id, { state: 'complete', value: 0.5 })).value, 0.5);
      assert.equal((await s.trials(max.id)).length, 1);
    },
  },
  {
    // version 3: each study names its random generator; trials still without leases
    version: 3,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at, rng) VALUES
        (1, 'alea', 'minimize', '{"fn":"uniform","label":"x","low":0,"high":1}', 'gp', '{"nStartup":3}', 9, 1700000000000, 'alea')`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner) VALUES
        (1, 1, 0, 'complete', '{"x":0.5}', 0.25, NULL, NULL, '{}', 1700000002000, 1700000003000, 1700000002000, 'h:1'),
        (2, 1, 1, 'running', '{"x":0.75}', NULL, NULL, NULL, '{}', 1700000004000, NULL, 1700000005000, 'h:1')`,
    ],
    async check(s) {
      const study = await s.getStudy('alea');
      assert.ok(study);
      assert.equal(study.rng, 'alea');
      assert.deepEqual(study.sampler, { name: 'gp', options: { nStartup: 3 } });
      const trials = await s.trials(study.id);
      assert.deepEqual(
        trials.map((t) => [t.state, t.params, t.value, t.leaseMs, t.leaseUntil]),
        [
          ['complete', { x: 0.5 }, 0.25, null, null],
          ['running', { x: 0.75 }, null, 30_000, 1700000035000],
        ],
      );
      const [next] = await s.claimTrials(study.id, [{ x: 0.1 }], { owner: 'new' });
      assert.equal(next.number, 2);
    },
  },
  {
    // version 4: trials with leases; studies without sampler switches
    version: 4,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at, rng) VALUES
        (1, 'leased', 'maximize', '{"fn":"uniform","label":"x","low":0,"high":1}', 'tpe', '{"gamma":0.3}', 4, 1700000000000, 'tychei')`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner, lease_ms, lease_until) VALUES
        (1, 1, 0, 'complete', '{"x":0.5}', 0.25, NULL, NULL, '{}', 1700000002000, 1700000003000, 1700000002000, 'h:1', 900, 1700000002900),
        (2, 1, 1, 'running', '{"x":0.75}', NULL, NULL, NULL, '{}', 1700000004000, NULL, 1700000005000, 'h:1', NULL, NULL)`,
    ],
    async check(s) {
      const study = await s.getStudy('leased');
      assert.ok(study);
      assert.deepEqual(study.sampler, { name: 'tpe', options: { gamma: 0.3 } });
      assert.deepEqual(study.samplerSwitches, []);
      const trials = await s.trials(study.id);
      assert.deepEqual(
        trials.map((t) => [t.state, t.value, t.leaseMs, t.leaseUntil]),
        [
          ['complete', 0.25, 900, 1700000002900],
          ['running', null, null, null],
        ],
      );
      assert.deepEqual(await s.failStale(study.id), [], 'a trial without lease stays running');
      const switched = await s.switchSampler(study.id, { name: 'random', options: {} });
      assert.deepEqual(
        switched.samplerSwitches?.map((w) => [w.from.name, w.to.name, w.atTrial]),
        [['tpe', 'random', 2]],
      );
    },
  },
  {
    // version 5: sampler switches; one objective per study, no constraints
    version: 5,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at, rng, sampler_switches) VALUES
        (1, 'single', 'maximize', '{"fn":"uniform","label":"x","low":0,"high":1}', 'tpe', '{}', 3, 1700000000000, 'tychei', '[]')`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner, lease_ms, lease_until) VALUES
        (1, 1, 0, 'complete', '{"x":0.5}', 0.75, NULL, NULL, '{}', 1700000002000, 1700000003000, 1700000002000, 'h:1', 5000, 1700000007000),
        (2, 1, 1, 'running', '{"x":0.25}', NULL, NULL, NULL, '{}', 1700000004000, NULL, 1700000004000, 'h:1', NULL, NULL)`,
    ],
    async check(s) {
      const study = await s.getStudy('single');
      assert.ok(study);
      assert.equal(study.direction, 'maximize');
      assert.equal(study.directions ?? null, null, 'an old study has one objective');
      const trials = await s.trials(study.id);
      assert.deepEqual(
        trials.map((t) => [t.state, t.value, t.values ?? null, t.constraints ?? null, t.leaseMs]),
        [
          ['complete', 0.75, null, null, 5000],
          ['running', null, null, null, null],
        ],
      );
      const done = await s.finishTrial(trials[1].id, { state: 'complete', value: 0.5, constraints: [-1] });
      assert.deepEqual(done.constraints, [-1]);
      assert.deepEqual((await s.trials(study.id))[1].constraints, [-1]);
      const multi = await s.createStudy({
        name: 'multi',
        direction: 'minimize',
        directions: ['minimize', 'maximize'],
        space: {},
        sampler: { name: 'random', options: {} },
        seed: 0,
      });
      assert.deepEqual(multi.directions, ['minimize', 'maximize']);
    },
  },
  {
    // version 6: multi-objective columns; no intermediate values yet (a pruned trial could only be told so by hand)
    version: 6,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at, rng) VALUES
        (1, 'leased', 'minimize', '{"fn":"uniform","label":"x","low":0,"high":1}', 'tpe', '{}', 3, 1700000000000, 'tychei')`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner, lease_ms, lease_until) VALUES
        (1, 1, 0, 'complete', '{"x":0.5}', 0.25, NULL, NULL, '{}', 1700000002000, 1700000003000, 1700000002000, 'h:1', NULL, NULL),
        (2, 1, 1, 'pruned', '{"x":0.9}', NULL, NULL, NULL, '{}', 1700000004000, 1700000005000, 1700000004000, 'h:1', NULL, NULL),
        (3, 1, 2, 'running', '{"x":0.75}', NULL, NULL, NULL, '{}', 1700000006000, NULL, 1700000007000, 'h:1', NULL, NULL)`,
    ],
    async check(s) {
      const study = await s.getStudy('leased');
      assert.ok(study);
      const trials = await s.trials(study.id);
      assert.deepEqual(
        trials.map((t) => [t.state, t.value, t.intermediate]),
        [
          ['complete', 0.25, undefined],
          ['pruned', null, undefined],
          ['running', null, undefined],
        ],
      );
      assert.deepEqual((await s.listStudies())[0].counts, { running: 1, complete: 1, pruned: 1, fail: 0 });
      // the running trial reports and is pruned at its last step, the study's reports numbered from 1
      await s.report(trials[2].id, 0, 0.8);
      await s.report(trials[2].id, 1, 0.7);
      const pruned = await s.finishTrial(trials[2].id, { state: 'pruned' });
      assert.deepEqual(
        [pruned.value, pruned.intermediate?.map((e) => [e.step, e.value, e.seq])],
        [
          0.7,
          [
            [0, 0.8, 1],
            [1, 0.7, 2],
          ],
        ],
      );
      const [next] = await s.claimTrials(study.id, [{ x: 0.1 }], { owner: 'new' });
      assert.equal(next.number, 3);
    },
  },
  {
    // version 7: intermediate values; trials still without a claim key
    version: 7,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at, rng) VALUES
        (1, 'leased', 'minimize', '{"fn":"uniform","label":"x","low":0,"high":1}', 'random', '{}', 1, 1700000000000, 'tychei')`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner, lease_ms, lease_until) VALUES
        (1, 1, 0, 'complete', '{"x":0.5}', 0.25, NULL, NULL, '{}', 1700000002000, 1700000003000, 1700000002000, 'h:1', NULL, NULL),
        (2, 1, 1, 'running', '{"x":0.75}', NULL, NULL, NULL, '{}', 1700000004000, NULL, 1700000005000, 'h:1', 3000, 1700000008000)`,
    ],
    async check(s) {
      const study = await s.getStudy('leased');
      assert.ok(study);
      const trials = await s.trials(study.id);
      assert.deepEqual(
        trials.map((t) => [t.state, t.params, t.value, t.leaseMs, t.leaseUntil]),
        [
          ['complete', { x: 0.5 }, 0.25, null, null],
          ['running', { x: 0.75 }, null, 3000, 1700000008000],
        ],
      );
      // claims go on, and a keyed claim repeated returns its trials instead of claiming more
      const first = await s.claimTrials(study.id, [{ x: 0.1 }, { x: 0.2 }], { owner: 'new', key: 'k1' });
      const again = await s.claimTrials(study.id, [{ x: 0.3 }], { owner: 'new', key: 'k1' });
      assert.deepEqual(
        first.map((t) => t.number),
        [2, 3],
      );
      assert.deepEqual(
        again.map((t) => [t.number, t.params]),
        [
          [2, { x: 0.1 }],
          [3, { x: 0.2 }],
        ],
      );
    },
  },
  {
    // version 8: claim keys; no queue of points yet (version 9 adds it, empty)
    version: 8,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at, rng) VALUES
        (1, 'leased', 'minimize', '{"fn":"uniform","label":"x","low":0,"high":1}', 'tpe', '{}', 3, 1700000000000, 'tychei')`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner, lease_ms, lease_until) VALUES
        (1, 1, 0, 'complete', '{"x":0.5}', 0.25, NULL, NULL, '{}', 1700000002000, 1700000003000, 1700000002000, 'h:1', NULL, NULL)`,
    ],
    async check(s) {
      const study = await s.getStudy('leased');
      assert.ok(study);
      assert.deepEqual(await s.queued(study.id), []);
      await s.enqueue(study.id, [{ x: 0.125 }]);
      const [next] = await s.claimTrials(study.id, [{ x: 0.9 }], { owner: 'new' });
      assert.deepEqual([next.number, next.params], [1, { x: 0.125 }], 'the queue works on a migrated store');
      assert.equal(await s.deleteStudy('leased'), true);
    },
  },
  {
    // version 9: a queue of points; no pruner stored with the study (version 10 adds it: NULL, then recorded on use)
    version: 9,
    inserts: [
      `INSERT INTO studies (id, name, direction, space, sampler_name, sampler_options, seed, created_at, rng) VALUES
        (1, 'pruned', 'minimize', '{"uniform":[0,1],"label":"x"}', 'tpe', '{}', 3, 1700000000000, 'tychei'),
        (2, 'plain', 'minimize', '{"uniform":[0,1],"label":"x"}', 'random', '{}', 1, 1700000000000, 'tychei')`,
      `INSERT INTO trials (id, study_id, number, state, params, value, fail_reason, fail_message, attrs, started_at, finished_at, heartbeat_at, owner) VALUES
        (1, 1, 0, 'complete', '{"x":0.5}', 0.25, NULL, NULL, '{}', 1700000002000, 1700000003000, 1700000002000, 'h:1'),
        (2, 1, 1, 'pruned', '{"x":0.75}', 0.9, NULL, NULL, '{}', 1700000004000, 1700000005000, 1700000004000, 'h:1')`,
      `INSERT INTO intermediate_values (study_id, trial_id, number, step, value, seq) VALUES
        (1, 1, 0, 0, 0.5, 1), (1, 1, 0, 1, 0.25, 2), (1, 2, 1, 0, 0.9, 3)`,
    ],
    async check(s) {
      const [pruned, plain] = await s.listStudies();
      assert.deepEqual([pruned.pruner, pruned.prunerSwitches], [null, []], 'no pruner recorded before version 10');
      assert.deepEqual(
        (await s.trials(pruned.id)).map((t) => [t.state, t.value, t.intermediate?.map((i) => [i.step, i.value])]),
        [
          [
            'complete',
            0.25,
            [
              [0, 0.5],
              [1, 0.25],
            ],
          ],
          ['pruned', 0.9, [[0, 0.9]]],
        ],
      );
      // resumed without a pruner: none, nothing written; with one: it is recorded, and the next resume rebuilds it
      const none = await createStudy({ storage: s, name: 'plain', resume: true });
      assert.deepEqual([none.pruner, (await s.getStudy('plain'))?.pruner], [null, null]);
      void plain;
      const hb = { minResource: 1, maxResource: 9, reductionFactor: 3 };
      const first = await createStudy({ storage: s, name: 'pruned', resume: true, pruner: hyperband(hb) });
      assert.deepEqual(first.record.pruner, { name: 'hyperband', options: hb });
      assert.deepEqual(
        first.record.prunerSwitches?.map((w) => [w.from, w.to, w.atTrial]),
        [[null, { name: 'hyperband', options: hb }, 2]],
      );
      const again = await createStudy({ storage: s, name: 'pruned', resume: true });
      assert.ok(again.pruner instanceof HyperbandPruner);
      assert.deepEqual(again.pruner.options, hb);
      await assert.rejects(
        createStudy({ storage: s, name: 'pruned', resume: true, pruner: median() }),
        /study "pruned" was run with pruner hyperband \{"minResource":1,"maxResource":9,"reductionFactor":3\}, not median: .*switchPruner: true \(CLI: --switch-pruner\)/,
      );
      const switched = await createStudy({ storage: s, name: 'pruned', resume: true, pruner: median(), switchPruner: true });
      assert.deepEqual(switched.record.pruner, { name: 'median', options: {} });
      assert.equal(switched.record.prunerSwitches?.length, 2);
      // a study made now stores its pruner, none included
      const made = await s.createStudy({ ...pruned, name: 'new', pruner: { name: 'asha', options: { minResource: 2 } } });
      const bare = await s.createStudy({ ...pruned, name: 'bare', pruner: undefined });
      assert.deepEqual(
        [made.pruner, bare.pruner],
        [
          { name: 'asha', options: { minResource: 2 } },
          { name: 'none', options: {} },
        ],
      );
    },
  },
];

/** Creates the schema of `version` (its first migrations) and writes the case's data, through `exec`. */
async function writeOld(c: MigrationCase, exec: (sql: string) => Promise<void>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
  for (const m of MIGRATIONS.slice(0, c.version)) await exec(m[dialect]);
  await exec(`INSERT INTO schema_version (version) VALUES (${c.version})`);
  for (const sql of c.inserts) await exec(sql);
  // as BIGSERIAL/AUTOINCREMENT would have after those rows
  if (dialect === 'postgres') {
    await exec(`SELECT setval('studies_id_seq', (SELECT max(id) FROM studies)), setval('trials_id_seq', (SELECT max(id) FROM trials))`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'parzen-migrate-'));
const pgUrl = testPgUrl();
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUrl) await dropSchemas(pgUrl, schemas);
});

describe('schema migration with data', () => {
  it('has a case for every version that can hold data, up to the one before the current', () => {
    assert.ok(
      CASES.some((c) => c.version === SCHEMA_VERSION - 1),
      `add a MigrationCase for version ${SCHEMA_VERSION - 1}`,
    );
  });

  for (const c of CASES) {
    it(`sqlite: a database of version ${c.version} migrates to ${SCHEMA_VERSION} with nothing lost`, async () => {
      const file = join(dir, `v${c.version}.db`);
      const db = new Database(file);
      await writeOld(c, async (sql) => void db.exec(sql), 'sqlite');
      db.close();
      const s = await openStorage(`sqlite:${file}`);
      try {
        await c.check(s);
      } finally {
        await s.close();
      }
      const after = new Database(file);
      assert.equal(after.prepare('SELECT version FROM schema_version').pluck().get(), SCHEMA_VERSION);
      after.close();
    });

    it(
      `postgres: a database of version ${c.version} migrates to ${SCHEMA_VERSION} with nothing lost`,
      { skip: pgUrl ? false : PG_SKIP },
      async () => {
        const schema = freshSchema('migrate');
        schemas.push(schema);
        const client = new pg.Client({ connectionString: pgUrl });
        await client.connect();
        try {
          await client.query(`CREATE SCHEMA ${schema}`);
          await client.query(`SET search_path = ${schema}`);
          await writeOld(c, async (sql) => void (await client.query(sql)), 'postgres');
        } finally {
          await client.end();
        }
        const s = await openStorage(withSchema(pgUrl as string, schema));
        try {
          await c.check(s);
        } finally {
          await s.close();
        }
      },
    );
  }
});
