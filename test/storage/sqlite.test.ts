import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { StorageError } from '../../src/errors.js';
import { openStorage } from '../../src/storage/open.js';
import { SCHEMA_VERSION } from '../../src/storage/schema.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { specNamed, storageConformance } from '../conformance/storage.js';

const dir = mkdtempSync(join(tmpdir(), 'parzen-sqlite-'));
let files = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

storageConformance('sqlite', async () => new SqliteStorage(join(dir, `conformance-${files++}.db`)), undefined, {
  share: async (s) => new SqliteStorage((s as SqliteStorage).path),
  url: (s) => `sqlite:${(s as SqliteStorage).path}`,
});

storageConformance('sqlite in memory', async () => openStorage('sqlite::memory:'));

describe('sqlite storage', () => {
  it('keeps studies and trials across close and reopen, in WAL mode', async () => {
    const file = join(dir, 'reopen.db');
    const a = await openStorage(`sqlite:${file}`);
    const study = await a.createStudy(specNamed('kept'));
    const [t] = await a.claimTrials(study.id, [{ x: 0.25 }], { owner: 'o' });
    await a.finishTrial(t.id, { state: 'complete', value: 1.5 });
    await a.close();
    const b = await openStorage(`sqlite://${file}`);
    const again = await b.getStudy('kept');
    assert.deepEqual(again, study);
    const [read] = await b.trials(study.id);
    assert.equal(read.value, 1.5);
    assert.deepEqual(read.params, { x: 0.25 });
    await b.close();
    const db = new Database(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.prepare('SELECT version FROM schema_version').pluck().get(), SCHEMA_VERSION);
    db.close();
  });

  it('refuses a database written by a newer schema', async () => {
    const file = join(dir, 'future.db');
    await (await openStorage(`sqlite:${file}`)).close();
    const db = new Database(file);
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    db.close();
    await assert.rejects(openStorage(`sqlite:${file}`), (e: Error) => e instanceof StorageError && /newer/.test(e.message));
  });

  it('names the accepted kinds when the URL is unknown', async () => {
    await assert.rejects(openStorage('mysql://x'), (e: Error) => e instanceof StorageError && /sqlite:\.\/parzen\.db/.test(e.message));
    await assert.rejects(openStorage('sqlite:'), StorageError);
  });
});
