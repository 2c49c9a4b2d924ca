import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as parzen from '../../src/index.js';
import { dropSchemas, freshSchema, testPgUrl, withSchema } from '../storage/pg-env.js';

const { createStudy, fmin, hp, openStorage, workerPool, OptionsError } = parzen;
const exec = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const DELAY = fileURLToPath(new URL('../../../test/fixtures/pool-delay.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'parzen-url-'));
const pg = testPgUrl();
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pg) await dropSchemas(pg, schemas);
});

const space = { x: hp.uniform('x', -2, 2) };

describe('storage from the API as a URL', () => {
  it('exports openStorage', async () => {
    const s = await openStorage('memory');
    assert.deepEqual(await s.listStudies(), []);
    await s.close();
  });

  it('createStudy({ storage: "sqlite:PATH" }) persists a study that a later process resumes and `parzen studies` lists', async () => {
    const url = `sqlite:${join(dir, 'api.db')}`;
    const study = await createStudy({ space, storage: url, name: 'from-api', seed: 4 });
    await study.optimize((c: { x: number }) => c.x ** 2, { nTrials: 5 });
    await study.close();
    const again = await createStudy({ storage: url, name: 'from-api', resume: true });
    assert.equal((await again.trials()).length, 5);
    await again.optimize((c) => (c as { x: number }).x ** 2, { nTrials: 8 });
    await again.close();
    const { stdout } = await exec(process.execPath, [CLI, 'studies', '--storage', url, '--json']);
    const [listed] = (JSON.parse(stdout) as { studies: { name: string; counts: { complete: number } }[] }).studies;
    assert.equal(listed.name, 'from-api');
    assert.equal(listed.counts.complete, 8);
  });

  it('fmin({ storage: URL, studyName }) runs, closes the storage it opened, and continues the study on the next call', async () => {
    const url = `sqlite:${join(dir, 'fmin.db')}`;
    const fn = (c: { x: number }) => (c.x - 1) ** 2;
    await fmin({ fn, space, maxEvals: 6, storage: url, studyName: 'f', seed: 1 });
    await fmin({ fn, space, maxEvals: 10, storage: url, studyName: 'f', seed: 1 });
    const s = await openStorage(url);
    const rec = await s.getStudy('f');
    assert.ok(rec);
    assert.equal((await s.trials(rec.id)).length, 10);
    await s.close();
  });

  it('a workerPool run on a study whose storage is a URL (sqlite, and postgres when set)', async () => {
    const urls = [`sqlite:${join(dir, 'pool.db')}`];
    if (pg) {
      const schema = freshSchema('url');
      schemas.push(schema);
      urls.push(withSchema(pg, schema));
    }
    const pool = await workerPool({ module: DELAY, export: 'seeded' }, { concurrency: 2 });
    try {
      for (const url of urls) {
        const study = await createStudy({ space: { x: hp.uniform('x', 0, 1) }, storage: url, name: 'pooled' });
        await study.optimize(pool, { nTrials: 6 });
        await study.close();
        const s = await openStorage(url);
        const rec = await s.getStudy('pooled');
        assert.deepEqual(
          (await s.trials(rec?.id as number)).map((t) => t.state),
          Array(6).fill('complete'),
          url,
        );
        await s.close();
      }
    } finally {
      await pool.close();
    }
  });

  it('rejects a storage that is neither a URL nor a Storage, naming the option', async () => {
    await assert.rejects(
      createStudy({ space, storage: { nope: 1 } as never }),
      (e: Error) => e instanceof OptionsError && /options\.storage must be a storage URL/.test(e.message),
    );
    await assert.rejects(createStudy({ space, storage: 'mysql://x' }), /unknown kind/);
  });
});
