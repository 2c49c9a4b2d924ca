import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { StorageError } from '../../src/errors.js';
import { hp } from '../../src/space/hp.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { createStudy } from '../../src/study/study.js';
import type { TrialRecord } from '../../src/trial/trial.js';
import { dropSchemas, freshSchema, PG_SKIP, testPgUrl, withSchema } from '../storage/pg-env.js';
import { PgProxy } from './pg-proxy.js';

const base = testPgUrl();
const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'dist/src/cli/main.js');
const OBJECTIVE = join(root, 'test/fixtures/storage-sleep.mjs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const space = { x: hp.uniform('x', -5, 5), y: hp.uniform('y', 0, 1) };
const objective = async (c: unknown) => {
  await sleep(5);
  const { x, y } = c as { x: number; y: number };
  return x * x + y;
};

/** The study's end state: exactly `n` complete trials numbered 0..n-1, no duplicate params, none running. */
function assertExact(trials: readonly TrialRecord[], n: number): void {
  assert.deepEqual(
    trials.map((t) => t.number),
    trials.map((_, i) => i),
    'numbers gap-free',
  );
  assert.equal(trials.filter((t) => t.state === 'running').length, 0, 'no trial left running');
  const counted = trials.filter((t) => !(t.state === 'fail' && (t.failReason === 'interrupted' || t.failReason === 'stale')));
  assert.equal(counted.length, n, 'the budget exactly');
  assert.equal(new Set(trials.map((t) => JSON.stringify(t.params))).size, trials.length, 'no duplicate params');
}

if (!base) {
  describe('postgres under faults', () => it('runs against PARZEN_TEST_PG', { skip: PG_SKIP }, () => {}));
} else {
  const schemas: string[] = [];
  after(() => dropSchemas(base, schemas));
  const fresh = (url = base) => {
    const s = freshSchema('fault');
    schemas.push(s);
    return withSchema(url, s);
  };

  describe('postgres under faults', () => {
    it('survives backends terminated every 50-250 ms mid-run: no crash, the budget exact, no duplicate', async () => {
      const app = `parzen-victim-${process.pid}`;
      const u = new URL(fresh());
      u.searchParams.set('application_name', app);
      const storage = await PostgresStorage.open(u.toString());
      const killer = new pg.Client({ connectionString: base });
      await killer.connect();
      let kills = 0;
      let running = true;
      const loop = (async () => {
        while (running) {
          await sleep(50 + Math.random() * 200);
          // only this test's own connections, in this test's own database
          const r = await killer.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
            [app],
          );
          kills += r.rowCount ?? 0;
        }
      })();
      try {
        const study = await createStudy({ space, storage, name: 'chaos', seed: 1 });
        await study.optimize(objective, { nTrials: 200, concurrency: 4, reproducible: false });
        running = false;
        await loop;
        assertExact(await study.trials(), 200);
        assert.ok(kills >= 5, `backends were terminated during the run (${kills})`);
      } finally {
        running = false;
        await loop.catch(() => {});
        await killer.end();
        await storage.close();
      }
    });

    it('reconnects after the server is gone for 1.5 s (restart) and completes the budget', async () => {
      const proxy = await PgProxy.start(base);
      const storage = await PostgresStorage.open(proxy.url(fresh()));
      try {
        const study = await createStudy({ space, storage, name: 'restart', seed: 2 });
        let cut = false;
        await study.optimize(objective, {
          nTrials: 80,
          concurrency: 3,
          onProgress: (p) => {
            if (p.done === 20 && !cut) {
              cut = true;
              proxy.down();
              setTimeout(() => proxy.up(), 1500);
            }
          },
        });
        assert.ok(cut);
        assertExact(await study.trials(), 80);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });

    it('opening retries a connection lost during the migration; a server never reached fails at once', async () => {
      const proxy = await PgProxy.start(base);
      try {
        const dropped = proxy.dropReplyAfter('pg_advisory_xact_lock');
        const storage = await PostgresStorage.open(proxy.url(fresh()));
        await dropped;
        assert.deepEqual(await storage.listStudies(), []);
        await storage.close();
        proxy.down();
        // refused on the first attempt, not after the retry bound ("database unreachable for 60 s")
        await assert.rejects(
          PostgresStorage.open(proxy.url(fresh())),
          (e: unknown) => e instanceof StorageError && /cannot open/.test(e.message) && !/unreachable for/.test(e.message),
        );
      } finally {
        await proxy.close();
      }
    });

    it('a claim whose COMMIT answer is lost is resolved by its key: no trial lost or claimed twice', async () => {
      const proxy = await PgProxy.start(base);
      const storage = await PostgresStorage.open(proxy.url(fresh()));
      try {
        const study = await storage.createStudy({
          name: 's',
          direction: 'minimize',
          space: {},
          sampler: { name: 'random', options: {} },
          seed: 0,
        });
        const dropped = proxy.dropReplyAfter('COMMIT');
        const claimed = await storage.claimTrials(study.id, [{ x: 1 }, { x: 2 }], { owner: 'me' });
        await dropped;
        assert.deepEqual(
          claimed.map((t) => t.number),
          [0, 1],
        );
        assert.deepEqual(
          (await storage.trials(study.id)).map((t) => t.params),
          [{ x: 1 }, { x: 2 }],
        );
      } finally {
        await storage.close();
        await proxy.close();
      }
    });

    it('a finish whose answer is lost is taken as done when it applied, and a second tell is still refused', async () => {
      const proxy = await PgProxy.start(base);
      const storage = await PostgresStorage.open(proxy.url(fresh()));
      try {
        const study = await storage.createStudy({
          name: 's',
          direction: 'minimize',
          space: {},
          sampler: { name: 'random', options: {} },
          seed: 0,
        });
        const [t] = await storage.claimTrials(study.id, [{ x: 1 }], { owner: 'me' });
        const dropped = proxy.dropReplyAfter('UPDATE trials SET state');
        const done = await storage.finishTrial(t.id, { state: 'complete', value: 3 });
        await dropped;
        assert.equal(done.state, 'complete');
        assert.equal(done.value, 3);
        await assert.rejects(storage.finishTrial(t.id, { state: 'complete', value: 3 }), /already complete/);
      } finally {
        await storage.close();
        await proxy.close();
      }
    });

    it('gives up after --db-retry-ms with a one-line error and exit code 1, every finished trial stored', async () => {
      const proxy = await PgProxy.start(base);
      const url = fresh();
      const child = spawn(
        process.execPath,
        [
          CLI,
          'run',
          OBJECTIVE,
          '--storage',
          proxy.url(url),
          '--study',
          'bound',
          '--max-evals',
          '100000',
          '--concurrency',
          '2',
          '--db-retry-ms',
          '1000',
        ],
        { env: { ...process.env, SLEEP_MS: '5' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (b) => (stderr += b));
      child.stdout.resume();
      const reader = await PostgresStorage.open(url);
      try {
        let before: TrialRecord[] = [];
        for (let i = 0; i < 400 && before.length < 30; i++) {
          await sleep(25);
          const rec = await reader.getStudy('bound');
          before = rec ? (await reader.trials(rec.id)).filter((t) => t.state === 'complete') : [];
        }
        assert.ok(before.length >= 30, 'the run got going');
        proxy.down();
        const code = await new Promise<number | null>((r) => child.once('exit', r));
        assert.equal(code, 1);
        const lines = stderr.trim().split('\n');
        assert.equal(lines.length, 1, stderr);
        assert.match(lines[0], /^parzen: postgres:\/\/.*: database unreachable for 1 s .*run the same command again/);
        const rec = await reader.getStudy('bound');
        const after = await reader.trials(rec!.id);
        for (const t of before) assert.equal(after[t.number].state, 'complete');
        assert.deepEqual(
          after.map((t) => t.number),
          after.map((_, i) => i),
        );
      } finally {
        child.kill('SIGKILL');
        await reader.close();
        await proxy.close();
      }
    });

    it('the API bound: optimize rejects with a StorageError once the database is gone longer than retryMs', async () => {
      const proxy = await PgProxy.start(base);
      const storage = await PostgresStorage.open(proxy.url(fresh()), { retryMs: 500 });
      try {
        const study = await createStudy({ space, storage, name: 'bound', seed: 2 });
        await assert.rejects(
          study.optimize(objective, { nTrials: 1000, concurrency: 2, onProgress: (p) => p.done === 10 && proxy.down() }),
          (e: unknown) => e instanceof StorageError && /unreachable/.test(e.message),
        );
      } finally {
        await storage.close();
        await proxy.close();
      }
    });
  });
}
