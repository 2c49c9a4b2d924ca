import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { OptionsError } from '../../src/errors.js';
import { hp } from '../../src/space/hp.js';
import { openStorage } from '../../src/storage/open.js';
import { createStudy } from '../../src/study/study.js';
import type { TrialRecord } from '../../src/trial/trial.js';
import { dropSchemas, freshSchema, testPgUrl, withSchema } from '../storage/pg-env.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./lease-child.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parzen-lease-'));
const pg = testPgUrl();
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pg) await dropSchemas(pg, schemas);
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let made = 0;

/** A fresh store of each kind: memory (this process only), a SQLite file, and PostgreSQL when PARZEN_TEST_PG is set. */
function urls(shared: boolean): [string, () => string][] {
  const out: [string, () => string][] = [['sqlite', () => `sqlite:${join(dir, `lease-${made++}.db`)}`]];
  if (!shared) out.unshift(['memory', () => 'memory']);
  if (pg) {
    out.push([
      'postgres',
      () => {
        const s = freshSchema('lease');
        schemas.push(s);
        return withSchema(pg, s);
      },
    ]);
  }
  return out;
}

const space = { x: hp.uniform('x', 0, 1) };

describe('leases', () => {
  for (const [kind, fresh] of urls(false)) {
    it(`${kind}: a trial from ask() without a lease survives optimize runs that beat every 100 ms, and is told later`, async () => {
      const url = fresh();
      const asker = await createStudy({ space, storage: url, name: 'side', seed: 1 });
      const joined = kind === 'memory' ? asker : await createStudy({ storage: url, name: 'side', resume: true });
      const [t] = await asker.ask();
      await sleep(400); // older than 3 beats of the runs below
      for (let round = 1; round <= 2; round++) {
        await joined.optimize(async (c) => (await sleep(15), (c as { x: number }).x), {
          nTrials: 1 + 8 * round,
          heartbeatMs: 100,
          concurrency: 2,
        });
      }
      const told = await asker.tell(t.number, 0.5);
      assert.equal(told.state, 'complete');
      const all = await asker.trials();
      assert.equal(all.length, 17);
      assert.ok(
        all.every((r) => r.state === 'complete'),
        JSON.stringify(all.map((r) => [r.state, r.failMessage])),
      );
      await asker.close();
      if (joined !== asker) await joined.close();
    });

    it(`${kind}: an asked trial with a lease is failed as stale once it lapses, and kept alive by study.heartbeat`, async () => {
      const url = fresh();
      const study = await createStudy({ space, storage: url, name: 'leased', seed: 2 });
      const [lapsed, kept] = await study.ask(2, { leaseMs: 400 });
      assert.equal(lapsed.number, 0);
      for (let i = 0; i < 6; i++) {
        await sleep(100);
        await study.heartbeat([kept.number]);
      }
      await study.optimize((c: { x: number }) => c.x, { nTrials: 4, heartbeatMs: 1000 });
      const all = await study.trials();
      assert.equal(all[lapsed.number].failReason, 'stale');
      assert.match(all[lapsed.number].failMessage ?? '', /lease of 400 ms expired/);
      assert.equal(all[kept.number].state, 'running');
      assert.equal((await study.tell(kept.number, 1)).state, 'complete');
      await assert.rejects(study.heartbeat([99]), /trial 99 does not exist/);
      await assert.rejects(study.ask(1, { leaseMs: -5 }), (e: Error) => e instanceof OptionsError && /options\.leaseMs/.test(e.message));
      await study.close();
    });
  }

  for (const [kind, fresh] of urls(true)) {
    it(`${kind}: processes with heartbeats of 3 s and 100 ms share a study and never fail each other's live trials`, async () => {
      const url = fresh();
      const creator = await createStudy({ space, storage: url, name: 'mixed', seed: 3 });
      await creator.close();
      // the slow-beating process: 6 trials of 1.5 s, 3 at a time, beating every 3 s (lease 9 s)
      const slow = run(process.execPath, [CHILD, url, 'mixed', '3000', '1500', '6', '3']);
      const storage = await openStorage(url);
      const id = (await storage.getStudy('mixed'))?.id as number;
      let running: TrialRecord[] = [];
      for (let i = 0; i < 300 && running.length === 0; i++) {
        await sleep(20);
        running = (await storage.trials(id)).filter((t) => t.state === 'running');
      }
      assert.ok(running.length > 0, 'the slow process got going');
      await sleep(400); // its trials are now older than 3 beats of the fast process
      // the fast-beating process joins: until the study holds 14 trials, beating every 100 ms (lease 300 ms)
      const fast = await run(process.execPath, [CHILD, url, 'mixed', '100', '40', '14', '2']);
      const slowRan = JSON.parse((await slow).stdout) as number[];
      const fastRan = JSON.parse(fast.stdout) as number[];
      const all = await storage.trials(id);
      await storage.close();
      assert.deepEqual(
        all.map((t) => t.state),
        Array(14).fill('complete'),
        JSON.stringify(all.map((t) => t.failMessage)),
      );
      assert.ok(slowRan.length >= 3 && fastRan.length >= 1, 'both processes ran trials');
      assert.deepEqual(
        [...slowRan, ...fastRan].sort((a, b) => a - b),
        all.map((t) => t.number),
      );
      for (const t of all) assert.ok(t.leaseMs === (slowRan.includes(t.number) ? 9000 : 300), 'each trial carries its claimant’s lease');
    });
  }
});
