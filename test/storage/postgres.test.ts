import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError } from '../../src/errors.js';
import { openStorage, redact } from '../../src/storage/open.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { storageConformance } from '../conformance/storage.js';
import { dropSchemas, freshSchema, PG_SKIP, testPgUrl, withSchema } from './pg-env.js';

const url = testPgUrl();

if (!url) {
  describe('postgres storage', () => {
    it('runs against PARZEN_TEST_PG', { skip: PG_SKIP }, () => {});
  });
} else {
  const base = url;
  const schemas: string[] = [];
  const urls = new Map<PostgresStorage, string>();
  const open = async () => {
    const schema = freshSchema('conf');
    schemas.push(schema);
    const u = withSchema(base, schema);
    const s = await PostgresStorage.open(u);
    urls.set(s, u);
    return s;
  };
  storageConformance('postgres', open, () => dropSchemas(base, schemas), {
    share: async (s) => {
      const u = urls.get(s as PostgresStorage) as string;
      const t = await PostgresStorage.open(u);
      urls.set(t, u);
      return t;
    },
    url: (s) => urls.get(s as PostgresStorage) as string,
  });

  describe('postgres storage', () => {
    it('opens postgresql:// URLs and migrates a schema that several processes open at once', async () => {
      const schema = freshSchema('open');
      try {
        const u = withSchema(base.replace(/^postgres:/, 'postgresql:'), schema);
        const stores = await Promise.all([1, 2, 3, 4].map(() => openStorage(u)));
        await stores[0].createStudy({
          name: 's',
          direction: 'minimize',
          space: {},
          sampler: { name: 'random', options: {} },
          seed: 0,
          rng: 'tychei',
        });
        assert.equal((await stores[3].listStudies()).length, 1);
        for (const s of stores) await s.close();
      } finally {
        await dropSchemas(base, [schema]);
      }
    });

    it('fails with a StorageError that names the server and hides the password', async () => {
      await assert.rejects(openStorage('postgres://me:secret@127.0.0.1:1/nowhere'), (e: Error) => {
        assert.ok(e instanceof StorageError);
        assert.match(e.message, /127\.0\.0\.1:1/);
        assert.doesNotMatch(e.message, /secret/);
        return true;
      });
      assert.equal(redact('postgres://me:secret@h:5/db'), 'postgres://me:***@h:5/db');
    });
  });
}
